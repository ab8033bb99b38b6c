"""From a step and the names its templates see to the backend call(s) it makes, or to its skip: the one preparation
that a run and ``--dry-run`` share. ``if`` first (false: the step is skipped), then ``end_user``, then ``for_each``
(a list, one call per item), and per call ``with`` and the alias's integration.

Nothing here calls the backend or retries: running the calls is :mod:`weavz_flow.runner.step`'s job, previewing
them :mod:`weavz_flow.runner.dry_run`'s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.config.model.flow import StepConfig
from weavz_flow.runner.context import RunContext
from weavz_flow.runner.error_codes import StepErrorCode
from weavz_flow.runner.render import RenderError, Where, render_value
from weavz_flow.runner.retry import idempotency_key


class StepFailedError(Exception):
    """One call of a step failed for good; the message is already redacted."""

    def __init__(self, message: str, code: str | None, attempts: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class CallScope:
    """What every step of one run prepares its calls from."""

    context: RunContext
    aliases: Mapping[str, str]  # alias -> integration name, from the flow's workspace
    file: str  # the flow file, as messages name it


@dataclass(frozen=True, slots=True)
class Skip:
    """The step's ``if`` rendered false."""

    condition: Any


@dataclass(frozen=True, slots=True)
class StepCalls:
    """A step whose ``if`` held (or that has none): the values shared by its calls, and :meth:`call` for each."""

    step: StepConfig
    scope: CallScope
    names: Mapping[str, Any]  # the template names of the step (see RunContext.template_vars)
    condition: Any  # the rendered `if`; None without one
    end_user: str | None
    items: list[Any] | None  # for_each's items; None: the step makes one call

    @property
    def indexes(self) -> list[int | None]:
        """One entry per call: None for a step without ``for_each``, else each item's index."""
        return [None] if self.items is None else list(range(len(self.items)))

    def call(self, index: int | None) -> ExecuteCall:
        """The call for item ``index`` (None: the step's one call): ``with`` rendered with ``item`` and ``index``.
        Raises RenderError, or StepFailedError when the alias is not declared."""
        step, ctx = self.step, self.scope.context
        names = self.names if index is None or self.items is None else \
            {**self.names, "item": self.items[index], "index": index}
        field = "with" if index is None else f"with (item {index})"
        rendered = render_value(step.with_, names, Where(self.scope.file, step.id, field))
        integration = self.scope.aliases.get(step.alias)
        if integration is None:
            raise StepFailedError(f"alias '{step.alias}' is not declared in workspace '{ctx.flow.workspace}'",
                                  StepErrorCode.ALIAS_NOT_DECLARED, 0)
        return ExecuteCall(
            workspace=ctx.flow.workspace, integration=integration, action=step.action, input=rendered,
            alias=step.alias, end_user=self.end_user,
            partials=tuple(step.partials) if step.partials is not None else None,
            idempotency_key=idempotency_key(ctx.run.id, step.id, index),
            redact=tuple(ctx.secrets.values()),  # the engine redacts them before it records or returns anything
            provider_retries=step.retry is None,  # a step with `retry` is the one owner of its call's retries
        )


def prepare_call(step: StepConfig, scope: CallScope, names: Mapping[str, Any]) -> StepCalls | Skip:
    """The step's calls, or its skip when its ``if`` renders false. Raises RenderError."""
    condition = render_if(step, scope, names)
    if step.if_ is not None and not truthy(condition):
        return Skip(condition)
    return step_calls(step, scope, names, condition)


def render_if(step: StepConfig, scope: CallScope, names: Mapping[str, Any]) -> Any:
    """The rendered ``if``; None for a step without one."""
    if step.if_ is None:
        return None
    return render_value(step.if_, names, Where(scope.file, step.id, "if"))


def step_calls(step: StepConfig, scope: CallScope, names: Mapping[str, Any], condition: Any) -> StepCalls:
    """What follows the ``if``, whatever it rendered: ``--dry-run`` shows the call a false ``if`` skips."""
    end_user = scope.context.end_user
    if step.end_user is not None:
        end_user = render_value(step.end_user, names, Where(scope.file, step.id, "end_user"))
    items: list[Any] | None = None
    if step.for_each is not None:
        where = Where(scope.file, step.id, "for_each")
        rendered = render_value(step.for_each, names, where)
        if not isinstance(rendered, list | tuple):
            raise RenderError(where, str(step.for_each), f"must render to a list, got {type(rendered).__name__}")
        items = list(rendered)
    return StepCalls(step, scope, names, condition, end_user, items)


def truthy(value: Any) -> bool:
    # A rendered (non single-expression) template is a string: "False" and "" must read as false.
    if isinstance(value, str):
        return value.strip().lower() not in {"", "false", "0", "no", "none", "null"}
    return bool(value)
