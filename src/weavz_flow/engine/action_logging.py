"""Log redaction around an action: the logger handed to it, and a filter on the HTTP libraries' own loggers.

httpx logs each request's URL (query string included) at INFO and httpcore its headers at DEBUG; an action cannot
reach those lines. While an action runs, :func:`redacting_library_logs` makes its Redactor current (a context
variable: actions run on the thread of their execute), and the filter installed on those loggers redacts every
record they emit meanwhile. The filter costs nothing while the loggers are off: logging checks the level first.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from weavz_flow.redact import Redactor


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """Formats each message first (``msg % args``) and redacts the result, so secrets in arguments are caught too."""

    def __init__(self, logger: logging.Logger, redactor: Redactor, extra: dict[str, Any] | None = None) -> None:
        super().__init__(logger, extra or {})
        self.redactor = redactor

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        # A traceback would print exception text unredacted; actions log failures as text instead.
        kwargs.pop("exc_info", None)
        kwargs.pop("stack_info", None)
        redacted, extra = self.process(self.redactor.text(text), kwargs)
        self.logger.log(level, redacted, **extra)


# Logger filters apply where a record is made, not to its parents' records: each logger that makes records is named.
LIBRARY_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy",
                   "httpcore.socks")
_current: contextvars.ContextVar[Redactor | None] = contextvars.ContextVar("weavz_flow_redactor", default=None)


class _LibraryRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redactor = _current.get()
        if redactor:
            record.msg = redactor.text(record.getMessage())
            record.args = None
        return True


_FILTER = _LibraryRedaction()


def install_library_log_redaction() -> None:
    """Idempotent: one filter per library logger, however many engines a process opens."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextmanager
def redacting_library_logs(redactor: Redactor) -> Iterator[None]:
    token = _current.set(redactor)
    try:
        yield
    finally:
        _current.reset(token)
