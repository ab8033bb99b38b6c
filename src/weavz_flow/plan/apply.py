"""Executing a plan against a backend, in dependency order, stopping at the first failure.

Creates, updates and replaces run parents first (workspace, end user, connection, alias, partial, MCP server,
approval policy); deletes run after them, children first. An MCP server's tools are part of its change: its create
or update ends with the tool creates, updates and deletes that make them the desired ones (plan/mcp_tools.py),
partial names turned into the backend's ids. A bearer a backend mints with a server is never kept. Progress is
reported as :class:`ApplyEvent` values to a callback; nothing is printed here.

A connection replaced create-before-destroy (its secret changed on a backend that cannot update one) goes: a
stand-in ``<externalId>--next-<random>`` with the new secret, every alias on the old connection moved to it, the old
one deleted, the real one created under its own externalId, the aliases moved back, the stand-in deleted. An alias
never points at a deleted connection; a run killed midway leaves at worst a stand-in, listed as unmanaged.

With a :class:`FingerprintBook` the project's state is written after every connection change (its fingerprint) and
at the end: a killed apply leaves every fingerprint true, and what it made without recording is adopted next time.
Before each change the apply checks that it still holds the lock (a fence against a lock taken from it).

Every step is safe to repeat after an apply was killed: a create that meets 409 (the object was made by the killed
run) re-reads the object by natural key, adopts it and updates it to the desired values; a delete that meets 404
counts as done. So the next plan shows exactly what is left, and the next apply converges with no duplicates.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as replaced
from enum import StrEnum
from typing import Any

from weavz_flow.backends.approval_policies import ApprovalPolicySpec, LiveApprovalPolicy
from weavz_flow.backends.live import LiveAlias, LiveConnection, LiveMcpServer, LiveMcpTool, LivePartial, LiveWorkspace
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.specs import (
    AliasSpec,
    ConnectionSpec,
    EndUserSpec,
    McpServerSpec,
    PartialSpec,
    WorkspaceSpec,
)
from weavz_flow.errors import ApiError, WeavzFlowError
from weavz_flow.plan.deployment import FLOW_KINDS, apply_deployment_change
from weavz_flow.plan.desired import (
    DesiredAlias,
    DesiredApprovalPolicy,
    DesiredConnection,
    DesiredEndUser,
    DesiredMcpServer,
    DesiredPartial,
    DesiredWorkspace,
)
from weavz_flow.plan.fingerprints import FingerprintBook
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.mcp_tools import tool_sync
from weavz_flow.plan.model import Action, Address, Change, ObjectKind, Plan, summarize

_log = logging.getLogger(__name__)

class ApplyPhase(StrEnum):
    STARTED = "started"
    DONE = "done"
    ADOPTED = "adopted"  # the object already existed (an earlier apply was interrupted) and was taken over
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ApplyEvent:
    change: Change
    phase: ApplyPhase
    index: int  # 1-based position among the changes to apply
    total: int
    error: WeavzFlowError | None = None


@dataclass(frozen=True, slots=True)
class ApplyResult:
    applied: tuple[Change, ...]
    failed: Change | None = None
    error: WeavzFlowError | None = None
    remaining: tuple[Change, ...] = ()  # not attempted because of the failure
    adopted: tuple[Change, ...] = ()  # creates that found the object made already (by an interrupted run)

    @property
    def ok(self) -> bool:
        return self.failed is None

    def counts(self) -> tuple[int, int, int, int]:
        """(added, changed, destroyed, adopted) of what was applied: an adopted create is not an addition."""
        adopted = {c.address for c in self.adopted}
        done = summarize(c for c in self.applied if c.address not in adopted)
        return done.add, done.change, done.destroy, len(adopted)


class ApplyError(WeavzFlowError):
    """A change could not be applied; carries the result so far."""

    def __init__(self, result: ApplyResult) -> None:
        self.result = result
        assert result.failed is not None
        cause = result.error.format_message() if result.error is not None else "unknown error"
        super().__init__(
            f"applying {result.failed.address} ({result.failed.action.value}) failed: {cause}. "
            f"{len(result.applied)} change(s) were applied and {len(result.remaining) + 1} were not; "
            "run plan to see exactly what is left"
        )


def apply_plan(
    plan: Plan,
    backend: Backend,
    *,
    book: FingerprintBook | None = None,
    on_event: Callable[[ApplyEvent], None] | None = None,
    between: Callable[[], None] | None = None,
) -> ApplyResult:
    """Apply every actionable change of ``plan``; a plan without changes makes no backend call at all.

    ``between`` runs after each change and between the steps of a create-before-destroy replace (tests use it to
    position an interruption, or to check that aliases keep working).
    """
    emit = on_event or (lambda _event: None)
    todo = plan.actionable
    runner = _Runner(plan, backend, book, plan.prior if isinstance(plan.prior, LiveState) else LiveState(),
                     between or (lambda: None))
    applied: list[Change] = []
    adopted_changes: list[Change] = []
    if todo and book is not None:  # what is converged already is managed by this project too
        book.manage(c.address for c in plan.changes if c.action is Action.NO_OP)
    for index, change in enumerate(todo, start=1):
        emit(ApplyEvent(change, ApplyPhase.STARTED, index, len(todo)))
        try:
            if book is not None:
                book.check_lock()
            adopted = runner.run(change)
            runner.settle(change)
        except WeavzFlowError as exc:
            emit(ApplyEvent(change, ApplyPhase.FAILED, index, len(todo), exc))
            runner.flush_after_failure()
            return ApplyResult(tuple(applied), change, exc, tuple(todo[index:]), tuple(adopted_changes))
        applied.append(change)
        if adopted:
            adopted_changes.append(change)
        emit(ApplyEvent(change, ApplyPhase.ADOPTED if adopted else ApplyPhase.DONE, index, len(todo)))
        if between is not None and index < len(todo):
            between()
    runner.flush()
    return ApplyResult(tuple(applied), adopted=tuple(adopted_changes))


@dataclass
class _Runner:
    plan: Plan
    backend: Backend
    book: FingerprintBook | None
    prior: LiveState
    between: Callable[[], None]
    workspaces: dict[str, str] = field(default_factory=dict)  # slug -> id
    connections: dict[tuple[str, str], str] = field(default_factory=dict)  # (slug, externalId) -> id
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)  # (slug, alias) -> id
    partials: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (slug, alias, name) -> id

    def __post_init__(self) -> None:
        self.workspaces = {w.slug: w.id for w in self.prior.workspaces}
        slug_by_id = {w.id: w.slug for w in self.prior.workspaces}
        for c in self.prior.connections:
            if c.workspace_id in slug_by_id:
                self.connections[(slug_by_id[c.workspace_id], c.external_id)] = c.id
        for slug, snapshot in self.prior.snapshots.items():
            for a in snapshot.aliases:
                self.aliases[(slug, a.alias)] = a.id
            for p in snapshot.partials:
                self.partials.setdefault((slug, p.alias, p.name), p.id)

    def run(self, change: Change) -> bool:
        """Apply one change; True when a create adopted an existing object."""
        if change.kind in FLOW_KINDS:  # a deployed flow or schedule: the schedule store, not the backend
            apply_deployment_change(change, self.plan.deployment)
            return False
        if change.action is Action.DELETE:
            self._delete(change.kind, change.live)
            return False
        if change.action is Action.REPLACE and change.create_before_destroy:
            self._replace_connection_first(change)
            return False
        if change.action is Action.REPLACE:
            self._delete(change.kind, change.live)
            return self._create(change)
        if change.action is Action.CREATE:
            return self._create(change)
        self._update(change.kind, change.live_id or "", change.desired, change.address, change.live)
        return False

    def settle(self, change: Change) -> None:
        """Record in the project's state that ``change`` is done.

        A connection's fingerprint is written at once, so a kill right after cannot make the next plan send its
        secret again. Ownership of the other kinds is written at the end (or on a failure): losing it to a kill costs
        nothing, since the next apply adopts what exists and records it then. That halves the state writes."""
        if self.book is None:
            return
        if change.action is Action.DELETE:
            self.book.release(change.address)
        else:
            self.book.manage([change.address])
        if change.kind is ObjectKind.CONNECTION:
            self.book.flush()

    # -- create before destroy -------------------------------------------------------------------------------------

    def _replace_connection_first(self, change: Change) -> None:
        d: DesiredConnection = change.desired
        old: LiveConnection = change.live
        users = [a for s in self.prior.snapshots.values() for a in s.aliases if a.connection_id == old.id]
        spec = self._connection_spec(d)
        stand_in_id = f"{d.external_id}--next-{uuid.uuid4().hex[:6]}"
        stand_in_address = replaced(change.address, name=stand_in_id)
        stand_in = self.backend.create_connection(replaced(spec, external_id=stand_in_id))
        self._remember(stand_in_address, stand_in)
        self.between()
        self._repoint(users, stand_in.id)
        self._delete(ObjectKind.CONNECTION, old)
        self.flush()
        self.between()
        real = self.backend.create_connection(spec)
        self._record(change.address, real)
        self.flush()
        self.between()
        self._repoint(users, real.id)
        self._delete(ObjectKind.CONNECTION, stand_in)
        if self.book is not None:
            self.book.release(stand_in_address)

    def _remember(self, address: Address, connection: LiveConnection) -> None:
        """A stand-in is this project's while it exists: a killed run's shows as once managed."""
        if self.book is not None:
            self.book.manage([address])
            self.flush()

    def _repoint(self, aliases: list[LiveAlias], connection_id: str) -> None:
        for a in aliases:
            self.backend.update_alias(a.id, AliasSpec(a.workspace_id, a.alias, a.integration, a.strategy,
                                                      connection_id, a.enabled_actions, a.display_name,
                                                      dict(a.settings)))
            self.between()

    def flush(self) -> None:
        if self.book is not None:
            self.book.flush()

    def flush_after_failure(self) -> None:
        """Keep what was done; a state write that fails too must not hide the error that stopped the apply."""
        try:
            self.flush()
        except WeavzFlowError as exc:
            _log.warning("could not write the state after the failure (%s); the next apply adopts what exists",
                         exc.format_message())

    # -- create / update / delete by kind ------------------------------------------------------------------------

    def _create(self, change: Change) -> bool:
        d = change.desired
        try:
            self._record(change.address, self._create_object(change.kind, d))
            return False
        except ApiError as exc:
            if exc.status != 409:
                raise
            existing = self._find(change.kind, d)
            if existing is None:
                raise
        self._update(change.kind, existing.id, d, change.address, existing)
        return True

    def _create_object(self, kind: ObjectKind, d: Any) -> Any:
        b = self.backend
        if kind is ObjectKind.WORKSPACE:
            return b.create_workspace(self._workspace_spec(d))
        if kind is ObjectKind.END_USER:
            return b.create_end_user(self._end_user_spec(d))
        if kind is ObjectKind.CONNECTION:
            return b.create_connection(self._connection_spec(d))
        if kind is ObjectKind.ALIAS:
            return b.create_alias(self._alias_spec(d))
        if kind is ObjectKind.MCP_SERVER:
            server = b.create_mcp_server(self._mcp_server_spec(d))
            self._sync_tools(server.id, d, ())
            return server
        if kind is ObjectKind.APPROVAL_POLICY:
            return b.create_approval_policy(self._policy_spec(d))
        return b.create_partial(self._partial_spec(d))

    def _update(self, kind: ObjectKind, object_id: str, d: Any, address: Address, live: Any = None) -> None:
        b = self.backend
        if kind is ObjectKind.MCP_SERVER:
            self._update_mcp_server(object_id, d, live)
            return
        if kind is ObjectKind.WORKSPACE:
            result: Any = b.update_workspace(object_id, self._workspace_spec(d))
        elif kind is ObjectKind.END_USER:
            result = b.update_end_user(object_id, self._end_user_spec(d))
        elif kind is ObjectKind.CONNECTION:
            if b.capabilities.connection_update:
                result = b.update_connection(object_id, self._connection_spec(d))
            else:  # adopting after an interrupted create: the stored credential is the one that run sent
                result = next(c for c in b.list_connections() if c.id == object_id)
        elif kind is ObjectKind.ALIAS:
            result = b.update_alias(object_id, self._alias_spec(d))
        elif kind is ObjectKind.APPROVAL_POLICY:
            result = b.update_approval_policy(object_id, self._policy_spec(d))
        else:
            result = b.update_partial(object_id, self._partial_spec(d))
        self._record(address, result)

    def _delete(self, kind: ObjectKind, live: Any) -> None:
        b = self.backend
        try:
            if kind is ObjectKind.WORKSPACE:
                b.delete_workspace(live.id)
            elif kind is ObjectKind.END_USER:
                b.delete_end_user(live.id)
            elif kind is ObjectKind.CONNECTION:
                b.delete_connection(live.id)
            elif kind is ObjectKind.ALIAS:
                b.delete_alias(live.workspace_id, live.id)
            elif kind is ObjectKind.MCP_SERVER:
                b.delete_mcp_server(live.id)
            elif kind is ObjectKind.APPROVAL_POLICY:
                b.delete_approval_policy(live.id)
            else:
                b.delete_partial(live.id)
        except ApiError as exc:
            if exc.status != 404:  # already gone (a parent's delete took it along, or an earlier run did)
                raise
        if kind in (ObjectKind.CONNECTION, ObjectKind.APPROVAL_POLICY) and self.book is not None:
            self.book.forget(live.id)

    def _record(self, address: Address, obj: Any) -> None:
        """Remember the id of what was just made, for the changes that reference it."""
        if isinstance(obj, LiveWorkspace):
            self.workspaces[obj.slug] = obj.id
        elif isinstance(obj, LiveConnection):
            self.connections[(address.workspace, obj.external_id)] = obj.id
            fp = self.plan.credential_fingerprints.get(address)
            if self.book is not None and fp is not None and not self.backend.capabilities.credential_fingerprints:
                self.book.record(address, obj.id, fp)
        elif isinstance(obj, LiveAlias):
            self.aliases[(address.workspace, obj.alias)] = obj.id
        elif isinstance(obj, LivePartial):
            self.partials[(address.workspace, obj.alias, obj.name)] = obj.id
        elif isinstance(obj, LiveApprovalPolicy):
            secret_fps = self.plan.secret_fingerprints.get(address)
            if self.book is not None and secret_fps and not self.backend.capabilities.credential_fingerprints:
                self.book.record_secrets(address, obj.id, secret_fps)

    def _find(self, kind: ObjectKind, d: Any) -> Any:
        """The live object with ``d``'s natural key, read fresh (after a 409 on create)."""
        b = self.backend
        if kind is ObjectKind.WORKSPACE:
            return next((w for w in b.list_workspaces() if w.slug == d.slug), None)
        if kind is ObjectKind.CONNECTION:
            return next((c for c in b.list_connections()
                         if c.integration == d.integration and c.external_id == d.external_id), None)
        workspace = LiveWorkspace(self._workspace_id(d.workspace), d.workspace, d.workspace)
        if kind is ObjectKind.MCP_SERVER:
            return next((s for s in b.list_mcp_servers([workspace]) if s.name == d.name), None)
        if kind is ObjectKind.APPROVAL_POLICY:
            return next((g for g in b.list_approval_policies([workspace]) if g.name == d.name), None)
        snapshot = b.snapshot(workspace)
        if kind is ObjectKind.END_USER:
            return next((e for e in snapshot.end_users if e.external_id == d.external_id), None)
        if kind is ObjectKind.ALIAS:
            return next((a for a in snapshot.aliases if a.alias == d.alias), None)
        return next((p for p in snapshot.partials
                     if p.name == d.name and p.alias == d.alias and p.action == d.action), None)

    # -- MCP servers and their tools -------------------------------------------------------------------------------

    def _update_mcp_server(self, server_id: str, d: DesiredMcpServer, live: LiveMcpServer | None) -> None:
        spec = self._mcp_server_spec(d)
        if live is None or (live.mode, live.auth_mode) != (spec.mode, spec.auth_mode) \
                or spec.description not in (None, live.description) \
                or spec.end_user_access not in (None, live.end_user_access):
            self.backend.update_mcp_server(server_id, spec)
        self._sync_tools(server_id, d, live.tools if live is not None else ())

    def _sync_tools(self, server_id: str, d: DesiredMcpServer, live_tools: tuple[LiveMcpTool, ...]) -> None:
        sync = tool_sync(d, live_tools, lambda alias, name: self._partial_id(d.workspace, alias, name))
        b = self.backend
        for tool in sync.deletes:
            try:
                b.delete_mcp_tool(server_id, tool.id)
            except ApiError as exc:
                if exc.status != 404:  # gone with its alias, or by an earlier run
                    raise
        for tool_id, spec in sync.updates:
            b.update_mcp_tool(server_id, tool_id, spec)
        for spec in sync.creates:
            b.create_mcp_tool(server_id, spec)

    def _partial_id(self, slug: str, alias: str, name: str) -> str:
        found = self.partials.get((slug, alias, name))
        if found is None:
            raise WeavzFlowError(f"partial '{name}' of alias '{alias}' does not exist in workspace '{slug}'; "
                                 "declare it under 'partials'")
        return found

    # -- specs ---------------------------------------------------------------------------------------------------

    def _workspace_id(self, slug: str) -> str:
        try:
            return self.workspaces[slug]
        except KeyError:
            raise WeavzFlowError(f"workspace '{slug}' does not exist on the backend; apply it first") from None

    @staticmethod
    def _workspace_spec(d: DesiredWorkspace) -> WorkspaceSpec:
        return WorkspaceSpec(d.slug, d.name)

    def _end_user_spec(self, d: DesiredEndUser) -> EndUserSpec:
        return EndUserSpec(self._workspace_id(d.workspace), d.external_id, d.display_name, d.email,
                           dict(d.metadata))

    def _connection_spec(self, d: DesiredConnection) -> ConnectionSpec:
        if d.credentials is None:
            raise WeavzFlowError(f"the credentials of connection '{d.external_id}' were not read")
        return ConnectionSpec(d.integration, d.external_id, d.type, d.credentials, d.display_name or d.external_id,
                              self._workspace_id(d.workspace), d.end_user, d.base_url)

    def _alias_spec(self, d: DesiredAlias) -> AliasSpec:
        connection_id = None
        if d.connection is not None:
            connection_id = self.connections.get((d.workspace, d.connection))
            if connection_id is None:  # an organization-wide connection the config only refers to
                connection_id = next((c.id for c in self.prior.connections
                                      if c.external_id == d.connection and c.integration == d.integration), None)
            if connection_id is None:
                raise WeavzFlowError(f"alias '{d.alias}' refers to connection '{d.connection}', which does not exist")
        return AliasSpec(self._workspace_id(d.workspace), d.alias, d.integration, d.strategy, connection_id,
                         d.enabled_actions, d.display_name, dict(d.settings))

    def _mcp_server_spec(self, d: DesiredMcpServer) -> McpServerSpec:
        return McpServerSpec(self._workspace_id(d.workspace), d.name, d.mode, d.auth_mode, d.description,
                             d.end_user_access)

    def _policy_spec(self, d: DesiredApprovalPolicy) -> ApprovalPolicySpec:
        return ApprovalPolicySpec(self._workspace_id(d.workspace), d.name, d.settings, d.webhook_secrets)

    def _partial_spec(self, d: DesiredPartial) -> PartialSpec:
        return PartialSpec(self._workspace_id(d.workspace), d.alias, d.integration, d.name,
                           self.aliases.get((d.workspace, d.alias)), d.action, d.description, dict(d.values),
                           d.enforced_keys, d.is_default)

