"""Which partials apply to a step, in merge order (DESIGN.md, execute pipeline steps 5 and 6).

Without an explicit list, the alias's default partials apply: integration-wide ones first, then the action's. With
``partials: [...]`` exactly those apply, in the order given (``[]`` means none).
"""

from __future__ import annotations

from typing import Any

from weavz_flow.config.model.flow import StepConfig
from weavz_flow.config.model.workspace import PartialConfig, WorkspaceFile


def applicable_partials(workspace: WorkspaceFile, step: StepConfig) -> list[tuple[str, PartialConfig]]:
    """The partials a step's call will merge, in order. Unknown or mismatched explicit names are skipped here;
    :mod:`weavz_flow.config.checks.flow_refs` reports them."""
    if step.partials is not None:
        chosen = [(n, workspace.partials[n]) for n in step.partials if n in workspace.partials]
        return [(n, p) for n, p in chosen if p.alias == step.alias and p.action in (None, step.action)]
    defaults = [(n, p) for n, p in workspace.partials.items() if p.default and p.alias == step.alias]
    wide = [(n, p) for n, p in defaults if p.action is None]
    own = [(n, p) for n, p in defaults if p.action == step.action]
    return wide + own


def merged_values(partials: list[tuple[str, PartialConfig]], given: dict[str, Any]) -> dict[str, Any]:
    """Partial values, then the step's own, then enforced values (enforced keys always win)."""
    merged: dict[str, Any] = {}
    for _, partial in partials:
        merged.update(partial.values)
    merged.update(given)
    for _, partial in partials:
        merged.update({k: partial.values[k] for k in partial.enforced})
    return merged
