"""The plan as Markdown for a pull-request comment or a CI step summary: a summary line, a table of the changes,
then each change's attributes in a collapsible ``diff`` block.

Generic over the changes: a change renders from its address, kind, action, reason and attribute diffs only, so a new
kind of object renders without an edit here. Secrets never appear (a sensitive attribute shows as set or changed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from weavz_flow.config.render_schedules import schedule_line
from weavz_flow.plan.model import Action, AttributeDiff, Change, Plan

_SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.REPLACE: "-/+"}
_SENSITIVE = "(sensitive value)"


def render_markdown(plan: Plan) -> str:
    summary = plan.summary
    lines = ["### weavz-flow plan", ""]
    if summary.empty:
        lines.append("**No changes.** The live state matches the configuration.")
    else:
        lines.append(f"**Plan:** {summary.add} to add, {summary.change} to change, {summary.destroy} to destroy.")
    if plan.backend:
        lines += ["", f"Backend: {_code(plan.backend)}"]
    actionable = plan.actionable
    if actionable:
        lines += ["", "| | Object | Kind | Action | Attributes |", "|---|---|---|---|---|"]
        lines += [_row(c) for c in actionable]
        lines += ["", _details(f"Details of {len(actionable)} change{'s' if len(actionable) != 1 else ''}",
                               _fenced("diff", [line for c in actionable for line in _change_lines(c)]))]
    if plan.unmanaged:
        lines += ["", "Unmanaged objects (they exist live but not in the config; `--prune` would destroy them):", ""]
        lines += [f"- {_code(str(a))}" for a in plan.unmanaged]
    if plan.schedules:
        lines += ["", _details("Schedules (information only; they are not backend objects)",
                               "\n".join(f"- {_cell(schedule_line(s))}" for s in plan.schedules))]
    return "\n".join(lines) + "\n"


def _row(change: Change) -> str:
    action = change.action.value + (f" ({_cell(change.reason)})" if change.reason else "")
    names = ", ".join(d.name for d in change.diffs) or "-"
    return (f"| `{_SYMBOL[change.action]}` | {_code(str(change.address))} | {_cell(change.kind.value)} | {action} "
            f"| {_cell(names)} |")


def _change_lines(change: Change) -> list[str]:
    head = f"{_SYMBOL[change.action]} {change.address}"
    lines = [head + (f"  # {change.reason}" if change.reason else "")]
    for d in change.diffs:
        # The symbol first: a diff block colours a line by its first character.
        symbol, _, rest = _diff(change.action, d).partition(" ")
        lines.append(f"{symbol}     {rest}")
    return lines


def _diff(action: Action, diff: AttributeDiff) -> str:
    if diff.sensitive:
        if action is Action.CREATE:
            return f"+ {diff.name} = {_SENSITIVE}"
        return f"~ {diff.name} = {_SENSITIVE}" if diff.before is None else f"~ {diff.name} = (sensitive value changed)"
    if action is Action.CREATE or diff.before is None:
        return f"+ {diff.name} = {_value(diff.after)}"
    if diff.after is None:
        return f"- {diff.name} = {_value(diff.before)} -> null"
    if diff.before == diff.after:  # unchanged value whose target must be re-pointed (a replaced dependency)
        return f"~ {diff.name} = {_value(diff.after)} (re-pointed)"
    return f"~ {diff.name} = {_value(diff.before)} -> {_value(diff.after)}"


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _details(summary: str, body: str) -> str:
    # Blank lines around the body: GitHub renders Markdown inside <details> only then.
    return f"<details><summary>{_html(summary)}</summary>\n\n{body}\n\n</details>"


def _fenced(language: str, lines: list[str]) -> str:
    # A fence longer than any backtick run in the body, so no value can close it.
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"{fence}{language}", *lines, fence])


def _code(text: str) -> str:
    ticks = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (ticks + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


def _cell(text: str) -> str:
    """Text safe inside a table cell and on one line."""
    return " ".join(text.split()).replace("|", "\\|")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
