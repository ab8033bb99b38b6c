"""What one rendering of a template field may cost, and the checks that hold it to that.

A flow file is configuration from a pull request; its templates must not hang the runner or take its memory. The
limits (:class:`RenderLimits`) cover each way a Jinja template can grow without bound:

- **time**: a wall-clock budget per template string (:class:`RenderBudget`): the clock is read at every few loop
  items and at every call, which is where a template can repeat work, so nested ``range`` loops and exponential
  macros stop (pure Python: nothing is killed, the render raises);
- **depth**: nested calls (a self-recursive macro) stop at ``max_depth`` instead of at Python's recursion limit;
- **size**: no string made, value rendered or output written may pass ``max_output_chars`` (values counted as their
  text, shared references each time: ``[[x] * 1000] * 1000`` is a million ``x``), checked *before* the work
  where the work itself would allocate it (``'a' * 10**9``, ``center(10**9)``, ``indent``, format widths,
  ``replace``, ``join``);
- **items**: ``range()``, list repetition and the counts of ``batch``/``slice`` stay within ``max_items``;
- **integers**: no integer computed may have more than ``max_integer_bits`` (``10**(10**8)`` is refused before it
  is computed).

A breach raises :class:`RenderLimitExceeded`, a ``BaseException`` so that no ``except Exception`` on the way (in
Jinja or a filter) can swallow it; the renderer turns it into the field's ``RenderError``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Per template string rendered (each string in a step's ``with``, and its ``if``, ``for_each``, ``end_user``)."""

    max_seconds: float = 2.0
    max_output_chars: int = 1_000_000
    max_items: int = 100_000
    max_integer_bits: int = 4096  # 1233 decimal digits
    max_depth: int = 100


DEFAULT_LIMITS = RenderLimits()


