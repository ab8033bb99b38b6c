"""Partial selection and the input merge (DESIGN.md steps 5-6, weavz-api.md §4.3).

Selection: ``partialIds`` absent means the alias's default partials (integration-wide first, then the action's, each
by creation time); ``[]`` means none; a list means exactly those, in request order, by id or by name.
Merge (shallow, top-level keys): action defaults, then partial values, then caller input, then enforced values.
A caller sending an enforced key is overridden silently, as on Weavz; the result says which keys were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
        # Integration-wide first, then the action's; ties by creation time, then name.
        rows.sort(key=lambda r: (r.action_name is not None, r.created_at, r.name))
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
    if row is None:
        raise ApiError(ErrorCode.PARTIAL_NOT_FOUND, f"Partial '{ref}' not found in this workspace",
                       details={"partialId": ref})
    if target.integration is None or row.workspace_integration_id != target.id:
        raise ApiError(
            ErrorCode.PARTIAL_MISMATCH,
            f"Partial '{row.name}' belongs to another integration alias",
            details={"partialId": row.id, "integrationAlias": target.alias},
        )
    if row.trigger_name is not None or (row.action_name is not None and row.action_name != action_name):
        raise ApiError(
            ErrorCode.PARTIAL_MISMATCH,
            f"Partial '{row.name}' is for {row.action_name or row.trigger_name!r}, not action '{action_name}'",
            details={"partialId": row.id, "actionName": action_name, "partialActionName": row.action_name},
        )
    return _selected(row)


def _selected(row: sa.Row[Any]) -> SelectedPartial:
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
