"""Checking an action's final input against its catalog fields (the engine's step 7 and validate's literal checks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from weavz_flow.catalog.model import ActionInfo


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    problem: str  # "required" | "type" | "enum"
    message: str


def check_input(action: ActionInfo, values: Mapping[str, Any]) -> list[FieldProblem]:
    """Missing required fields and values of the wrong type or outside an enum. Unknown keys pass, as on Weavz."""
    problems: list[FieldProblem] = []
    for f in action.fields:
        present = f.name in values and values[f.name] is not None
        if not present:
            if f.required:
                problems.append(FieldProblem(f.name, "required", f"'{f.name}' is required"))
            continue
        value = values[f.name]
        if not f.accepts(value):
            problems.append(
                FieldProblem(f.name, "type", f"'{f.name}' must be {_article(f.type)}, got {json_type(value)}")
            )
        elif f.enum is not None and value not in f.enum:
            allowed = ", ".join(repr(v) for v in f.enum)
            problems.append(FieldProblem(f.name, "enum", f"'{f.name}' must be one of {allowed}"))
    return problems


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _article(t: str | None) -> str:
    if t is None:
        return "any value"
    return ("an " if t[0] in "aeiou" else "a ") + t
