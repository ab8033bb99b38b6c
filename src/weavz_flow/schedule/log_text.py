"""Exceptions as the scheduler's log lines show them: one line, type and first line of the message, with the store's
password taken out (a driver may quote a connection string back), so no traceback or secret reaches a log at INFO or
WARNING; the full traceback goes to the DEBUG log only."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"


def one_line(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """``OperationalError: (psycopg.OperationalError) the connection is closed`` for any exception; each non-empty
    text of ``secrets`` is replaced by ``***``."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text
