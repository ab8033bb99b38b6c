"""Procrastinate's log records on stderr as one line each: warnings and errors only, never a traceback (a job that
failed is reported with its exception's type and first line; the fire's own outcome is in the scheduler's log)."""

from __future__ import annotations

import logging
import sys

_MARK = "_weavz_flow_queue"


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = f"{self.formatTime(record)} {record.levelname} queue: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            text += f" ({type(exc).__name__}{': ' + first if first else ''})"
        return text


def configure_queue_logging() -> None:
    logger = logging.getLogger("procrastinate")
    if any(getattr(h, _MARK, False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    setattr(handler, _MARK, True)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
