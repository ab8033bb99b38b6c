"""The plan as text, Terraform-style: + create, ~ update (before -> after), - delete, -/+ replace (with the reason).

Secrets never appear: a sensitive attribute shows as "(sensitive value)" or "(sensitive value changed)".
The project's schedules follow in a short informational section (cron, time zone with "(default)" when the file omits
it); they are not backend objects and never count as changes.
"""

from __future__ import annotations

import json
from typing import Any

from weavz_flow.config.render_schedules import schedule_lines
from weavz_flow.plan.model import Action, AttributeDiff, Change, Plan

_SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.REPLACE: "-/+"}
_VERB = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be destroyed",
    Action.REPLACE: "must be replaced",
}


def render_text(plan: Plan) -> str:
    lines: list[str] = []
    actionable = plan.actionable
    if actionable:
        lines.append("weavz-flow will perform the following actions:")
        lines.append("")
        for change in actionable:
            lines.extend(_change(change))
            lines.append("")
    if plan.unmanaged:
        lines.append("Unmanaged objects (they exist live but not in the config; `--prune` would destroy them):")
        once = set(plan.formerly_managed)
        lines.extend(f"  ? {address}" + ("  (managed by this project before; removed from the configuration)"
                                         if address in once else "") for address in plan.unmanaged)
        lines.append("")
    if plan.deployment_note:
        lines.extend([f"Note: {plan.deployment_note}.", ""])
    if plan.schedules:
        lines.extend(schedule_lines(plan.schedules, "Schedules (information only; they are not backend objects):"))
        lines.append("")
    summary = plan.summary
    if summary.empty:
        lines.append("No changes. The live state matches the configuration.")
    else:
        lines.append(f"Plan: {summary.add} to add, {summary.change} to change, {summary.destroy} to destroy.")
    return "\n".join(lines) + "\n"


def _change(change: Change) -> list[str]:
    header = f"  # {change.address} {_VERB[change.action]}"
    if change.reason:
        header += f" ({change.reason})"
    symbol = "+/-" if change.create_before_destroy else _SYMBOL[change.action]
    lines = [header, f"  {symbol} {change.address}"]
    for diff in change.diffs:
        lines.append("      " + _diff(change.action, diff))
    return lines


def _diff(action: Action, diff: AttributeDiff) -> str:
    if action is Action.CREATE:
        return f"+ {diff.name} = {_value(diff, diff.after)}"
    if diff.sensitive:
        if diff.before is None:
            return f"~ {diff.name} = (sensitive value)"
        return f"~ {diff.name} = (sensitive value changed)"
    if diff.after is None:
        return f"- {diff.name} = {_value(diff, diff.before)} -> null"
    if diff.before is None:
        return f"+ {diff.name} = {_value(diff, diff.after)}"
    if diff.before == diff.after:  # unchanged value whose target must be re-pointed (a replaced dependency)
        return f"~ {diff.name} = {_value(diff, diff.after)} (re-pointed)"
    return f"~ {diff.name} = {_value(diff, diff.before)} -> {_value(diff, diff.after)}"


def _value(diff: AttributeDiff, value: Any) -> str:
    if diff.sensitive:
        return "(sensitive value)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
