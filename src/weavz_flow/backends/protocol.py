"""The one protocol that plan, apply, import and the flow runner use to talk to live state.

Reads are bounded: ``list_workspaces`` and ``list_connections`` once each, then one ``snapshot`` per workspace (its
aliases, partials and end users). ``round_trips`` counts the backend calls actually made (HTTP requests for the remote
backend, store sessions for the local one) so benchmarks and tests can hold the bound.

Writes are per object kind. Creates are idempotent by natural key at the plan level: a create that meets a 409
DUPLICATE (an earlier apply was killed after the write) is resolved by re-reading and adopting the existing object.

Every method is synchronous; errors from the API are :class:`weavz_flow.errors.ApiError` with the Weavz code.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from weavz_flow.backends.approval_policies import ApprovalPolicySpec, LiveApprovalPolicy
from weavz_flow.backends.approvals import ApprovalView
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, ExecutePreview
from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LiveMcpServer,
    LiveMcpTool,
    LivePartial,
    LiveWorkspace,
    WorkspaceSnapshot,
)
from weavz_flow.backends.portal_links import PortalLink, PortalLinkRequest
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
from weavz_flow.backends.triggers import TriggerSourceItem
from weavz_flow.engine.idempotency import DEFAULT_LIMITS
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.vocabulary import ApprovalStatus

# The stale-claim bound of this package's engine (the one Weavz runs): what a backend reports unless it knows better.
DEFAULT_STALE_CLAIM_S = DEFAULT_LIMITS.stale_after_s


@dataclass(frozen=True, slots=True)
class BackendCapabilities:
    # False when stored credentials cannot be changed in place (hosted Weavz has no connection PATCH): the plan then
    # replaces the connection instead of updating it.
    connection_update: bool
    # True when LiveConnection.credential_fingerprint is filled; otherwise the plan keeps last-applied fingerprints
    # in a local state file.
    credential_fingerprints: bool
    # How long the engine behind this backend lets an execute hold its idempotency key before a later attempt of the
    # same call may take the claim over (the stale-claim bound): how long a step waits for an attempt of its own call
    # still in progress. A remote API does not say; the bound of this package's engine (the one Weavz runs) is used.
    stale_claim_after_s: float = DEFAULT_STALE_CLAIM_S


@runtime_checkable
class Backend(Protocol):
    @property
    def description(self) -> str:
        """Where this backend points, for messages ("local engine at sqlite:///...", "http://127.0.0.1:8000")."""
        ...

    @property
    def identity(self) -> str:
        """A stable key for this backend's state (database URL or API URL, never a secret)."""
        ...

    @property
    def capabilities(self) -> BackendCapabilities: ...

    @property
    def round_trips(self) -> int:
        """Backend calls made so far by this instance."""
        ...

    # --- reads ---------------------------------------------------------------------------------------------------
    def list_workspaces(self) -> list[LiveWorkspace]: ...

    def list_connections(self) -> list[LiveConnection]: ...

    def snapshot(self, workspace: LiveWorkspace) -> WorkspaceSnapshot: ...

    def snapshots(self, workspaces: Sequence[LiveWorkspace]) -> list[WorkspaceSnapshot]:
        """Snapshots of several workspaces, in the order given; a backend may batch them (the local one reads all
        workspaces in one query per object kind), else it makes one snapshot call per workspace."""
        ...

    def list_mcp_servers(self, workspaces: Sequence[LiveWorkspace]) -> list[LiveMcpServer]:
        """The MCP servers of these workspaces, each with its tools (the local backend: two queries in all; the
        remote one: one list per workspace and one read per server)."""
        ...

    def credential_fingerprint(self, credentials: Credentials) -> str | None:
        """The fingerprint this backend would store for ``credentials`` (comparable with
        LiveConnection.credential_fingerprint), or None when it cannot compute one. Makes no round trip."""
        ...

    def list_approval_policies(self, workspaces: Sequence[LiveWorkspace]) -> list[LiveApprovalPolicy]:
        """The approval policies of these workspaces (organization-wide ones are not a workspace's), in the
        backend's order; one read for all of them."""
        ...

    def webhook_secret_fingerprint(self, secret: Sensitive[str]) -> str | None:
        """What LiveApprovalPolicy.secret_fingerprints would hold for ``secret``, or None when this backend cannot
        say (the plan then compares with what apply last stored). Makes no round trip."""
        ...

    # --- writes --------------------------------------------------------------------------------------------------
    def create_workspace(self, spec: WorkspaceSpec) -> LiveWorkspace: ...

    def update_workspace(self, workspace_id: str, spec: WorkspaceSpec) -> LiveWorkspace: ...

    def delete_workspace(self, workspace_id: str) -> None: ...

    def create_connection(self, spec: ConnectionSpec) -> LiveConnection: ...

    def update_connection(self, connection_id: str, spec: ConnectionSpec) -> LiveConnection: ...

    def delete_connection(self, connection_id: str) -> None: ...

    def create_end_user(self, spec: EndUserSpec) -> LiveEndUser: ...

    def update_end_user(self, end_user_id: str, spec: EndUserSpec) -> LiveEndUser: ...

    def delete_end_user(self, end_user_id: str) -> None: ...

    def create_alias(self, spec: AliasSpec) -> LiveAlias: ...

    def update_alias(self, alias_id: str, spec: AliasSpec) -> LiveAlias: ...

    def delete_alias(self, workspace_id: str, alias_id: str) -> None: ...

    def create_partial(self, spec: PartialSpec) -> LivePartial: ...

    def update_partial(self, partial_id: str, spec: PartialSpec) -> LivePartial: ...

    def delete_partial(self, partial_id: str) -> None: ...

    def create_mcp_server(self, spec: McpServerSpec) -> LiveMcpServer:
        """The server without tools. A bearer the backend mints for a bearer mode is dropped here, never kept:
        ``mint_mcp_token`` makes one when asked."""
        ...

    def update_mcp_server(self, server_id: str, spec: McpServerSpec) -> LiveMcpServer: ...

    def delete_mcp_server(self, server_id: str) -> None: ...

    def create_mcp_tool(self, server_id: str, spec: McpToolSpec) -> LiveMcpTool: ...

    def update_mcp_tool(self, server_id: str, tool_id: str, spec: McpToolSpec) -> LiveMcpTool: ...

    def delete_mcp_tool(self, server_id: str, tool_id: str) -> None: ...

    def mint_mcp_token(self, server_id: str, spec: McpTokenSpec) -> MintedToken: ...

    def create_approval_policy(self, spec: ApprovalPolicySpec) -> LiveApprovalPolicy:
        """The new policy; a secret the backend generates for a webhook approver sent without one is dropped."""
        ...

    def update_approval_policy(self, policy_id: str, spec: ApprovalPolicySpec) -> LiveApprovalPolicy: ...

    def delete_approval_policy(self, policy_id: str) -> None: ...

    # --- execution -----------------------------------------------------------------------------------------------
    def execute(self, call: ExecuteCall) -> ExecuteOutcome: ...

    def preview(self, call: ExecuteCall) -> ExecutePreview:
        """The final merged input, enforced keys and connection the call would use; runs nothing (--dry-run)."""
        ...

    # --- approvals (human gates) ---------------------------------------------------------------------------------
    def list_approvals(self, workspace: str | None, status: ApprovalStatus | None, limit: int) -> list[ApprovalView]:
        """The most recent approval requests, newest first: of the workspace this slug names (None: every workspace
        the backend's key sees), in this status (None: any), at most ``limit`` (up to 200)."""
        ...

    def get_approval(self, approval_id: str) -> ApprovalView: ...

    def decide_approval(self, approval_id: str, action: str, reason: str | None = None) -> ApprovalView:
        """Approve, reject or cancel (``backends.approvals.DECISIONS``) a pending request; the record after it. The
        local engine decides as its operator (``decidedVia: cli``); a remote one as the API key (which needs
        ``permissions.approvals.decide`` and may not decide its own request)."""
        ...

    # --- triggers ------------------------------------------------------------------------------------------------
    def list_trigger_sources(self, workspace: str | None) -> list[TriggerSourceItem]:
        """The enabled trigger sources, oldest first: API sources and those deployed flows registered, of the
        workspace this slug names (None: every workspace the backend's key sees)."""
        ...

    def test_trigger(self, integration: str, trigger: str) -> dict[str, Any]:
        """The trigger's sample event data (``POST /api/v1/triggers/test``); 404 INTEGRATION_NOT_FOUND or
        TRIGGER_NOT_FOUND."""
        ...

    def replay_trigger_event(self, event_id: str) -> None:
        """Hand a stored event on again: a callback source delivers it again, a flow's starts another run."""
        ...

    # --- coordination --------------------------------------------------------------------------------------------
    def portal_link(self, request: PortalLinkRequest) -> PortalLink:
        """A new end-user portal link (``eut_``) for an end user named by workspace slug and externalId."""
        ...

    def lock(self, timeout_s: float = 30.0) -> AbstractContextManager[None]:
        """Serializes applies on this backend; raises LockHeldError after ``timeout_s`` (0 = do not wait)."""
        ...

    def close(self) -> None: ...

