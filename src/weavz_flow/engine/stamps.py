"""Identifiers and timestamps as the store writes them: UUID strings and ISO 8601 UTC with fixed width.

The fixed width (always microseconds, always ``Z``) makes the text sort in time order, so the store can keep
timestamps as strings on SQLite and PostgreSQL alike and compare them directly.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def new_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> str:
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_time(text: str) -> datetime:
    """Accepts the store's own format and any ISO 8601 text with an offset (naive text is taken as UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def normalize_time(text: str) -> str:
    """An ISO 8601 text from a caller, rewritten in the store's sortable form."""
    return format_time(parse_time(text))


def plus(moment: str, seconds: float) -> str:
    """The stored time ``seconds`` after ``moment`` (another stored time)."""
    return format_time(parse_time(moment) + timedelta(seconds=seconds))


def ago(seconds: float) -> str:
    return format_time(datetime.now(UTC) - timedelta(seconds=seconds))
