"""Typed rendering of step values.

A string that is exactly one expression (``"{{ inputs.limit }}"``) evaluates to the expression's native value, so a
list stays a list and a number a number; any other template renders to a string. Only configuration is rendered:
the values in the context (inputs, step outputs, secrets) are data and are never parsed as templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from weavz_flow.config.templates import is_template, sandbox
from weavz_flow.errors import WeavzFlowError

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*?)\}\}\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Where:
    """Names the place of a template in messages."""

    file: str
    step: str
    field: str

    def child(self, suffix: str) -> Where:
        return Where(self.file, self.step, self.field + suffix)

    def describe(self) -> str:
        return f"{self.file}: step '{self.step}', {self.field}"


class RenderError(WeavzFlowError):
    def __init__(self, where: Where, expression: str, problem: str) -> None:
        super().__init__(f"{where.describe()}: cannot render {expression!r}: {problem}")
        self.where = where
        self.expression = expression
        self.problem = problem


class RunEnvironment(ImmutableSandboxedEnvironment):
    """Attribute access on data reads the data first: ``item.items`` or ``steps.x.output.keys`` is the key of that
    name, never the dict method (which would render as a bound method)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def _json_default(value: Any) -> Any:
    # `{{ steps | tojson }}`: the steps view is a Mapping, not a dict.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@cache
def render_env() -> RunEnvironment:
    """The validate sandbox's configuration and filters, with undefined names as errors."""
    base = sandbox()
    env = RunEnvironment(autoescape=False, keep_trailing_newline=True, undefined=StrictUndefined)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": _json_default}
    env.filters.update(base.filters)
    env.tests.update(base.tests)
    return env


@cache
def _compiled_expression(expr: str) -> Any:
    return render_env().compile_expression(expr, undefined_to_none=False)


@cache
def _compiled_template(source: str) -> Any:
    return render_env().from_string(source)


def _single_expression(source: str) -> str | None:
    match = _SINGLE_EXPRESSION.match(source)
    if match is None:
        return None
    expr = match.group("expr")
    # "{{ a }} and {{ b }}" also matches the outer braces; it is two expressions, not one.
    if "{{" in expr or "}}" in expr or "{%" in source or "{#" in source:
        return None
    return expr


def render_string(source: str, names: Mapping[str, Any], where: Where) -> Any:
    if not is_template(source):
        return source
    expr = _single_expression(source)
    try:
        if expr is not None:
            value = _compiled_expression(expr.strip())(**names)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            if callable(value):
                raise RenderError(where, source, "renders to a function, not a value")
            return value
        return _compiled_template(source).render(**names)
    except SecurityError as exc:
        raise RenderError(where, source, f"refused by the sandbox ({exc})") from None
    except TemplateError as exc:
        raise RenderError(where, source, exc.message or type(exc).__name__) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise RenderError(where, source, f"{type(exc).__name__}: {exc}") from None


def render_value(value: Any, names: Mapping[str, Any], where: Where) -> Any:
    """``value`` with every template string inside it (dict values, list items) rendered; keys are kept as written."""
    if isinstance(value, str):
        return render_string(value, names, where)
    if isinstance(value, dict):
        return {k: render_value(v, names, where.child(f".{k}")) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, names, where.child(f"[{i}]")) for i, v in enumerate(value)]
    return value
