"""A flow's ``on:`` entries as plan objects: ``flow.<name>/trigger.<key>``, published with the flow's deployment.

The object is what a scheduler needs to register the entry as a trigger source without the checkout: for a
``trigger:``, the alias, its integration, the literal input, the interval and the end user; for a ``webhook:``, the
path and the *reference* of its secret (never its value: the scheduler reads it from its environment). Changing the
trigger or its input re-baselines the source (items that exist then start no run), which the plan says in its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavz_flow.config.model.base import format_duration
from weavz_flow.config.model.flow import FlowFile
from weavz_flow.config.model.flow_on import OnEntry
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.plan.model import Action, Address, AttributeDiff, Change, ObjectKind

TRIGGER = "trigger"
WEBHOOK = "webhook"
ATTRIBUTES = ("kind", "uses", "integration", "with", "every", "end_user", "path", "secret", "auth",
              "signature_header", "overlap", "enabled")
# A change of one of these makes a new source baseline: what exists at the provider then starts no run.
_REBASELINE = ("kind", "uses", "integration", "with", "end_user", "path")
CREATED = "registered by the next scheduler tick; a polling trigger takes a baseline first (what exists starts no run)"
REBASELINED = "the trigger or its input changed: its source takes a new baseline (what exists then starts no run)"
REMOVED = "the flow has no such 'on' entry now: its source stops (events not yet run are abandoned)"


def trigger_documents(flow: FlowFile, workspace: WorkspaceFile | None) -> dict[str, dict[str, Any]]:
    """The flow's ``on:`` entries as deployed objects, by key."""
    return {entry.key: trigger_document(entry, flow, workspace) for entry in flow.on}


def trigger_document(entry: OnEntry, flow: FlowFile, workspace: WorkspaceFile | None) -> dict[str, Any]:
    common = {"overlap": entry.overlap.value, "enabled": entry.enabled}
    if entry.webhook is not None:
        hook = entry.webhook
        return {"kind": WEBHOOK, "path": hook.path, "auth": hook.auth.value, "signature_header": hook.signature_header,
                "secret": hook.secret.model_dump(mode="json", exclude_none=True) if hook.secret else None, **common}
    spec = entry.trigger
    assert spec is not None  # an entry has exactly one of the two
    alias = workspace.integrations.get(spec.alias) if workspace is not None else None
    return {"kind": TRIGGER, "uses": spec.uses, "integration": alias.integration if alias else None,
            "with": dict(spec.with_), "every": format_duration(spec.every),
            "end_user": spec.end_user or flow.end_user, **common}


def address(flow: str, key: str) -> Address:
    return Address("", ObjectKind.TRIGGER, f"{flow}/{key}")


def trigger_changes(flow: str, before: Mapping[str, Mapping[str, Any]],
                    after: Mapping[str, Mapping[str, Any]]) -> list[Change]:
    """Create, update (with the reason when it re-baselines), delete or no-op, per key."""
    deps = (Address("", ObjectKind.FLOW, flow),)
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        where = address(flow, key)
        if old is None:
            assert new is not None
            changes.append(Change(where, Action.CREATE, _attrs(new, before=False), reason=CREATED, desired=new,
                                  depends_on=deps))
        elif new is None:
            changes.append(Change(where, Action.DELETE, _attrs(old, before=True), reason=REMOVED, live=old,
                                  depends_on=deps))
        else:
            diffs = tuple(AttributeDiff(k, old.get(k), new.get(k)) for k in ATTRIBUTES if old.get(k) != new.get(k))
            rebaseline = any(d.name in _REBASELINE for d in diffs)
            changes.append(Change(where, Action.UPDATE if diffs else Action.NO_OP, diffs,
                                  reason=REBASELINED if rebaseline else None, desired=new, live=old,
                                  depends_on=deps))
    return changes


def _attrs(document: Mapping[str, Any], *, before: bool) -> tuple[AttributeDiff, ...]:
    shown = [(k, document.get(k)) for k in ATTRIBUTES if document.get(k) not in (None, {})]
    return tuple(AttributeDiff(k, v, None) if before else AttributeDiff(k, None, v) for k, v in shown)
