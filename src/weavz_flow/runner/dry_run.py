"""``--dry-run``: each step's final input as the backend would merge it (partials, enforced keys, connection),
with secrets masked and nothing executed. A value that needs an earlier step's output cannot be known before the
run; such steps are shown with the reason instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.backends.applied import AppliedPartial
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.config.templates import scan_template
from weavz_flow.errors import ApiError
from weavz_flow.runner.render import RenderError, Where, render_value
from weavz_flow.runner.retry import idempotency_key
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
    flow = context.flow
    source = runner.project.flow_sources.get(flow.name)
    file = source.display if source else flow.name
    names = context.template_vars(frozenset())
    previews: list[StepPreview] = []
    finals = {s.id for s in flow.finally_}
    for step in flow.all_steps:
        base = {"step_id": step.id, "uses": step.uses, "is_finally": step.id in finals}
        try:
            condition = None
            if step.if_ is not None:
                condition = redactor.data(render_value(step.if_, names, Where(file, step.id, "if")))
            step_user = context.end_user
            if step.end_user is not None:
                step_user = render_value(step.end_user, names, Where(file, step.id, "end_user"))
            loop: dict[str, Any] = {}
            items: int | None = None
            if step.for_each is not None:
                values = render_value(step.for_each, names, Where(file, step.id, "for_each"))
                items = len(values) if isinstance(values, list) else None
                if not values:
                    previews.append(StepPreview(**base, items=items, note="for_each renders to no items"))
                    continue
                loop = {"item": values[0], "index": 0}
            rendered = render_value(step.with_, {**names, **loop}, Where(file, step.id, "with"))
        except RenderError as exc:
            note = "needs the output of an earlier step" if _reads_steps(
                [step.if_, step.for_each, step.with_, step.end_user]) else redactor.text(str(exc))
            previews.append(StepPreview(**base, note=note))
            continue
        integration = aliases.get(step.alias)
        if integration is None:
            previews.append(StepPreview(**base, note=f"alias '{step.alias}' is not declared in the workspace"))
            continue
        call = ExecuteCall(flow.workspace, integration, step.action, rendered, step.alias, step_user,
                           tuple(step.partials) if step.partials is not None else None,
                           idempotency_key(context.run.id, step.id, None))
        try:
            preview = runner.backend.preview(call)
        except ApiError as exc:
            previews.append(StepPreview(**base, condition=condition, items=items,
                                        note=redactor.text(f"{exc.code}: {exc.message}")))
            continue
        previews.append(StepPreview(
            **base, final_input=redactor.data(dict(preview.final_input)), enforced_keys=preview.enforced_keys,
            partials=preview.partials, enforced_by=dict(preview.enforced_by), overridden_keys=preview.overridden_keys,
            connection=preview.connection_external_id, end_user=step_user,
            condition=condition, items=items, note="; ".join(preview.notes) or None))
    return previews
