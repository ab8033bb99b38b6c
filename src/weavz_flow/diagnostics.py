"""Diagnostics: problems found in a project's files, each with a position, collected so one run reports them all."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file; ``line`` and ``column`` count from 1, as editors show them."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str  # stable, machine-readable: "unknown-key", "unknown-integration", ...
    message: str
    position: Position | None = None
    hint: str | None = None  # the suggested fix, e.g. "did you mean 'strategy'?"

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
