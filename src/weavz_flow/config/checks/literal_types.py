"""A literal value that cannot be right for an action input: wrong JSON type, or outside the field's enum.

Template strings are skipped: what they render to is known only at run time.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.catalog.input_check import json_type
from weavz_flow.catalog.model import InputField
from weavz_flow.config.templates import is_template


def literal_problem(field: InputField, value: Any) -> str | None:
    if value is None or is_template(value):
        return None
    if not field.accepts(value):
        return f"'{field.name}' must be {_article(field.type)}, got {json_type(value)}"
    if field.enum is not None and value not in field.enum:
        return f"'{field.name}' must be one of " + ", ".join(repr(v) for v in field.enum)
    return None


def _article(t: str | None) -> str:
    if t is None:
        return "any value"
    return ("an " if t[0] in "aeiou" else "a ") + t
