"""Typed rendering of step values.

A string that is exactly one expression (``"{{ inputs.limit }}"``) evaluates to the expression's native value, so a
list stays a list and a number a number; any other template renders to a string. Only configuration is rendered:
the values in the context (inputs, step outputs, secrets) are data and are never parsed as templates.

Every rendering runs under :class:`~weavz_flow.runner.render_limits.RenderLimits` (time, output size, items,
integer size, depth); a breach is the field's :class:`RenderError`, like any other template error. The environment
evaluates nothing while it compiles (see :mod:`weavz_flow.config.templates`), so the limits cover everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from weavz_flow.config.templates import (
    BINARY_OPERATORS,
    REMOVED_GLOBALS,
    UNARY_OPERATORS,
    is_template,
    template_filters,
    template_tests,
)
from weavz_flow.errors import WeavzFlowError
from weavz_flow.runner.bounded_filters import bounded_filter, replaced_length
from weavz_flow.runner.render_limits import (
    DEFAULT_LIMITS,
    RenderLimitExceeded,
    RenderLimits,
    active_budget,
    budgeted,
    check_binop,
    check_count,
    check_format,
    check_length,
    check_result,
    check_text_size,
)

# `inputs.items`, `steps.a.output['rows']`: the value is data the run already holds, not something the template built
_PLAIN_REFERENCE = re.compile(r"\s*[A-Za-z_]\w*(?:\.\w+|\[(?:'[^'\\]*'|\"[^\"\\]*\"|\d+)\])*\s*")
_LOOP_GUARD = "__weavz_flow_loop"  # the global every {% for %} iterates through (see _compiled_template)
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


class _MeasuredConcat(CodeGenerator):
    """``a ~ b`` goes through the environment, which measures the parts before it joins them (Jinja's own join
    has no hook, and ``{% set ns.s = ns.s ~ ns.s %}`` in a loop doubles without one)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _limits_of(context: Context) -> RenderLimits:
    return context.environment.limits  # type: ignore[attr-defined]


@pass_context
def _measured_output(context: Context, value: Any) -> Any:
    check_text_size(value, _limits_of(context), "an output")
    return value


def _budgeted_loop(iterable: Any) -> Any:
    budget = active_budget()
    return iterable if budget is None else budget.loop(iterable)


# str methods whose integer argument is the length of their result
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


class RunEnvironment(ImmutableSandboxedEnvironment):
    """The runner's sandbox: the validate sandbox's configuration with the render limits behind every operator,
    filter, call, concatenation and output.

    Attribute access on data reads the data first: ``item.items`` or ``steps.x.output.keys`` is the key of that
    name, never the dict method (which would render as a bound method)."""

    code_generator_class = _MeasuredConcat
    intercepted_binops = BINARY_OPERATORS
    intercepted_unops = UNARY_OPERATORS

    def __init__(self, limits: RenderLimits) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=True, undefined=StrictUndefined, optimized=False,
                         finalize=_measured_output)
        self.limits = limits
        self.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": _json_default}
        self.filters = {name: bounded_filter(name, func, _limits_of) for name, func in template_filters().items()}
        self.tests = {name: bounded_filter(name, func, _limits_of, is_test=True)
                      for name, func in template_tests().items()}
        for name in REMOVED_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = self.bounded_range
        self.globals[_LOOP_GUARD] = _budgeted_loop

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right, self.limits)
        return check_result(super().call_binop(context, operator, left, right), self.limits)

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        return check_result(super().call_unop(context, operator, arg), self.limits)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # Jinja's own signature: a template's keyword argument may be called "self" or "context".
        _check_str_method(__obj, args, kwargs, __self.limits)
        budget = active_budget()
        if budget is None:
            return check_result(super().call(__context, __obj, *args, **kwargs), __self.limits)
        budget.enter_call()
        try:
            return check_result(super().call(__context, __obj, *args, **kwargs), __self.limits)
        finally:
            budget.leave_call()

    def wrap_str_format(self, value: Any) -> Any:
        sandboxed = super().wrap_str_format(value)
        if sandboxed is None:
            return None
        template, limits = value.__self__, self.limits

        def bounded_format(*args: Any, **kwargs: Any) -> str:
            values = args[0] if value.__name__ == "format_map" and args else (*args, *kwargs.values())
            check_format(template, values, limits)
            return check_result(sandboxed(*args, **kwargs), limits)

        return bounded_format

    def bounded_concat(self, values: Iterable[Any]) -> str:
        parts = []
        total = 0
        for value in values:
            check_text_size(value, self.limits, "a joined part")
            part = value if isinstance(value, str) else str(value)
            total += len(part)
            check_length(total, self.limits, "the joined text")
            parts.append(part)
        return "".join(parts)

    def bounded_range(self, *args: int) -> range:
        try:
            numbers = range(*args)
            count = len(numbers)
        except OverflowError:
            raise RenderLimitExceeded(f"a range is longer than the limit of {self.limits.max_items} items") from None
        check_count(count, self.limits, "a range")
        return numbers


