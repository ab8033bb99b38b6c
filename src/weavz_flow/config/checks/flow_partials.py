"""A step's ``partials:`` list against the workspace's default partials that enforce keys, which apply to every call
whatever the list says (engine/partial_merge.py): warnings where the list reads as if it could drop or outvote
one. Unknown and mismatched names are :mod:`weavz_flow.config.checks.flow_refs`'s."""

from __future__ import annotations

from collections.abc import Callable

from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.flow import StepConfig
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.partial_selection import selected_partials
from weavz_flow.diagnostics import Position
from weavz_flow.engine.applied_partial import PartialReason

Where = Callable[..., Position]  # a path below the step -> its position


def check_step_partials(workspace: WorkspaceFile, step: StepConfig, at: Where, key_at: Where,
                        findings: Findings) -> None:
    if step.partials is None:
        return
    selected = selected_partials(workspace, step)
    for chosen in selected:
        if chosen.reason is PartialReason.DEFAULT_ENFORCED:
            keys = ", ".join(f"'{k}'" for k in chosen.enforced_keys)
            findings.warning(
                "enforced-partial-kept",
                f"'partials' leaves out default partial '{chosen.name}', which enforces {keys}: it applies anyway "
                "and its enforced values hold",
                key_at("partials"),
                f"a default partial that enforces keys applies to every call of its alias; add '{chosen.name}' to "
                "'partials' to say so, or make it not a default in the workspace",
            )
    locks = {k: (s.name, s.values[k]) for s in selected if s.binds_every_caller for k in s.enforced_keys}
    names = {s.name for s in selected if not s.binds_every_caller}
    for i, name in enumerate(step.partials):
        partial = workspace.partials.get(name)
        if partial is None or name not in names:
            continue
        for key, value in partial.values.items():
            if key in locks and locks[key][1] != value:
                findings.warning(
                    "enforced-value-wins",
                    f"partial '{name}' sets '{key}', which default partial '{locks[key][0]}' enforces: the enforced "
                    "value is used",
                    at("partials", i),
                    f"remove '{key}' from partial '{name}', or stop enforcing it in '{locks[key][0]}'",
                )
