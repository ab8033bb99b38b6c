"""What flow templates may refer to, and reading those references out of a template without rendering it.

The template context (the runner provides exactly these names):

- ``inputs.<name>``: the flow's inputs, defaults applied;
- ``steps.<id>.output`` (also ``.status``, ``.error``): results of steps that finished before this one;
- ``secrets.<name>``: the flow's declared ``secrets``, resolved at run time;
- ``env.<NAME>``: environment variables listed in the project's ``env`` allow-list;
- ``flow`` (``flow.name``, ``flow.workspace``) and ``run`` (``run.id``, ``run.started_at``);
- ``item`` and ``index``: the current element and its position, only inside a step with ``for_each``;
- ``trigger`` (``trigger.data``, ``.id``, ``.source``, ``.occurredAt``, ``.integration``, ``.name``): the event that
  started the run, only in a flow with ``on:`` (:data:`TRIGGER_FIELDS`; a run started otherwise has ``trigger`` None).
  The event's data is data: it is never rendered as a template.

Templates are Jinja, parsed and rendered in an immutable sandbox (:func:`sandbox`; a filter the runner adds must be
registered there too, or validate reports it as unknown). Step outputs are data, never rendered again.

Validate only parses and analyses: it never evaluates any part of a template. Jinja folds constant expressions
while it compiles (``{{ 10**(10**8) }}`` would be computed, and hang, in ``validate``), so the sandbox is set up so
that nothing can fold: every operator is intercepted, every filter and test needs the render context, output goes
through a context finalizer, and the analysis runs without the optimizer. The runner's environment keeps the first
three (with its limits behind them), so compiling a template at run time evaluates nothing either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from weavz_flow.suggest import did_you_mean

if TYPE_CHECKING:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

CONTEXT_ROOTS = frozenset({"inputs", "steps", "secrets", "env", "flow", "run"})
LOOP_ROOTS = frozenset({"item", "index"})
TRIGGER_ROOT = "trigger"  # defined in flows with `on:` only
KEYED_ROOTS = ("inputs", "steps", "secrets", "env", TRIGGER_ROOT)
STEP_FIELDS = ("output", "status", "error")  # what steps.<id> holds (the runner's StepState.as_context)
# What `trigger` holds (the runner's TriggerInfo.as_context): the event's id and data, its trigger source's id,
# when it happened, and which integration's trigger it came from.
TRIGGER_FIELDS = ("id", "data", "source", "occurredAt", "integration", "name")


def is_template(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value or "{#" in value)


@dataclass(frozen=True, slots=True)
class TemplateRef:
    root: str  # one of KEYED_ROOTS
    key: str  # the input name, step id, secret name or variable name
    field: str | None = None  # for steps: the part read after the step id (output, status, error), when constant


@dataclass(slots=True)
class TemplateScan:
    names: set[str] = field(default_factory=set)  # top-level names read (not set inside the template)
    refs: list[TemplateRef] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TemplateSyntaxProblem:
    message: str
    line: int  # within the template, from 1
    hint: str | None = None  # the fix, e.g. "did you mean 'length'?"


# Every operator Jinja has: intercepted ones are never folded at compile time (and the runner checks them).
BINARY_OPERATORS = frozenset({"+", "-", "*", "/", "//", "%", "**"})
UNARY_OPERATORS = frozenset({"+", "-"})
REMOVED_GLOBALS = ("lipsum",)  # generates text of any size; no flow needs it


@cache
def template_filters() -> dict[str, Any]:
    """The filters templates may use (Jinja's own), as the runner calls them behind its limits."""
    from jinja2.filters import FILTERS

    return dict(FILTERS)


@cache
def template_tests() -> dict[str, Any]:
    from jinja2.tests import TESTS

    return dict(TESTS)


def _stand_in(name: str) -> Any:
    """A filter or test of this name that needs the render context, which Jinja never calls at compile time."""
    from jinja2 import pass_context

    def never_called(context: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"the validate sandbox renders nothing (called {name!r})")

    return pass_context(never_called)


def _identity(context: Any, value: Any) -> Any:
    return value


@cache
def sandbox() -> ImmutableSandboxedEnvironment:
    """The environment templates are parsed with; the runner renders with one configured the same way."""
    # jinja2 is imported on first use: configs without templates never pay for it.
    from jinja2 import pass_context
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True, optimized=False,
                                        finalize=pass_context(_identity))
    env.intercepted_binops = BINARY_OPERATORS
    env.intercepted_unops = UNARY_OPERATORS
    for name in REMOVED_GLOBALS:
        env.globals.pop(name, None)
    # Stand-ins of the same names: validate checks that a filter exists and never calls one.
    env.filters = {name: _stand_in(name) for name in template_filters()}
    env.tests = {name: _stand_in(name) for name in template_tests()}
    return env


def _undeclared_names(tree: Any) -> set[str]:
    """``meta.find_undeclared_variables`` without its optimizer, which would evaluate constant expressions."""
    from jinja2 import meta

    tracker = meta.TrackingCodeGenerator(tree.environment)
    tracker.optimizer = None
    tracker.visit(tree)
    return set(tracker.undeclared_identifiers)


def scan_template(source: str) -> TemplateScan | TemplateSyntaxProblem:
    """The names and ``root.key`` references a template reads, or its syntax error. Evaluates nothing."""
    from jinja2 import TemplateSyntaxError, nodes

    env = sandbox()
    try:
        tree = env.parse(source)
        # Compiling (inside _undeclared_names) also catches unknown filters and tests.
        scan = TemplateScan(names=_undeclared_names(tree))
    except RecursionError:
        return TemplateSyntaxProblem("template nested too deeply to analyse", 1)
    except TemplateSyntaxError as exc:
        message = exc.message or "invalid template"
        unknown = re.match(r"No (filter|test) named '([^']+)'", message)
        hint = None
        if unknown:
            kind, name = unknown.groups()
            known = env.filters if kind == "filter" else env.tests
            hint = did_you_mean(name, known)
            message = f"unknown {kind} '{name}'"
        return TemplateSyntaxProblem(message, exc.lineno or 1, hint)
    lookups = [n for n in tree.find_all((nodes.Getattr, nodes.Getitem)) if isinstance(n, nodes.Getattr | nodes.Getitem)]
    fields = {id(node.node): _constant_key(node) for node in lookups}
    for node in lookups:
        base = node.node
        if not isinstance(base, nodes.Name) or base.name not in KEYED_ROOTS or base.name not in scan.names:
            continue
        key = _constant_key(node)
        if key is not None:
            scan.refs.append(TemplateRef(base.name, key, fields.get(id(node)) if base.name == "steps" else None))
    return scan


def _constant_key(node: Any) -> str | None:
    """``x.name`` or ``x['name']``: the name; None for a computed subscript."""
    from jinja2 import nodes

    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None
