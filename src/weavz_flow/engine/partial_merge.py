"""Partial selection and the input merge (DESIGN.md steps 5-6, weavz-api.md §4.3).

Selection. The alias's default partials for the action are its integration-wide ones, then the action's, each by
creation time. A default partial that enforces keys (an *enforcing default*) applies to every call of the alias and
action, whatever the request's ``partialIds`` says: enforced keys hold against every caller of the workspace.
- ``partialIds`` absent: every default partial applies, in default order (reason ``default``).
- ``partialIds: []``: only the enforcing defaults apply (reason ``default_enforced``).
- a list: the enforcing defaults first, in default order, then the listed partials in request order, by id or by
  name (reason ``requested``). A listed enforcing default applies once, in the enforcing defaults' place, with reason
  ``requested``; a partial listed twice applies once. Other default partials apply only when listed. A partial that is
  not a default applies only when listed, whether or not it enforces keys.
Trigger partials are never selected for an action: not as defaults, and a listed one is a PARTIAL_MISMATCH. A
trigger source (``for_trigger``) selects by the same rule among the integration-wide partials and its trigger's own;
an action's partial is then the mismatch.

Merge (shallow, top-level keys): action defaults, then partial values in the applied order, then caller input, then
the enforced values of the listed partials that are not defaults, then the enforced values of the enforcing defaults
(in default order, so a later default wins a key two of them enforce). So nothing a caller sends, neither input nor
a partial it names, replaces a value that an enforcing default enforces. A caller sending an enforced key is
overridden silently, as on Weavz; the result says which keys were.

:func:`select_partials` reads the store; :func:`choose_partials` applies the rule to partials already read (the remote
backend's dry run, which has the workspace's partials from ``GET /api/v1/partials``). The store path reads the rows
and hands them to :func:`choose_partials`, so both are one rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.applied_partial import AppliedPartial, PartialReason
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
    is_default: bool = False
    reason: PartialReason = PartialReason.REQUESTED

    @property
    def binds_every_caller(self) -> bool:
        """An enforcing default: it applies to every call, and its enforced values win over everything."""
        return self.is_default and bool(self.enforced_keys)

    @property
    def applied(self) -> AppliedPartial:
        return AppliedPartial(self.id, self.name, self.reason)


@dataclass(frozen=True, slots=True)
class MergedInput:
    values: dict[str, Any]
    partials: tuple[AppliedPartial, ...] = ()  # in merge order, each with why it applied
    enforced_keys: tuple[str, ...] = ()
    # Caller keys replaced by an enforced value.
    overridden_keys: tuple[str, ...] = ()
    # Which layer gave each key its final value: "default", "partial:<id>", "input" or "enforced:<id>".
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def partial_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.partials)


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
    """Integration-wide first, then the action's (trigger's); ties by creation time, then name."""
    scoped = partial.action_name is not None or partial.trigger_name is not None
    return (scoped, partial.created_at, partial.name)


def choose_partials(
    partials: Sequence[PartialRecord],
    *,
    alias_id: str | None,
    alias: str | None,
    action_name: str,
    partial_ids: Sequence[str] | None,
    for_trigger: bool = False,
) -> list[SelectedPartial]:
    """The partials an execute applies, in merge order, among the workspace's ``partials``: ``alias_id``/``alias``
    name the targeted workspace integration (None when the workspace has none for the integration). With
    ``for_trigger``, ``action_name`` is a trigger's name and the partials are a trigger source's."""
    scope = _Scope(action_name, for_trigger)
    defaults = [] if alias_id is None else sorted(
        (p for p in partials if p.workspace_integration_id == alias_id and p.is_default and scope.covers(p)),
        key=default_order)
    if partial_ids is None:
        return [_selected(p, PartialReason.DEFAULT) for p in defaults]
    named: dict[str, PartialRecord] = {}
    for ref in partial_ids:  # every reference is checked before anything applies
        row = _checked(_lookup(partials, ref, alias_id, scope), ref, alias_id, alias, scope)
        named.setdefault(row.id, row)
    binding = [p for p in defaults if p.enforced_keys]
    chosen = [_selected(p, PartialReason.REQUESTED if p.id in named else PartialReason.DEFAULT_ENFORCED)
              for p in binding]
    bound = {p.id for p in binding}
    return chosen + [_selected(p, PartialReason.REQUESTED) for p in named.values() if p.id not in bound]


def select_partials(
    conn: sa.Connection,
    *,
    workspace_id: str,
    target: Target,
    action_name: str,
    partial_ids: Sequence[str] | None,
    for_trigger: bool = False,
) -> list[SelectedPartial]:
    """:func:`choose_partials` over the rows it can need, read in one query: the targeted alias's partials, and the
    workspace's partials named by id (a partial of another alias is a PARTIAL_MISMATCH, not a PARTIAL_NOT_FOUND)."""
    wanted: list[Any] = []
    if target.integration is not None:
        wanted.append(_p.c.workspace_integration_id == target.id)
    if partial_ids:
        wanted.append(_p.c.id.in_(sorted(set(partial_ids))))
    rows = conn.execute(sa.select(_p).where(_p.c.workspace_id == workspace_id, sa.or_(*wanted))).all() \
        if wanted else []
    return choose_partials(rows, alias_id=target.id, alias=target.alias, action_name=action_name,
                           partial_ids=partial_ids, for_trigger=for_trigger)