class RenderLimitExceeded(BaseException):  # a signal, like KeyboardInterrupt: no handler may swallow it
    """A render limit was reached; ``problem`` says which, for the field's error message."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


# --- size ---------------------------------------------------------------------------------------------------------

def check_text_size(value: Any, limits: RenderLimits, what: str = "the value") -> None:
    """Refuse ``value`` if its text (as ``str`` or JSON would write it) would pass ``max_output_chars``.

    Walks containers, counting shared references each time, and stops as soon as the budget is spent, so the
    walk costs at most about ``max_output_chars`` steps however large the value claims to be.
    """
    budget = limits.max_output_chars
    if isinstance(value, str):
        if len(value) > budget:
            raise RenderLimitExceeded(_too_long(what, limits))
        return
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            budget -= len(item) + 2
        elif kind is dict:
            budget -= 4 * len(item) + 2
            push(item)
            push(item.values())
        elif kind is list or kind is tuple:
            budget -= 2 * len(item) + 2
            push(item)
        elif kind is int or kind is float or kind is bool or item is None:
            budget -= _number_size(item)
        else:
            budget -= _other_size(item, stack)
        if budget < 0:
            raise RenderLimitExceeded(_too_long(what, limits))


def _number_size(item: Any) -> int:
    return item.bit_length() // 3 + 1 if type(item) is int else 5


def _other_size(item: Any, stack: list[Any]) -> int:
    """Size of a value that is not plain JSON data (a Mapping view, a str subclass, a range...)."""
    if isinstance(item, str | bytes):
        return len(item) + 2
    if isinstance(item, int):
        return item.bit_length() // 3 + 1
    if isinstance(item, Mapping):
        stack.extend(item.keys())
        stack.extend(item.values())
        return 4 * len(item) + 2
    if isinstance(item, list | tuple | set | frozenset):
        stack.extend(item)
        return 2 * len(item) + 2
    if isinstance(item, range):
        return 8 * len(item)
    return 24


def check_result(value: Any, limits: RenderLimits) -> Any:
    """``value`` as made by an operator, filter or call, if it is within the limits (a shallow, O(1) check)."""
    if isinstance(value, str):
        if len(value) > limits.max_output_chars:
            raise RenderLimitExceeded(_too_long("a string", limits))
    elif isinstance(value, list | tuple):
        if len(value) > limits.max_items:
            raise RenderLimitExceeded(f"a list of {len(value)} items is longer than the limit of {limits.max_items}")
    elif isinstance(value, int) and not isinstance(value, bool):
        check_integer_bits(value.bit_length(), limits)
    return value


def check_length(length: int, limits: RenderLimits, what: str) -> None:
    if length > limits.max_output_chars:
        raise RenderLimitExceeded(_too_long(what, limits))


def check_count(count: int, limits: RenderLimits, what: str) -> None:
    if count > limits.max_items:
        raise RenderLimitExceeded(f"{what} of {count} is above the limit of {limits.max_items} items")


def check_integer_bits(bits: int, limits: RenderLimits) -> None:
    if bits > limits.max_integer_bits:
        raise RenderLimitExceeded(f"an integer of about {bits} bits is larger than the limit of "
                                  f"{limits.max_integer_bits} bits")


def _too_long(what: str, limits: RenderLimits) -> str:
    return f"{what} would be longer than the limit of {limits.max_output_chars} characters"


# --- operators ----------------------------------------------------------------------------------------------------

def check_binop(operator: str, left: Any, right: Any, limits: RenderLimits) -> None:
    """Refuse, before computing it, an operation whose result would pass a limit."""
    if operator == "**":
        _check_power(left, right, limits)
    elif operator == "*":
        _check_product(left, right, limits)
    elif operator == "%" and isinstance(left, str):
        check_format(left, right, limits)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_power(base: Any, exponent: Any, limits: RenderLimits) -> None:
    if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        check_integer_bits(exponent * (abs(base).bit_length() - 1) + 1, limits)


def _check_product(left: Any, right: Any, limits: RenderLimits) -> None:
    if _is_int(left) and _is_int(right):
        check_integer_bits(left.bit_length() + right.bit_length(), limits)
        return
    for sequence, times in ((left, right), (right, left)):
        if _is_int(times) and times > 0:
            if isinstance(sequence, str):
                check_length(len(sequence) * times, limits, "the repeated string")
            elif isinstance(sequence, list | tuple):
                check_count(len(sequence) * times, limits, "a repeated list")


# --- format strings -----------------------------------------------------------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*?:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_NUMBER = re.compile(r"\d+")


def check_format(template: str, args: Any, limits: RenderLimits) -> None:
    """A width or precision in ``template`` (``%0999999999d``, ``{:>999999999}``, or one taken from the arguments
    by ``*`` or a nested ``{}``) may not pass ``max_output_chars``; nor may the arguments' own text."""
    widths_from_args = False
    for match in _PERCENT_SPEC.finditer(template):
        for part in match.groups():
            if part == "*":
                widths_from_args = True
            elif part:
                check_length(int(part), limits, "a format width")
    for match in _BRACE_SPEC.finditer(template):
        spec = match.group(1)
        widths_from_args = widths_from_args or "{" in spec
        for number in _NUMBER.findall(spec):
            check_length(int(number), limits, "a format width")
    check_text_size(args, limits, "the formatted values")
    if widths_from_args:
        for value in _flat(args):
            if _is_int(value):
                check_length(abs(value), limits, "a format width")


def _flat(args: Any) -> Iterator[Any]:
    if isinstance(args, Mapping):
        yield from args.values()
    elif isinstance(args, list | tuple):
        yield from args
    else:
        yield args


# --- time and depth -----------------------------------------------------------------------------------------------

class RenderBudget:
    """The clock and the call depth of one rendering. Only loops and calls can repeat work without bound in a
    template (the size limits bound everything else), so the renderer checks this at every loop item and every
    call (macros, methods, filters), and counts nested calls."""

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.depth = 0

    def check_clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimitExceeded(f"rendering took longer than the limit of {self.limits.max_seconds:g} s")

    def enter_call(self) -> None:
        self.check_clock()
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise RenderLimitExceeded(f"calls nest deeper than the limit of {self.limits.max_depth} "
                                      "(a macro calling itself?)")

    def leave_call(self) -> None:
        self.depth -= 1

    def loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for count, item in enumerate(iterable):
            if count % _ITEMS_PER_CLOCK_READ == 0:
                self.check_clock()
            yield item


_ITEMS_PER_CLOCK_READ = 64
_active = threading.local()  # each thread renders one field at a time (for_each items render in pool threads)


def active_budget() -> RenderBudget | None:
    return getattr(_active, "budget", None)


@contextmanager
def budgeted(limits: RenderLimits) -> Iterator[RenderBudget]:
    """Render the body against a fresh budget (in this thread)."""
    previous = active_budget()
    _active.budget = budget = RenderBudget(limits)
    try:
        yield budget
    finally:
        _active.budget = previous
