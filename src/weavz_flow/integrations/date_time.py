"""Datetime (``datetime``): parse, format, shift and test dates, computed here with no provider.

Input schemas are the SDK catalog's (:mod:`weavz_flow.integrations.catalog_action`). Dates are ISO 8601 text, RFC
2822 text, a few common day-first-free formats, or Unix timestamps (seconds, or milliseconds past 10^11); a date
without an offset is read in ``timezone`` (UTC when unset). Outputs carry ISO 8601 in that timezone and a Unix time.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.native_action import choice, invalid_input

NAME = "datetime"
_MS_THRESHOLD = 10**11  # a larger timestamp is in milliseconds (10^11 s is the year 5138)
_COMMON_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%Y %H:%M", "%B %d, %Y", "%b %d, %Y",
                   "%d %B %Y", "%d %b %Y")
FORMATS: dict[str, Callable[[datetime], str | int]] = {
    "iso": lambda d: d.isoformat(),
    "date": lambda d: d.strftime("%Y-%m-%d"),
    "time": lambda d: d.strftime("%H:%M:%S"),
    "datetime": lambda d: d.strftime("%Y-%m-%d %H:%M:%S"),
    "rfc2822": format_datetime,
    "human": lambda d: f"{d:%A, %B} {d.day}, {d.year} {d.hour % 12 or 12}:{d:%M %p}",  # no glibc-only %-d
    "unix": lambda d: int(d.timestamp()),
    "unix_ms": lambda d: int(d.timestamp() * 1000),
}
UNITS = ("seconds", "minutes", "hours", "days", "weeks", "months", "years")
OPERATIONS = ("add", "subtract")


def _zone(ctx: ActionContext, values: dict[str, Any]) -> tzinfo:
    name = values.get("timezone") or "UTC"
    try:
        return UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid_input(ctx, "timezone", "must be an IANA timezone name, such as Europe/London") from None


def parse(ctx: ActionContext, field: str, value: Any, zone: tzinfo) -> datetime:
    """``value`` as an aware datetime in ``zone``."""
    text = str(value).strip()
    parsed: datetime | None = None
    try:
        number = float(text)
    except ValueError:
        parsed = _parse_text(text)
    else:
        seconds = number / 1000 if abs(number) >= _MS_THRESHOLD else number
        parsed = datetime.fromtimestamp(seconds, UTC)
    if parsed is None:
        raise invalid_input(ctx, field, "is not a date (ISO 8601, RFC 2822, a common format or a Unix timestamp)")
    return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)).astimezone(zone)


def _parse_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    for pattern in _COMMON_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _moment(d: datetime) -> dict[str, Any]:
    return {"iso": d.isoformat(), "timestamp": int(d.timestamp()), "timezone": str(d.tzinfo)}


def parse_date(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    d = parse(ctx, "dateString", values["dateString"], _zone(ctx, values))
    return {**_moment(d), "dayOfWeek": _weekday(d)}


def format_date(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    d = parse(ctx, "date", values["date"], _zone(ctx, values))
    preset = str(values["format"]).strip().lower()
    if preset in FORMATS:
        return {"formatted": FORMATS[preset](d), "format": preset}
    if "%" in preset:  # a strftime pattern, for what no preset covers
        return {"formatted": d.strftime(str(values["format"])), "format": str(values["format"])}
    raise invalid_input(ctx, "format", "must be one of " + ", ".join(FORMATS) + ", or a strftime pattern")


def date_math(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    d = parse(ctx, "date", values["date"], _zone(ctx, values))
    operation = choice(ctx, values, "operation", OPERATIONS)
    unit = str(values["unit"]).strip().lower()
    unit = unit if unit.endswith("s") else unit + "s"
    if unit not in UNITS:
        raise invalid_input(ctx, "unit", "must be one of " + ", ".join(UNITS))
    amount = values["amount"] * (1 if operation == "add" else -1)
    if unit in ("months", "years"):
        if not isinstance(amount, int):
            raise invalid_input(ctx, "amount", f"must be a whole number of {unit}")
        shifted = _add_months(d, amount * (12 if unit == "years" else 1))
    else:
        # Wall-clock arithmetic in the zone, then normalized: one day later is the same local time across DST.
        shifted = (d.replace(tzinfo=None) + timedelta(**{unit: amount})).replace(tzinfo=d.tzinfo)
    return _moment(shifted.astimezone(d.tzinfo))


def _add_months(d: datetime, months: int) -> datetime:
    """Calendar months later; a day the target month lacks becomes its last (31 January + 1 month: 28/29 February)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return d.replace(year=year, month=month + 1, day=day)


def is_business_hours(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    zone = _zone(ctx, values)
    d = parse(ctx, "date", values["date"], zone) if "date" in values else datetime.now(zone)
    start, end = _hour(ctx, values, "startHour", 9), _hour(ctx, values, "endHour", 17)
    if start >= end:
        raise invalid_input(ctx, "endHour", "must be later than startHour")
    work_days = values.get("workDays", [1, 2, 3, 4, 5])
    if not all(isinstance(day, int) and 0 <= day <= 6 for day in work_days):
        raise invalid_input(ctx, "workDays", "must hold day numbers from 0 (Sunday) to 6 (Saturday)")
    working = _weekday(d) in work_days and start <= d.hour < end
    return {"isBusinessHours": working, "localTime": d.isoformat(), "dayOfWeek": _weekday(d)}


def _hour(ctx: ActionContext, values: dict[str, Any], field: str, default: int) -> int:
    hour = values.get(field, default)
    if not isinstance(hour, int) or not 0 <= hour <= 24:
        raise invalid_input(ctx, field, "must be a whole hour from 0 to 24")
    return hour


def _weekday(d: datetime) -> int:
    """0 = Sunday ... 6 = Saturday, as the catalog numbers work days."""
    return (d.weekday() + 1) % 7


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Datetime",
    description="Parse, format, shift and test dates and times.",
    actions=catalog_actions(NAME, {
        "parse_date": parse_date,
        "format_date": format_date,
        "date_math": date_math,
        "is_business_hours": is_business_hours,
    }),
)
