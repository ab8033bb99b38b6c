"""The local backend: the embedded engine in this process, over its store (SQLite by default, or PostgreSQL).

Reads are batched: one query for the workspaces, one for the connections, and one per object kind for the
snapshots of all workspaces together. Applies are serialized by a file lock next to the project's state (and, on
PostgreSQL, by an advisory lock as well, so two machines sharing one database never interleave).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from weavz_flow.backends.approval_policies import ApprovalPolicySpec, LiveApprovalPolicy, approval_policy_of
from weavz_flow.backends.approvals import ApprovalView, checked_decision, views_of
from weavz_flow.backends.errors import LockHeldError
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, ExecutePreview, OutcomeStatus
from weavz_flow.backends.file_lock import file_lock
from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LiveMcpServer,
    LiveMcpTool,
    LivePartial,
    LiveWorkspace,
    WorkspaceSnapshot,
    alias_of,
    connection_of,
    end_user_of,
    mcp_server_of,
    mcp_tool_of,
    partial_of,
    workspace_of,
)
from weavz_flow.backends.portal_links import DEFAULT_PORTAL_BASE_URL, PortalLink, PortalLinkRequest
from weavz_flow.backends.protocol import BackendCapabilities
from weavz_flow.backends.specs import (
    AliasSpec,
    ConnectionSpec,
    EndUserSpec,
    McpServerSpec,
    McpTokenSpec,
    McpToolSpec,
    MintedToken,
    PartialSpec,
    WorkspaceSpec,
)
from weavz_flow.backends.triggers import TriggerSourceItem, items_of
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.applied_partial import enforced_by
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import KEY_FILE_NAME
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.engine.idempotency import DEFAULT_LIMITS, ExecuteLimits
from weavz_flow.engine.inputs import (
    ConnectionCreate,
    ConnectionUpdate,
    CredentialInput,
    EndUserCreate,
    EndUserUpdate,
    PartialCreate,
    PartialUpdate,
    WorkspaceCreate,
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationUpdate,
    WorkspaceUpdate,
)
from weavz_flow.engine.services.approvals import ListFilters, Via
from weavz_flow.engine.store import Store
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits
from weavz_flow.wire.approval_policies import ApprovalPolicy
from weavz_flow.wire.approvals import Approval, PendingApproval
from weavz_flow.wire.mcp import (
    McpServerCreate,
    McpServerUpdate,
    McpTokenCreate,
    McpToolCreate,
    McpToolUpdate,
)
from weavz_flow.wire.portal import portal_url
from weavz_flow.wire.triggers import TriggerSourceView
from weavz_flow.wire.vocabulary import ApprovalStatus

LOCAL_ORG_NAME = "local"  # the single tenant of an embedded engine
STATE_DB_FILE = "state.db"
LOCK_FILE = "apply.lock"
TRIGGER_PAGE = 100  # sources read per store session when listing them all


class LocalBackend:
    def __init__(
        self,
        state_dir: Path,
        database: str | None = None,
        *,
        catalog: Catalog | None = None,
        store: Store | None = None,
        limits: ExecuteLimits = DEFAULT_LIMITS,
        size_limits: SizeLimits = DEFAULT_SIZE_LIMITS,
    ) -> None:
        """``database`` is a SQLAlchemy URL or a SQLite path; None means WEAVZ_FLOW_DATABASE_URL, else
        ``<state_dir>/state.db``. The credential key is WEAVZ_FLOW_SECRET_KEY or ``<state_dir>/secret.key``."""
        self._state_dir = state_dir
        self._limits = limits
        self.store = store or Store.open(database, default_path=state_dir / STATE_DB_FILE)
        self.engine = Engine(self.store, catalog=catalog, key_file=state_dir / KEY_FILE_NAME, limits=limits,
                             size_limits=size_limits)
        self.workspaces = self.engine.workspaces
        self.aliases = self.engine.integrations
        self.connections = self.engine.connections
        self.end_users = self.engine.end_users
        self.partials = self.engine.partials
        self.mcp_servers = self.engine.mcp_servers
        self.approval_policies = self.engine.approval_policies
        self.org = self.engine.orgs.get_or_create(LOCAL_ORG_NAME)
        self.caller = Caller.system(self.org.id)
        self._round_trips = 0

    # -- identity -------------------------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        return f"local engine ({self.store.url.render_as_string(hide_password=True)})"

    @property
    def identity(self) -> str:
        return "local:" + self.store.url.render_as_string(hide_password=True)

    @property
    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(connection_update=True, credential_fingerprints=True,
                                   stale_claim_after_s=self._limits.stale_after_s)

    @property
    def round_trips(self) -> int:
        return self._round_trips

    def _trip(self) -> None:
        self._round_trips += 1

    # -- reads ----------------------------------------------------------------------------------------------------

    def list_workspaces(self) -> list[LiveWorkspace]:
        self._trip()
        return [workspace_of(w) for w in self.workspaces.list_all(self.caller)]

    def list_connections(self) -> list[LiveConnection]:
        self._trip()
        return [connection_of(c, c.credential_fingerprint) for c in self.connections.list_all(self.caller)]

    def snapshot(self, workspace: LiveWorkspace) -> WorkspaceSnapshot:
        return self.snapshots([workspace])[0]

    def snapshots(self, workspaces: Sequence[LiveWorkspace]) -> list[WorkspaceSnapshot]:
        if not workspaces:
            return []
        ids = [w.id for w in workspaces]
        self._trip()
        aliases = self.aliases.list_many(self.caller, ids)
        self._trip()
        partials = self.partials.list_many(self.caller, ids)
        self._trip()
        end_users = self.end_users.list_many(self.caller, ids)
        by_ws: dict[str, dict[str, list[Any]]] = {i: {"a": [], "p": [], "e": []} for i in ids}
        for a in aliases:
            by_ws[a.workspace_id]["a"].append(alias_of(a))
        for p in partials:
            by_ws[p.workspace_id]["p"].append(partial_of(p))
        for e in end_users:
            by_ws[e.workspace_id]["e"].append(end_user_of(e))
        return [WorkspaceSnapshot(w, tuple(by_ws[w.id]["a"]), tuple(by_ws[w.id]["p"]), tuple(by_ws[w.id]["e"]))
                for w in workspaces]

    def list_mcp_servers(self, workspaces: Sequence[LiveWorkspace]) -> list[LiveMcpServer]:
        self._trip()
        servers = self.mcp_servers.list_many(self.caller, [w.id for w in workspaces])
        if not servers:
            return []
        self._trip()
        tools = self.mcp_servers.tools_many(self.caller, [s.id for s in servers])
        return [mcp_server_of(s, tools.get(s.id, ())) for s in servers]

    def credential_fingerprint(self, credentials: Credentials) -> str | None:
        return self.connections.fingerprint(credentials.type, _credential_input(credentials))

    def list_approval_policies(self, workspaces: Sequence[LiveWorkspace]) -> list[LiveApprovalPolicy]:
        ids = {w.id for w in workspaces}
        self._trip()
        policies = [p for p in self.approval_policies.list_all(self.caller) if p.workspace_id in ids]
        if not policies:
            return []
        self._trip()
        fingerprints = self.approval_policies.secret_fingerprints(self.caller, [p.id for p in policies])
        return [approval_policy_of(p, fingerprints.get(p.id, ())) for p in policies]

    def webhook_secret_fingerprint(self, secret: Sensitive[str]) -> str | None:
        return self.approval_policies.secret_fingerprint(secret.reveal())

    # -- writes ---------------------------------------------------------------------------------------------------

    def create_workspace(self, spec: WorkspaceSpec) -> LiveWorkspace:
        self._trip()
        return workspace_of(self.workspaces.create(self.caller, WorkspaceCreate(name=spec.name, slug=spec.slug)))

    def update_workspace(self, workspace_id: str, spec: WorkspaceSpec) -> LiveWorkspace:
        self._trip()
        request = WorkspaceUpdate(name=spec.name, slug=spec.slug)
        return workspace_of(self.workspaces.update(self.caller, workspace_id, request))

    def delete_workspace(self, workspace_id: str) -> None:
        self._trip()
        self.workspaces.delete(self.caller, workspace_id)

    def create_connection(self, spec: ConnectionSpec) -> LiveConnection:
        self._trip()
        fields = _credential_fields(spec.credentials)
        scope = "USER" if spec.end_user else ("WORKSPACE" if spec.workspace_id else None)
        request = ConnectionCreate(
            type=spec.type, external_id=spec.external_id, display_name=spec.display_name or spec.external_id,
            integration_name=spec.integration, workspace_id=spec.workspace_id, end_user_id=spec.end_user,
            scope=scope, base_url=spec.base_url, **fields,
        )
        created = self.connections.create(self.caller, request)
        return connection_of(created, created.credential_fingerprint)

    def update_connection(self, connection_id: str, spec: ConnectionSpec) -> LiveConnection:
        self._trip()
        fields: dict[str, Any] = {"base_url": spec.base_url, **_credential_fields(spec.credentials)}
        if spec.display_name is not None:
            fields["display_name"] = spec.display_name
        updated = self.connections.update(self.caller, connection_id, ConnectionUpdate(**fields))
        return connection_of(updated, updated.credential_fingerprint)

    def delete_connection(self, connection_id: str) -> None:
        self._trip()
        self.connections.delete(self.caller, connection_id)

    def create_end_user(self, spec: EndUserSpec) -> LiveEndUser:
        self._trip()
        request = EndUserCreate(workspace_id=spec.workspace_id, external_id=spec.external_id,
                                display_name=spec.display_name, email=spec.email, metadata=dict(spec.metadata))
        return end_user_of(self.end_users.create(self.caller, request))

    def update_end_user(self, end_user_id: str, spec: EndUserSpec) -> LiveEndUser:
        self._trip()
        fields: dict[str, Any] = {"metadata": dict(spec.metadata)}
        if spec.display_name is not None:
            fields["display_name"] = spec.display_name
        if spec.email is not None:
            fields["email"] = spec.email
        return end_user_of(self.end_users.update(self.caller, end_user_id, EndUserUpdate(**fields)))

    def delete_end_user(self, end_user_id: str) -> None:
        self._trip()
        self.end_users.delete(self.caller, end_user_id)

    def create_alias(self, spec: AliasSpec) -> LiveAlias:
        self._trip()
        request = WorkspaceIntegrationCreate(
            integration_name=spec.integration, alias=spec.alias, connection_strategy=spec.strategy,
            connection_id=spec.connection_id,
            enabled_actions=list(spec.enabled_actions) if spec.enabled_actions is not None else None,
            display_name=spec.display_name, settings=dict(spec.settings),
        )
        return alias_of(self.aliases.create(self.caller, spec.workspace_id, request))

    def update_alias(self, alias_id: str, spec: AliasSpec) -> LiveAlias:
        self._trip()
        fields: dict[str, Any] = {
            "connection_strategy": spec.strategy, "connection_id": spec.connection_id,
            "enabled_actions": list(spec.enabled_actions) if spec.enabled_actions is not None else None,
            "settings": dict(spec.settings),
        }
        if spec.display_name is not None:
            fields["display_name"] = spec.display_name
        return alias_of(self.aliases.update(self.caller, spec.workspace_id, alias_id,
                                          WorkspaceIntegrationUpdate(**fields)))

    def delete_alias(self, workspace_id: str, alias_id: str) -> None:
        self._trip()
        self.aliases.delete(self.caller, workspace_id, alias_id)

    def create_partial(self, spec: PartialSpec) -> LivePartial:
        self._trip()
        request = PartialCreate(
            workspace_id=spec.workspace_id, integration_name=spec.integration, name=spec.name,
            workspace_integration_id=spec.alias_id, integration_alias=spec.alias, action_name=spec.action,
            description=spec.description, values=dict(spec.values), enforced_keys=list(spec.enforced_keys),
            is_default=spec.is_default,
        )
        return partial_of(self.partials.create(self.caller, request))

    def update_partial(self, partial_id: str, spec: PartialSpec) -> LivePartial:
        self._trip()
        fields: dict[str, Any] = {"values": dict(spec.values), "enforced_keys": list(spec.enforced_keys),
                                  "is_default": spec.is_default}
        if spec.description is not None:
            fields["description"] = spec.description
        return partial_of(self.partials.update(self.caller, partial_id, PartialUpdate(**fields)))

    def delete_partial(self, partial_id: str) -> None:
        self._trip()
        self.partials.delete(self.caller, partial_id)

    def create_mcp_server(self, spec: McpServerSpec) -> LiveMcpServer:
        self._trip()
        request = McpServerCreate(workspace_id=spec.workspace_id, **spec.request_fields())
        server, _bearer = self.mcp_servers.create(self.caller, request)  # the bearer is dropped: none is kept
        return mcp_server_of(server)

    def update_mcp_server(self, server_id: str, spec: McpServerSpec) -> LiveMcpServer:
        self._trip()
        return mcp_server_of(self.mcp_servers.update(self.caller, server_id,
                                                     McpServerUpdate(**spec.request_fields())))

    def delete_mcp_server(self, server_id: str) -> None:
        self._trip()
        self.mcp_servers.delete(self.caller, server_id)

    def create_mcp_tool(self, server_id: str, spec: McpToolSpec) -> LiveMcpTool:
        self._trip()
        request = McpToolCreate(integration_name=spec.integration, action_name=spec.action, **spec.request_fields())
        return mcp_tool_of(self.mcp_servers.add_tool(self.caller, server_id, request))

    def update_mcp_tool(self, server_id: str, tool_id: str, spec: McpToolSpec) -> LiveMcpTool:
        self._trip()
        request = McpToolUpdate(**spec.request_fields())
        return mcp_tool_of(self.mcp_servers.update_tool(self.caller, server_id, tool_id, request))

    def delete_mcp_tool(self, server_id: str, tool_id: str) -> None:
        self._trip()
        self.mcp_servers.delete_tool(self.caller, server_id, tool_id)

    def mint_mcp_token(self, server_id: str, spec: McpTokenSpec) -> MintedToken:
        self._trip()
        if spec.end_user is None:
            return MintedToken(Sensitive(self.mcp_servers.regenerate_bearer(self.caller, server_id)), "bearer")
        fields: dict[str, Any] = {"end_user_id": spec.end_user}
        if spec.expires_in_s is not None:
            fields["expires_in"] = spec.expires_in_s
        plain, info = self.mcp_servers.mint_token(self.caller, server_id, McpTokenCreate(**fields), oauth=spec.oauth)
        return MintedToken(Sensitive(plain), "oauth" if spec.oauth else "access", info.expires_at, spec.end_user)

    def create_approval_policy(self, spec: ApprovalPolicySpec) -> LiveApprovalPolicy:
        self._trip()
        return self._with_fingerprints(self.approval_policies.create(self.caller, spec.create_request()))

    def update_approval_policy(self, policy_id: str, spec: ApprovalPolicySpec) -> LiveApprovalPolicy:
        self._trip()
        return self._with_fingerprints(self.approval_policies.update(self.caller, policy_id, spec.update_request()))

    def delete_approval_policy(self, policy_id: str) -> None:
        self._trip()
        self.approval_policies.delete(self.caller, policy_id)

    def _with_fingerprints(self, policy: ApprovalPolicy) -> LiveApprovalPolicy:
        """The policy as listed (a generated secret in the answer is dropped unread: weavz-flow keeps none)."""
        found = self.approval_policies.secret_fingerprints(self.caller, [policy.id])
        return approval_policy_of(policy, found.get(policy.id, ()))

    # -- execution ------------------------------------------------------------------------------------------------

    def execute(self, call: ExecuteCall) -> ExecuteOutcome:
        request = self._execute_request(call)
        self._trip()
        try:
            result = self.engine.execute(request, self.caller)
        except ApprovalRequiredError as pending:  # as a remote backend reads the 202
            approval = PendingApproval.of_approval(pending.approval, pending.idempotency_key)
            return ExecuteOutcome(OutcomeStatus.APPROVAL_REQUIRED, approval=approval.model_dump(mode="json",
                                                                                                exclude_none=True))
        return ExecuteOutcome(OutcomeStatus.SUCCEEDED, result.output, result.duration_ms, partials=result.partials)

    def preview(self, call: ExecuteCall) -> ExecutePreview:
        request = self._execute_request(call)
        self._trip()
        resolved = self.engine.resolve_input(request, self.caller)
        conn = resolved.connection
        return ExecutePreview(
            workspace=call.workspace, integration=resolved.integration_name, action=resolved.action_name,
            alias=resolved.integration_alias, final_input=dict(resolved.input),
            enforced_keys=tuple(resolved.enforced_keys), partials=resolved.partials,
            connection_external_id=conn.external_id if conn else None, connection_id=conn.id if conn else None,
            end_user=call.end_user, enforced_by=enforced_by(resolved.sources, resolved.partials),
            overridden_keys=tuple(resolved.overridden_keys),
        )

    def _execute_request(self, call: ExecuteCall) -> ExecuteRequest:
        self._trip()
        workspace = self.workspaces.get_by_slug(self.caller, call.workspace)
        return ExecuteRequest.model_validate(call.fields(workspace.id))

    # -- end-user portal ------------------------------------------------------------------------------------------

    def portal_link(self, request: PortalLinkRequest) -> PortalLink:
        self._trip()
        workspace = self.workspaces.get_by_slug(self.caller, request.workspace)
        end_user = self.end_users.get_by_external_id(self.caller, workspace.id, request.end_user)
        issued = self.engine.portal_tokens.issue(self.caller, end_user.id, integration_name=request.integration,
                                                 expires_in=request.expires_in_s)
        url = portal_url(request.base_url or DEFAULT_PORTAL_BASE_URL, issued.plain.reveal())
        return PortalLink(Sensitive(url), issued.token.expires_at)

    # -- approvals ------------------------------------------------------------------------------------------------

    def list_approvals(self, workspace: str | None, status: ApprovalStatus | None, limit: int) -> list[ApprovalView]:
        self._trip()
        workspace_id = self.workspaces.get_by_slug(self.caller, workspace).id if workspace is not None else None
        listed = self.engine.approvals.list(self.caller, ListFilters(workspace_id=workspace_id, status=status,
                                                                     limit=limit))
        return self._views(listed.approvals)

    def get_approval(self, approval_id: str) -> ApprovalView:
        self._trip()
        return self._views([self.engine.approvals.get(self.caller, approval_id)])[0]

    def decide_approval(self, approval_id: str, action: str, reason: str | None = None) -> ApprovalView:
        self._trip()
        decided, _receipt = self.engine.approvals.decide(self.caller, approval_id, checked_decision(action),
                                                         reason=reason, via=Via.CLI)
        return self._views([decided])[0]

    def _views(self, approvals: list[Approval]) -> list[ApprovalView]:
        if not approvals:
            return []
        return views_of(approvals, self._slugs().get)

    def _slugs(self) -> dict[str, str]:
        """Workspace id -> slug."""
        return {w.id: w.slug for w in self.workspaces.list_all(self.caller)}

    # -- triggers -------------------------------------------------------------------------------------------------

    def list_trigger_sources(self, workspace: str | None) -> list[TriggerSourceItem]:
        self._trip()
        workspace_id = self.workspaces.get_by_slug(self.caller, workspace).id if workspace is not None else None
        sources: list[TriggerSourceView] = []
        while True:
            page, total = self.engine.triggers.list(self.caller, workspace_id, TRIGGER_PAGE, len(sources))
            sources += page
            if not page or len(sources) >= total:
                break
        return items_of(sources, self._slugs().get) if sources else []

    def test_trigger(self, integration: str, trigger: str) -> dict[str, Any]:
        self._trip()
        return self.engine.triggers.sample(integration, trigger)

    def replay_trigger_event(self, event_id: str) -> None:
        self._trip()
        self.engine.triggers.replay(self.caller, event_id)

    # -- coordination ---------------------------------------------------------------------------------------------

    @contextmanager
    def lock(self, timeout_s: float = 30.0) -> Iterator[None]:
        where = self.description
        key = hashlib.sha256(self.identity.encode("utf-8")).hexdigest()[:16]
        if self.store.sqlite_path is not None:
            path = self.store.sqlite_path.parent / f"{self.store.sqlite_path.name}.{LOCK_FILE}"
        else:
            path = self._state_dir / f"{key}.{LOCK_FILE}"
        with file_lock(path, timeout_s, where):
            if self.store.dialect == "postgresql":
                with _advisory_lock(self.store.engine, int(key, 16) & 0x7FFF_FFFF_FFFF_FFFF, timeout_s, where):
                    yield
            else:
                yield

    def close(self) -> None:
        self.engine.close()


@contextmanager
def _advisory_lock(engine: sa.Engine, key: int, timeout_s: float, where: str) -> Iterator[None]:
    """A session-level PostgreSQL advisory lock, held on one connection for the whole apply."""
    with engine.connect() as conn:
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one():
            conn.commit()
            if time.monotonic() >= deadline:
                raise LockHeldError(where, timeout_s)
            time.sleep(0.1)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


# --- conversions -----------------------------------------------------------------------------------------------------


def _credential_fields(creds: Credentials) -> dict[str, Any]:
    def secret(value: Any) -> SecretStr | None:
        return SecretStr(value.reveal()) if value is not None else None

    fields: dict[str, Any] = {
        "secret_text": secret(creds.secret_text), "username": creds.username, "password": secret(creds.password),
        "props": creds.props.reveal() if creds.props is not None else None,
        "access_token": secret(creds.access_token), "refresh_token": secret(creds.refresh_token),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _credential_input(creds: Credentials) -> CredentialInput:
    return CredentialInput(**_credential_fields(creds))

