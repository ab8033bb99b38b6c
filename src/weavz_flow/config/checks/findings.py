"""The list every check appends to, with a shorthand for errors and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from weavz_flow.diagnostics import Diagnostic, Position, Severity


@dataclass(slots=True)
class Findings:
    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, where: Position, hint: str | None = None) -> None:
        self.items.append(Diagnostic(Severity.ERROR, code, message, where, hint))

    def warning(self, code: str, message: str, where: Position, hint: str | None = None) -> None:
        self.items.append(Diagnostic(Severity.WARNING, code, message, where, hint))