def _check_str_method(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], limits: RenderLimits) -> None:
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(method, "__name__", "")
    if name in _WIDTH_METHODS:
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            check_length(width, limits, f"the result of {name}()")
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            check_length(len(owner) + owner.count("\t") * size, limits, "the result of expandtabs()")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = args[2] if len(args) > 2 and isinstance(args[2], int) else None
        check_length(replaced_length(owner, args[0], args[1], count), limits, "the result of replace()")
    elif name == "join" and args:
        check_text_size(args[0], limits, "the joined values")
        items = args[0]
        if isinstance(items, list | tuple | Mapping | str):
            check_length(len(owner) * len(items), limits, "the result of join()")


def _json_default(value: Any) -> Any:
    # `{{ steps | tojson }}`: the steps view is a Mapping, not a dict.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@cache
def render_env(limits: RenderLimits = DEFAULT_LIMITS) -> RunEnvironment:
    return RunEnvironment(limits)


@cache
def _compiled_expression(expr: str, limits: RenderLimits) -> Any:
    return render_env(limits).compile_expression(expr, undefined_to_none=False)


@cache
def _compiled_template(source: str, limits: RenderLimits) -> Any:
    """The template, with every ``{% for %}`` iterating through the render budget (which reads the clock)."""
    env = render_env(limits)
    tree = env.parse(source)
    for loop in tree.find_all(nodes.For):
        guard = nodes.Call(nodes.Name(_LOOP_GUARD, "load"), [loop.iter], [], None, None, lineno=loop.iter.lineno)
        loop.iter = guard.set_environment(env)
    return env.from_string(tree)


def _single_expression(source: str) -> str | None:
    match = _SINGLE_EXPRESSION.match(source)
    if match is None:
        return None
    expr = match.group("expr")
    # "{{ a }} and {{ b }}" also matches the outer braces; it is two expressions, not one.
    if "{{" in expr or "}}" in expr or "{%" in source or "{#" in source:
        return None
    return expr


def _evaluate(source: str, names: Mapping[str, Any], where: Where, limits: RenderLimits) -> Any:
    expr = _single_expression(source)
    if expr is not None:
        value = _compiled_expression(expr.strip(), limits)(**names)
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        if callable(value):
            raise RenderError(where, source, "renders to a function, not a value")
        if _PLAIN_REFERENCE.fullmatch(expr) is None:
            check_text_size(value, limits, "the rendered value")
        return value
    template = _compiled_template(source, limits)
    pieces: list[str] = []
    total = 0
    for piece in template.generate(**names):
        total += len(piece)
        check_length(total, limits, "the rendered text")
        pieces.append(piece)
    return "".join(pieces)


def render_string(source: str, names: Mapping[str, Any], where: Where, limits: RenderLimits = DEFAULT_LIMITS) -> Any:
    if not is_template(source):
        return source
    try:
        with budgeted(limits):
            return _evaluate(source, names, where, limits)
    except RenderLimitExceeded as exc:
        raise RenderError(where, source, f"over a render limit: {exc.problem}") from None
    except RecursionError:
        raise RenderError(where, source, "nested too deeply") from None
    except MemoryError:
        raise RenderError(where, source, "ran out of memory") from None
    except SecurityError as exc:
        raise RenderError(where, source, f"refused by the sandbox ({exc})") from None
    except TemplateError as exc:
        raise RenderError(where, source, exc.message or type(exc).__name__) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise RenderError(where, source, f"{type(exc).__name__}: {exc}") from None


def render_value(value: Any, names: Mapping[str, Any], where: Where, limits: RenderLimits = DEFAULT_LIMITS) -> Any:
    """``value`` with every template string inside it (dict values, list items) rendered; keys are kept as written."""
    if isinstance(value, str):
        return render_string(value, names, where, limits)
    if isinstance(value, dict):
        return {k: render_value(v, names, where.child(f".{k}"), limits) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, names, where.child(f"[{i}]"), limits) for i, v in enumerate(value)]
    return value
