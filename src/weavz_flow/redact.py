"""Redaction of secret values from text and data before it reaches a log, an error or a record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"

# Shorter strings are too likely to occur by chance in ordinary text (and redacting them would garble it).
_MIN_SECRET_LENGTH = 4


class Redactor:
    """Replaces each known secret string wherever it occurs, in text or nested JSON-like data."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first so that a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LENGTH},
                               key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def data(self, value: Any) -> Any:
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value
