"""``--dry-run``: each step's final input as the backend would merge it (partials, enforced keys, connection),
with secrets masked and nothing executed. A value that needs an earlier step's output cannot be known before the
run; such steps are shown with the reason instead. The calls are prepared as a run prepares them
(:mod:`weavz_flow.runner.prepare`), and handed to the backend's ``preview`` instead of ``execute``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.backends.applied import AppliedPartial
from weavz_flow.config.model.flow import StepConfig
from weavz_flow.config.templates import scan_template
from weavz_flow.errors import ApiError
from weavz_flow.redact import Redactor
from weavz_flow.runner.prepare import CallScope, Skip, StepCalls, StepFailedError, prepare_call, step_calls
from weavz_flow.runner.render import RenderError
from weavz_flow.runner.run import FlowRunner


@dataclass(frozen=True, slots=True)
class StepPreview:
    step_id: str
    uses: str
    is_finally: bool
    final_input: Mapping[str, Any] | None = None  # masked
    enforced_keys: tuple[str, ...] = ()
    partials: tuple[AppliedPartial, ...] = ()  # in merge order, each with why it applies
    enforced_by: Mapping[str, str] = field(default_factory=dict)  # enforced key -> the partial whose value it has
    overridden_keys: tuple[str, ...] = ()  # keys of the step's input that an enforced value replaces
    connection: str | None = None
    end_user: str | None = None
    condition: Any = None  # the rendered `if`, when the step has one
    items: int | None = None  # for_each: how many items; the preview shows the first
    note: str | None = None  # why there is no (complete) preview


def _reads_steps(value: Any) -> bool:
    if isinstance(value, str):
        scan = scan_template(value)
        return not hasattr(scan, "names") or "steps" in getattr(scan, "names", ())
    if isinstance(value, dict):
        return any(_reads_steps(v) for v in value.values())
    if isinstance(value, list):
        return any(_reads_steps(v) for v in value)
    return False


def dry_run(runner: FlowRunner, flow_name: str, inputs: Mapping[str, Any] | None = None, *,
            end_user: str | None = None) -> list[StepPreview]:
    context, redactor, aliases = runner.prepare(flow_name, inputs, end_user=end_user, run_id="dry-run")
    scope = runner.scope(context, aliases)
    names = context.template_vars(frozenset())
    finals = {s.id for s in context.flow.finally_}
    return [_preview(runner, scope, redactor, names, step, step.id in finals) for step in context.flow.all_steps]


def _preview(runner: FlowRunner, scope: CallScope, redactor: Redactor, names: Mapping[str, Any], step: StepConfig,
             is_finally: bool) -> StepPreview:
    def noted(note: str, calls: StepCalls | None = None) -> StepPreview:
        return StepPreview(step.id, step.uses, is_finally, condition=_condition(calls, redactor),
                           items=_items(calls), note=note)

    calls: StepCalls | None = None
    try:
        # A false `if` is shown with the call it skips: the preview is of what the step would do.
        prepared = prepare_call(step, scope, names)
        calls = step_calls(step, scope, names, prepared.condition) if isinstance(prepared, Skip) else prepared
        if calls.items is not None and not calls.items:
            return StepPreview(step.id, step.uses, is_finally, items=0, note="for_each renders to no items")
        call = calls.call(None if calls.items is None else 0)
    except RenderError as exc:
        reads_steps = _reads_steps([step.if_, step.for_each, step.with_, step.end_user])
        return StepPreview(step.id, step.uses, is_finally, note="needs the output of an earlier step" if reads_steps
                           else redactor.text(str(exc)))
    except StepFailedError as exc:
        return StepPreview(step.id, step.uses, is_finally, note=exc.message)
    try:
        preview = runner.backend.preview(call)
    except ApiError as exc:
        return noted(redactor.text(f"{exc.code}: {exc.message}"), calls)
    return StepPreview(
        step.id, step.uses, is_finally, final_input=redactor.data(dict(preview.final_input)),
        enforced_keys=preview.enforced_keys, partials=preview.partials, enforced_by=dict(preview.enforced_by),
        overridden_keys=preview.overridden_keys, connection=preview.connection_external_id, end_user=calls.end_user,
        condition=_condition(calls, redactor), items=_items(calls), note="; ".join(preview.notes) or None)


def _condition(calls: StepCalls | None, redactor: Redactor) -> Any:
    return None if calls is None else redactor.data(calls.condition)


def _items(calls: StepCalls | None) -> int | None:
    return None if calls is None or calls.items is None else len(calls.items)
