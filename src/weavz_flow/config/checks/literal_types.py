"""A literal value that cannot be right for an action input: wrong JSON type, or outside the field's enum; each with
what to write instead.

Template strings are skipped: what they render to is known only at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavz_flow.catalog.input_check import json_type
from weavz_flow.catalog.model import InputField
from weavz_flow.config.templates import is_template
from weavz_flow.suggest import did_you_mean


@dataclass(frozen=True, slots=True)
class LiteralProblem:
    message: str
    hint: str | None


# What to write instead, by (expected type, given type); {key} is the field's name.
_FIXES = {
    ("object", "array"): "write a mapping, e.g. {key}: {{name: value}}, not a list",
    ("object", "string"): "write a mapping, e.g. {key}: {{name: value}}",
    ("array", "object"): "write a list, e.g. {key}: [a, b], or one '- item' per line",
    ("array", "string"): "write a list, e.g. {key}: [a, b], or one '- item' per line",
    ("string", "integer"): 'quote it: {key}: "..."',
    ("string", "number"): 'quote it: {key}: "..."',
    ("string", "boolean"): 'quote it: {key}: "..."',
    ("integer", "string"): "write the number without quotes",
    ("number", "string"): "write the number without quotes",
    ("boolean", "string"): "write true or false, without quotes",
}


def literal_problem(field: InputField, value: Any) -> LiteralProblem | None:
    if value is None or is_template(value):
        return None
    if not field.accepts(value):
        given = json_type(value)
        fix = _FIXES.get((field.type or "", given))
        return LiteralProblem(f"'{field.name}' must be {_article(field.type)}, got {given}",
                              fix.format(key=field.name) if fix else None)
    if field.enum is not None and value not in field.enum:
        choices = [v for v in field.enum if isinstance(v, str)]
        hint = did_you_mean(value, choices) if isinstance(value, str) else None
        return LiteralProblem(f"'{field.name}' must be one of " + ", ".join(repr(v) for v in field.enum), hint)
    return None


def _article(t: str | None) -> str:
    if t is None:
        return "any value"
    return ("an " if t[0] in "aeiou" else "a ") + t
