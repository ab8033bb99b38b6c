"""Jinja's filters behind the render limits: arguments that would make a result too large are refused before the
filter runs, and every result is checked after.

Each filter is wrapped as a ``pass_context`` function, which also keeps Jinja from calling it at compile time
(constant folding would run ``'x' | indent(10**9)`` while the template compiles, before any limit applies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.utils import _PassArg  # how Jinja marks what a filter takes first; no public reader exists

from weavz_flow.runner.render_limits import (
    RenderLimits,
    check_count,
    check_format,
    check_length,
    check_result,
    check_text_size,
)

Precheck = Callable[[RenderLimits, Any, tuple[Any, ...], Mapping[str, Any]], None]

# Filters that never turn their whole input into text: their input is not measured (it is data already held).
_SHALLOW = frozenset({
    "abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float", "groupby", "int", "items", "last",
    "length", "list", "map", "max", "min", "random", "reject", "rejectattr", "reverse", "round", "select",
    "selectattr", "slice", "sort", "sum", "unique",
})


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str, default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _center(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    width = _arg(args, kwargs, 0, "width", 80)
    if isinstance(width, int):
        check_length(width, limits, "the centered text")


def _indent(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    width = _arg(args, kwargs, 0, "width", 4)
    per_line = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    text = _text(value)
    check_length(len(text) + (text.count("\n") + 1) * max(per_line, 0), limits, "the indented text")


def _format(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    check_format(_text(value), kwargs or args, limits)


def replaced_length(text: str, old: str, new: str, count: int | None) -> int:
    occurrences = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        occurrences = min(occurrences, count)
    return len(text) + occurrences * (len(new) - len(old))


def _replace(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    old, new = _arg(args, kwargs, 0, "old", ""), _arg(args, kwargs, 1, "new", "")
    count = _arg(args, kwargs, 2, "count", None)
    length = replaced_length(_text(value), _text(old), _text(new), count if isinstance(count, int) else None)
    check_length(length, limits, "the replaced text")


def _join(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    separator = _text(_arg(args, kwargs, 0, "d", ""))
    items = len(value) if isinstance(value, list | tuple | str | Mapping) else 0
    check_length(len(separator) * items, limits, "the joined text")


def _wordwrap(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    width = _arg(args, kwargs, 0, "width", 79)
    wrap = _arg(args, kwargs, 3, "wrapstring", None)
    breaks = len(_text(value)) // max(width if isinstance(width, int) else 1, 1) + 1
    check_length(len(_text(value)) + breaks * len(_text(wrap or "\n")), limits, "the wrapped text")


def _batch(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    count = _arg(args, kwargs, 0, "linecount", 1)
    if isinstance(count, int):
        check_count(count, limits, "a batch size")


def _slice(limits: RenderLimits, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    count = _arg(args, kwargs, 0, "slices", 1)
    if isinstance(count, int):
        check_count(count, limits, "a slice count")


_PRECHECKS: dict[str, Precheck] = {
    "center": _center, "indent": _indent, "format": _format, "replace": _replace, "join": _join,
    "wordwrap": _wordwrap, "batch": _batch, "slice": _slice,
}


def bounded_filter(name: str, func: Callable[..., Any], limits_of: Callable[[Context], RenderLimits], *,
                   is_test: bool = False) -> Any:
    """``func`` (a filter, or a test with ``is_test``) with the limits ``limits_of(context)`` checked around it."""
    takes = _PassArg.from_obj(func)
    precheck = None if is_test else _PRECHECKS.get(name)
    measure_input = not is_test and name not in _SHALLOW

    def first_argument(context: Context) -> tuple[Any, ...]:
        if takes is _PassArg.context:
            return (context,)
        if takes is _PassArg.eval_context:
            return (context.eval_ctx,)
        if takes is _PassArg.environment:
            return (context.environment,)
        return ()

    def run(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        limits = limits_of(context)
        if measure_input:
            check_text_size(value, limits, f"the input of '{name}'")
        check_text_size((args, kwargs), limits, f"the arguments of '{name}'")
        if precheck is not None:
            precheck(limits, value, args, kwargs)
        return check_result(func(*first_argument(context), value, *args, **kwargs), limits)

    run.__name__ = f"bounded_{name}"
    return pass_context(run)
