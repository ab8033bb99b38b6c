"""A watch cycle as text: a header with the time and the changed files, then the diagnostics, or the plan and what
it says differently from the previous plan, then the dry run when one was asked for.

The parts are the other commands' renderers (``validate``, ``plan``, ``run --dry-run``), so watch shows exactly what
they would show.
"""

from __future__ import annotations

from weavz_flow.cli.run_cmd import previews_text
from weavz_flow.config.render_text import render_text as diagnostics_text
from weavz_flow.diagnostics import Diagnostic
from weavz_flow.plan.model import Change
from weavz_flow.plan.render_text import render_text as plan_text
from weavz_flow.schedule.watch import WatchCycle
from weavz_flow.schedule.watch_delta import DeltaEntry, PlanDelta


def render_cycle(cycle: WatchCycle) -> str:
    parts = [header(cycle)]
    if not cycle.valid:
        parts.append(diagnostics_text(cycle.diagnostics, cycle.files_checked))
        parts.append("Not planned: fix the errors above; watching for the next save.\n")
    elif cycle.error is not None:
        parts.append(_warnings(cycle.diagnostics))
        parts.append(f"Error: {cycle.error}\nNot planned; watching for the next save.\n")
    elif cycle.plan is not None:
        parts.append(_FIXED.get(cycle.fixed or "", ""))
        parts.append(_warnings(cycle.diagnostics))
        parts.append(plan_text(cycle.plan))
        if cycle.delta is not None:
            parts.append(delta_text(cycle.delta))
        if cycle.run_flow is not None:
            parts.append(_dry_run(cycle))
    return "".join(p for p in parts if p)


# What a plan following a problem (WatchCycle.problem) says first.
_FIXED = {
    "invalid": "Fixed: the project validates again.\n",
    "not-planned": "Fixed: the plan could be made again.\n",
}


def header(cycle: WatchCycle) -> str:
    when = cycle.at.strftime("%H:%M:%S")
    what = ", ".join(f"{c.display} ({c.kind})" for c in cycle.trigger) or "initial plan"
    rule = "-" * 8
    return f"\n{rule} [{when}] #{cycle.number} {what} {rule}\n"


def delta_text(delta: PlanDelta) -> str:
    if delta.empty:
        return "\nSince the previous plan: no difference.\n"
    lines = ["", "Since the previous plan:"]
    lines.extend(_entry(e) for e in delta.entries)
    lines.extend(f"  ? {a}: now unmanaged" for a in delta.unmanaged_appeared)
    lines.extend(f"  ? {a}: no longer unmanaged" for a in delta.unmanaged_gone)
    return "\n".join(lines) + "\n"


def _entry(entry: DeltaEntry) -> str:
    before, after = entry.before, entry.after
    if after is None:
        return f"  - {entry.address}: {before.action if before else 'change'} (no longer planned)"
    if before is None:
        return f"  + {entry.address}: {after.action} (new in this plan)"
    if before.action is not after.action:
        return f"  ~ {entry.address}: {before.action} -> {after.action}"
    return f"  ~ {entry.address}: {after.action} ({_what_changed(before, after)})"


def _what_changed(before: Change, after: Change) -> str:
    old = {d.name: d for d in before.diffs}
    new = {d.name: d for d in after.diffs}
    names = sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))
    return "attributes " + ", ".join(names) if names else "reason changed"


def _warnings(diagnostics: tuple[Diagnostic, ...]) -> str:
    return "".join(f"{d}\n" for d in diagnostics)


def _dry_run(cycle: WatchCycle) -> str:
    if cycle.run_error is not None:
        return f"\nDry run of flow {cycle.run_flow}: {cycle.run_error}\n"
    if cycle.previews is None or cycle.run_flow is None:
        return ""
    return "\n" + previews_text(cycle.run_flow, list(cycle.previews))
