"""A plan is a value: the changes that would converge a backend to the config, and the live state they came from.

Types only. :mod:`weavz_flow.plan.compute` builds a Plan; renderers read it; :mod:`weavz_flow.plan.apply` executes it.
Secret values inside diffs are :class:`weavz_flow.sensitive.Sensitive`, so no renderer can print one by accident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from weavz_flow.config.schedules import ScheduledFlow

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # delete, then create: an immutable attribute changed
    NO_OP = "no-op"


class ObjectKind(StrEnum):
    """Managed object kinds, in the order apply creates them (deletes go in reverse).

    End users come before connections because a connection may belong to one (``end_user:``); MCP servers come
    after aliases and partials, which their tools name.
    """

    WORKSPACE = "workspace"
    END_USER = "end_user"
    CONNECTION = "connection"
    ALIAS = "integration"  # a workspace integration; addressed as integration.<alias> like the config key
    PARTIAL = "partial"
    MCP_SERVER = "mcp_server"  # with its tools, which are attributes of it (tools.<alias>.<action>)
    APPROVAL_POLICY = "approval_policy"  # a workspace's human gate, by name; it names aliases, so after them
    # Deployed flows (plan/deployment.py): not backend objects but rows of the schedule store, published after them.
    FLOW = "flow"  # addressed flow.<name>, outside any workspace (flow names are unique in a project)
    SCHEDULE = "schedule"  # addressed flow.<name>/schedule.<index>
    TRIGGER = "trigger"  # an `on:` entry, addressed flow.<name>/trigger.<key>

    @property
    def order(self) -> int:
        return _KIND_ORDER[self]


_KIND_ORDER = {kind: i for i, kind in enumerate(ObjectKind)}  # sort keys of every change: not a list scan


@dataclass(frozen=True, slots=True, order=True)
class Address:
    """``workspace.acme-prod`` or ``workspace.acme-prod/integration.slack_bot``; deployed flows are
    ``flow.open-issues-digest``, ``flow.open-issues-digest/schedule.0`` and ``flow.on-issue/trigger.github.new_issue``
    (workspace empty; a schedule's name is ``<flow>/<index>``, a trigger's ``<flow>/<key>``)."""

    workspace: str
    kind: ObjectKind = ObjectKind.WORKSPACE
    name: str = ""

    def __str__(self) -> str:
        if self.kind is ObjectKind.FLOW:
            return f"flow.{self.name}"
        if self.kind is ObjectKind.SCHEDULE:
            flow, _, index = self.name.rpartition("/")
            return f"flow.{flow}/schedule.{index}"
        if self.kind is ObjectKind.TRIGGER:
            flow, _, key = self.name.partition("/")
            return f"flow.{flow}/trigger.{key}"
        head = f"workspace.{self.workspace}"
        return head if self.kind is ObjectKind.WORKSPACE else f"{head}/{self.kind.value}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """The inverse of str(); raises ValueError naming the expected shape."""
        head, _, tail = text.strip().partition("/")
        prefix, _, slug = head.partition(".")
        if prefix == "flow" and slug:
            return _parse_flow(text, slug, tail)
        if prefix != "workspace" or not slug:
            raise ValueError(f"'{text}' is not an address; expected workspace.<slug>[/<kind>.<name>] or "
                             "flow.<name>[/schedule.<index> | /trigger.<key>]")
        if not tail:
            return cls(slug)
        kind_name, _, name = tail.partition(".")
        kinds = {k.value: k for k in ObjectKind if k not in (ObjectKind.WORKSPACE, *_FLOW_KINDS)}
        if kind_name not in kinds or not name:
            raise ValueError(
                f"'{text}' is not an address; the part after '/' is <kind>.<name> with kind one of "
                + ", ".join(sorted(kinds))
            )
        return cls(slug, kinds[kind_name], name)

    def contains(self, other: Address) -> bool:
        """True when ``other`` is this address or lies under it (a workspace contains its objects)."""
        if self.kind is ObjectKind.WORKSPACE:
            return other.workspace == self.workspace
        if self.kind is ObjectKind.FLOW and other.kind is ObjectKind.SCHEDULE:
            return other.name.rpartition("/")[0] == self.name
        if self.kind is ObjectKind.FLOW and other.kind is ObjectKind.TRIGGER:
            return other.name.partition("/")[0] == self.name
        return self == other


_FLOW_KINDS = (ObjectKind.FLOW, ObjectKind.SCHEDULE, ObjectKind.TRIGGER)


def _parse_flow(text: str, flow: str, tail: str) -> Address:
    if not tail:
        return Address("", ObjectKind.FLOW, flow)
    kind_name, _, index = tail.partition(".")
    if kind_name == "trigger" and index:
        return Address("", ObjectKind.TRIGGER, f"{flow}/{index}")
    if kind_name != "schedule" or not index.isdigit():
        raise ValueError(f"'{text}' is not an address; the part after '/' of a flow is schedule.<index> or "
                         "trigger.<key>")
    return Address("", ObjectKind.SCHEDULE, f"{flow}/{int(index)}")


@dataclass(frozen=True, slots=True)
class AttributeDiff:
    """One attribute's change. ``sensitive`` diffs hold Sensitive values (or None); renderers show only that the
    value changed."""

    name: str
    before: Any = None
    after: Any = None
    sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    address: Address
    action: Action
    diffs: tuple[AttributeDiff, ...] = ()
    reason: str | None = None  # why a replace (or an unusual update) is needed, in words
    # For apply only (renderers must not read these): the backend id of the live object, the desired object, and
    # the addresses this change needs to exist first.
    live_id: str | None = None
    desired: Any = None
    live: Any = None
    depends_on: tuple[Address, ...] = ()
    # A replace that makes the new object before the old one goes (a connection whose secret changed on a backend
    # that cannot update it: the aliases on it move to a stand-in meanwhile, so none points at a deleted one).
    create_before_destroy: bool = False

    @property
    def kind(self) -> ObjectKind:
        return self.address.kind


@dataclass(frozen=True, slots=True)
class Summary:
    add: int
    change: int
    destroy: int

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.destroy)


@dataclass(frozen=True, slots=True)
class Plan:
    """The changes in apply order (no-ops included, so a renderer can say what is already converged).

    ``live_fingerprint`` digests the live state read; a saved plan applies only while it is unchanged.
    ``unmanaged`` lists live objects the config does not declare (deleted only when ``prune`` is set).
    """

    changes: tuple[Change, ...]
    live_fingerprint: str
    unmanaged: tuple[Address, ...] = ()
    prune: bool = False
    targets: tuple[Address, ...] = ()
    backend: str = ""  # the backend's description, for display
    format_version: str = FORMAT_VERSION
    # Fingerprints of the desired secrets, by connection address: lets apply record what it stored.
    credential_fingerprints: Mapping[Address, str] = field(default_factory=dict)
    # Likewise for approval policies: a fingerprint per approver's webhook secret (None: none declared).
    secret_fingerprints: Mapping[Address, tuple[str | None, ...]] = field(default_factory=dict)
    # For apply only: the live state this plan was computed from (backend ids of objects the plan leaves alone).
    prior: Any = None
    # For display only: the project's schedules (in the targeted workspaces). They are not backend objects, so they
    # are never changes, never count in the summary and never steer apply.
    schedules: tuple[ScheduledFlow, ...] = ()
    # Why the flow and schedule changes are left out of this plan (no schedule store for this backend), for display.
    deployment_note: str | None = None
    # For apply only: where FLOW and SCHEDULE changes are published (plan/deployment.py), None when they are not.
    deployment: Any = None
    # The serial of the state document the plan was made with (remote backends): a saved plan applies only while
    # it is unchanged. And the unmanaged addresses that state says this project once managed.
    state_serial: int | None = None
    formerly_managed: tuple[Address, ...] = ()

    @property
    def actionable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is not Action.NO_OP)

    @property
    def summary(self) -> Summary:
        return summarize(self.changes)

    @property
    def has_changes(self) -> bool:
        return not self.summary.empty


def summarize(changes: Iterable[Change]) -> Summary:
    """What ``changes`` add, change and destroy (a replace both adds and destroys); no-ops count nothing."""
    add = change = destroy = 0
    for c in changes:
        if c.action is Action.CREATE:
            add += 1
        elif c.action is Action.UPDATE:
            change += 1
        elif c.action is Action.DELETE:
            destroy += 1
        elif c.action is Action.REPLACE:
            add += 1
            destroy += 1
    return Summary(add, change, destroy)
