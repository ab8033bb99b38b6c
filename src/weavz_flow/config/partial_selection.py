"""Which partials apply to a step, in merge order: the engine's own rule (engine/partial_merge.py) over the
workspace file's partials, so that validate judges a step as the backend will run it.

Without ``partials:``, the alias's default partials apply: integration-wide ones first, then the action's. With
``partials: [...]`` (``[]`` included), the default partials that enforce keys still apply, first; then the ones
listed, in the order given. A listed partial that is not declared or is for another alias or action is left out here
(:mod:`weavz_flow.config.checks.flow_refs` reports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavz_flow.config.model.flow import StepConfig
from weavz_flow.config.model.workspace import PartialConfig, WorkspaceFile
from weavz_flow.engine.partial_merge import SelectedPartial, choose_partials, merge_input


@dataclass(frozen=True, slots=True)
class _Declared:
    """A workspace file's partial with the fields the engine's selection reads. Declaration order stands in for
    creation time, which is the order apply creates partials in."""

    id: str  # its name: names are unique in a workspace file
    name: str
    workspace_integration_id: str  # its alias
    action_name: str | None
    trigger_name: None
    is_default: bool
    created_at: str
    values: dict[str, Any]
    enforced_keys: tuple[str, ...]


def _declared(workspace: WorkspaceFile) -> list[_Declared]:
    return [_Declared(name, name, p.alias, p.action, None, p.default, f"{i:08d}", dict(p.values), tuple(p.enforced))
            for i, (name, p) in enumerate(workspace.partials.items())]


def selected_partials(workspace: WorkspaceFile, step: StepConfig) -> list[SelectedPartial]:
    """The partials a step's call will merge, in order, each with why it applies."""
    listed = None
    if step.partials is not None:
        listed = [n for n in step.partials if (p := workspace.partials.get(n)) is not None
                  and p.alias == step.alias and p.action in (None, step.action)]
    return choose_partials(_declared(workspace), alias_id=step.alias, alias=step.alias, action_name=step.action,
                           partial_ids=listed)


def applicable_partials(workspace: WorkspaceFile, step: StepConfig) -> list[tuple[str, PartialConfig]]:
    """The partials a step's call will merge, in order, by name."""
    return [(s.name, workspace.partials[s.name]) for s in selected_partials(workspace, step)]


def merged_values(partials: list[tuple[str, PartialConfig]], given: dict[str, Any]) -> dict[str, Any]:
    """Partial values, then the step's own, then enforced values (those of default partials last: they always win)."""
    return merge_input({}, _as_selected(partials), given).values


def enforcer_of(partials: list[tuple[str, PartialConfig]], key: str) -> str | None:
    """The partial whose enforced value ``key`` ends with, if one enforces it."""
    source = merge_input({}, _as_selected(partials), {}).sources.get(key, "")
    return source.removeprefix("enforced:") if source.startswith("enforced:") else None


def _as_selected(partials: list[tuple[str, PartialConfig]]) -> list[SelectedPartial]:
    return [SelectedPartial(n, n, p.action, dict(p.values), tuple(p.enforced), is_default=p.default)
            for n, p in partials]