@dataclass(frozen=True, slots=True)
class _Scope:
    """What a selection is for: an action, or a trigger (``for_trigger``), by name."""

    name: str
    for_trigger: bool

    def own(self, partial: PartialRecord) -> str | None:
        return partial.trigger_name if self.for_trigger else partial.action_name

    def other(self, partial: PartialRecord) -> str | None:
        return partial.action_name if self.for_trigger else partial.trigger_name

    def covers(self, partial: PartialRecord) -> bool:
        """Integration-wide, or of this action (trigger)."""
        return self.other(partial) is None and self.own(partial) in (None, self.name)

    @property
    def kind(self) -> str:
        return "trigger" if self.for_trigger else "action"


def _lookup(
    partials: Sequence[PartialRecord], ref: str, alias_id: str | None, scope: _Scope,
) -> PartialRecord | None:
    """A reference by id, else by name within the alias (newer Weavz docs accept a partial's name as well; names are
    unique per alias and scope): the action's own partial before an integration-wide one."""
    row = next((p for p in partials if p.id == ref), None)
    if row is None and alias_id is not None:
        candidates = [p for p in partials if p.workspace_integration_id == alias_id and p.name == ref
                      and scope.covers(p)]
        candidates.sort(key=lambda p: scope.own(p) is None)
        row = candidates[0] if candidates else None
    return row


def _checked(
    row: PartialRecord | None, ref: str, alias_id: str | None, alias: str | None, scope: _Scope,
) -> PartialRecord:
    """A partial the caller named: it must exist, belong to the targeted alias, and be for this action (trigger)."""
    if row is None:
        raise ApiError(ErrorCode.PARTIAL_NOT_FOUND, f"Partial '{ref}' not found in this workspace",
                       details={"partialId": ref})
    if alias_id is None or row.workspace_integration_id != alias_id:
        raise ApiError(
            ErrorCode.PARTIAL_MISMATCH,
            f"Partial '{row.name}' belongs to another integration alias",
            details={"partialId": row.id, "integrationAlias": alias},
        )
    if not scope.covers(row):
        details = {"partialId": row.id, f"{scope.kind}Name": scope.name,
                   f"partial{scope.kind.capitalize()}Name": scope.own(row)}
        raise ApiError(
            ErrorCode.PARTIAL_MISMATCH,
            f"Partial '{row.name}' is for {row.action_name or row.trigger_name!r}, not {scope.kind} '{scope.name}'",
            details=details,
        )
    return row


def _selected(row: PartialRecord, reason: PartialReason) -> SelectedPartial:
    return SelectedPartial(
        id=row.id, name=row.name, action_name=row.action_name, values=dict(row.values or {}),
        enforced_keys=tuple(row.enforced_keys or ()), is_default=bool(row.is_default), reason=reason,
    )


def merge_input(
    defaults: Mapping[str, Any], partials: Sequence[SelectedPartial], caller_input: Mapping[str, Any]
) -> MergedInput:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in defaults.items():
        values[key] = value
        sources[key] = "default"
    for partial in partials:
        for key, value in partial.values.items():
            values[key] = value
            sources[key] = f"partial:{partial.id}"
    for key, value in caller_input.items():
        values[key] = value
        sources[key] = "input"
    # The enforcing defaults' locks last: a partial the caller chose cannot unlock what one of them enforces.
    locked: dict[str, tuple[Any, str]] = {}
    for partial in [p for p in partials if not p.binds_every_caller] + [p for p in partials if p.binds_every_caller]:
        for key in partial.enforced_keys:
            if key in partial.values:
                locked[key] = (partial.values[key], partial.id)
    overridden = []
    for key, (value, partial_id) in locked.items():
        if key in caller_input and caller_input[key] != value:
            overridden.append(key)
        values[key] = value
        sources[key] = f"enforced:{partial_id}"
    return MergedInput(
        values=values,
        partials=tuple(p.applied for p in partials),
        enforced_keys=tuple(locked),
        overridden_keys=tuple(overridden),
        sources=sources,
    )
