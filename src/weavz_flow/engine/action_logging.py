"""The logger handed to native actions: it redacts the credential's secrets from every message it passes on."""

from __future__ import annotations

import logging
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
        msg, kwargs = self.process(self.redactor.text(text), kwargs)
        self.logger.log(level, msg, **kwargs)
