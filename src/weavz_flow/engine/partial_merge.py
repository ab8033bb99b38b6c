"""Partial selection and the input merge (DESIGN.md steps 5-6, weavz-api.md §4.3).

Selection: ``partialIds`` absent means the alias's default partials (integration-wide first, then the action's, each
by creation time); ``[]`` means none; a list means exactly those, in request order, by id or by name.
Merge (shallow, top-level keys): action defaults, then partial values, then caller input, then enforced values.
A caller sending an enforced key is overridden silently, as on Weavz; the result says which keys were.
Trigger partials are never selected for an action: not as defaults, and a named one is a PARTIAL_MISMATCH.

:func:`select_partials` reads the store; :func:`choose_partials` applies the same rules to partials already read (the
remote backend's dry run, which has the workspace's partials from ``GET /api/v1/partials``). Both share the order and
the checks below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.resolution import Target
from weavz_flow.errors import ApiError, ErrorCode

_p = t.partials


@dataclass(frozen=True, slots=True)
class SelectedPartial:
    id: str
    name: str
    action_name: str | None
    values: dict[str, Any]
    enforced_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MergedInput:
    values: dict[str, Any]
    partial_ids: tuple[str, ...] = ()
    enforced_keys: tuple[str, ...] = ()
    # Caller keys replaced by an enforced value.
    overridden_keys: tuple[str, ...] = ()
    # Which layer gave each key its final value: "default", "partial:<id>", "input" or "enforced:<id>".
    sources: dict[str, str] = field(default_factory=dict)


class PartialRecord(Protocol):
    """What selection reads of a stored partial: a ``partials`` table row, or a partial read over the API."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def workspace_integration_id(self) -> str | None: ...
    @property
    def action_name(self) -> str | None: ...
    @property
    def trigger_name(self) -> str | None: ...
    @property
    def is_default(self) -> bool: ...
    @property
    def created_at(self) -> str: ...  # the store's sortable UTC text
    @property
    def values(self) -> Mapping[str, Any] | None: ...
    @property
    def enforced_keys(self) -> Sequence[str] | None: ...


def default_order(partial: PartialRecord) -> tuple[bool, str, str]:
    """Integration-wide first, then the action's; ties by creation time, then name."""
    return (partial.action_name is not None, partial.created_at, partial.name)


def choose_partials(
    partials: Sequence[PartialRecord],
    *,
    alias_id: str | None,
    alias: str | None,
    action_name: str,
    partial_ids: Sequence[str] | None,
) -> list[SelectedPartial]:
    """:func:`select_partials` over the workspace's partials already read: ``alias_id``/``alias`` name the targeted
    workspace integration (None when the workspace has none for the integration)."""
    if partial_ids is not None and len(partial_ids) == 0:
        return []
    if partial_ids is None:
        if alias_id is None:
            return []
        found = [p for p in partials if p.workspace_integration_id == alias_id and p.is_default
                 and p.trigger_name is None and p.action_name in (None, action_name)]
        return [_selected(p) for p in sorted(found, key=default_order)]
    chosen = []
    for ref in partial_ids:
        row = next((p for p in partials if p.id == ref), None)
        if row is None and alias_id is not None:
            candidates = [p for p in partials if p.workspace_integration_id == alias_id and p.name == ref
                          and p.action_name in (None, action_name)]
            candidates.sort(key=lambda p: p.action_name is None)
            row = candidates[0] if candidates else None
        chosen.append(_checked(row, ref, alias_id, alias, action_name))
    return chosen


def select_partials(
    conn: sa.Connection,
    *,
    workspace_id: str,
    target: Target,
    action_name: str,
    partial_ids: Sequence[str] | None,
) -> list[SelectedPartial]:
    if partial_ids is not None and len(partial_ids) == 0:
        return []
    if partial_ids is None:
        if target.integration is None:
            return []
        rows = conn.execute(
            sa.select(_p).where(
                _p.c.workspace_integration_id == target.id,
                _p.c.is_default.is_(True),
                _p.c.trigger_name.is_(None),
                sa.or_(_p.c.action_name.is_(None), _p.c.action_name == action_name),
            )
        ).all()
        rows.sort(key=default_order)
        return [_selected(r) for r in rows]
    return [_explicit(conn, workspace_id, target, action_name, ref) for ref in partial_ids]


def _explicit(conn: sa.Connection, workspace_id: str, target: Target, action_name: str, ref: str) -> SelectedPartial:
    row = conn.execute(sa.select(_p).where(_p.c.id == ref, _p.c.workspace_id == workspace_id)).first()
    if row is None and target.integration is not None:
        # Newer Weavz docs accept a partial's name as well; names are unique per alias and scope.
        candidates = conn.execute(
            sa.select(_p).where(_p.c.workspace_integration_id == target.id, _p.c.name == ref,
                                sa.or_(_p.c.action_name.is_(None), _p.c.action_name == action_name))
        ).all()
        candidates.sort(key=lambda r: r.action_name is None)  # the action's own partial before a wide one
        row = candidates[0] if candidates else None
    return _checked(row, ref, target.id, target.alias, action_name)


def _checked(
    row: PartialRecord | None, ref: str, alias_id: str | None, alias: str | None, action_name: str,
) -> SelectedPartial:
    """A partial the caller named: it must exist, belong to the targeted alias, and be for this action."""
    if row is None:
        raise ApiError(ErrorCode.PARTIAL_NOT_FOUND, f"Partial '{ref}' not found in this workspace",
                       details={"partialId": ref})
    if alias_id is None or row.workspace_integration_id != alias_id:
        raise ApiError(
            ErrorCode.PARTIAL_MISMATCH,
            f"Partial '{row.name}' belongs to another integration alias",
            details={"partialId": row.id, "integrationAlias": alias},
        )
    if row.trigger_name is not None or (row.action_name is not None and row.action_name != action_name):
        raise ApiError(
            ErrorCode.PARTIAL_MISMATCH,
            f"Partial '{row.name}' is for {row.action_name or row.trigger_name!r}, not action '{action_name}'",
            details={"partialId": row.id, "actionName": action_name, "partialActionName": row.action_name},
        )
    return _selected(row)


def _selected(row: PartialRecord) -> SelectedPartial:
    return SelectedPartial(
        id=row.id, name=row.name, action_name=row.action_name, values=dict(row.values or {}),
        enforced_keys=tuple(row.enforced_keys or ()),
    )


def merge_input(
    defaults: Mapping[str, Any], partials: Sequence[SelectedPartial], caller_input: Mapping[str, Any]
) -> MergedInput:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in defaults.items():
        values[key] = value
        sources[key] = "default"
    locked: dict[str, tuple[Any, str]] = {}
    for partial in partials:
        for key, value in partial.values.items():
            values[key] = value
            sources[key] = f"partial:{partial.id}"
        for key in partial.enforced_keys:
            if key in partial.values:
                locked[key] = (partial.values[key], partial.id)
    for key, value in caller_input.items():
        values[key] = value
        sources[key] = "input"
    overridden = []
    for key, (value, partial_id) in locked.items():
        if key in caller_input and caller_input[key] != value:
            overridden.append(key)
        values[key] = value
        sources[key] = f"enforced:{partial_id}"
    return MergedInput(
        values=values,
        partial_ids=tuple(p.id for p in partials),
        enforced_keys=tuple(locked),
        overridden_keys=tuple(overridden),
        sources=sources,
    )
