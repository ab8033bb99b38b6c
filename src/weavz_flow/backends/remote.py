"""The remote backend: any Weavz-compatible API over HTTP (``weavz-flow serve`` or hosted Weavz), with httpx.

The wire format is weavz_flow.wire's: requests are its models' bodies, answers are read with its models. Error
bodies ``{error, code, details}`` come back as ApiError with the same code and status. Reads: workspaces and
connections once each (paged by 100), then three GETs per workspace (its integrations, partials and end users),
since the Weavz API has no combined call; a plan adds one for its MCP servers and one per server (its tools).
Hosted Weavz cannot update a stored credential or report credential fingerprints, so the plan replaces a
connection whose secret changed and keeps fingerprints in the state it keeps on the backend itself (kv_state.py).
Concurrent applies, from any machine, are serialized by a lock in that same state (kv_lock.py). The reserved state
alias, and the reserved state workspace, are never listed.

A workspace's id is looked up by slug once per backend instance (one paged list), not on every execute; a 404 for
that id drops it and reads the list again once. The API has no dry-run endpoint: :meth:`RemoteBackend.preview`
rebuilds the engine's steps client-side (backends/remote_preview.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr

from weavz_flow.backends.approval_policies import ApprovalPolicySpec, LiveApprovalPolicy, approval_policy_of
from weavz_flow.backends.approvals import ApprovalView, checked_decision, views_of
from weavz_flow.backends.errors import BackendUnavailableError
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, ExecutePreview, OutcomeStatus
from weavz_flow.backends.kv_lock import kv_lock
from weavz_flow.backends.kv_state import STATE_ALIAS, STATE_WORKSPACE, StateChannel
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
from weavz_flow.backends.portal_links import PortalLink, PortalLinkRequest
from weavz_flow.backends.protocol import BackendCapabilities
from weavz_flow.backends.remote_preview import RemotePreview, names_workspace
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
from weavz_flow.errors import ApiError, ErrorCode, WeavzFlowError
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.actions import (
    PROVIDER_RETRIES_HEADER,
    REDACT_HEADER,
    ExecuteRequest,
    ExecuteResult,
    RedactHeaderError,
    encode_redactions,
)
from weavz_flow.wire.approval_policies import ApprovalPolicyEnvelope, ApprovalPolicyList
from weavz_flow.wire.approvals import (
    Approval,
    ApprovalDecided,
    ApprovalDecisionRequest,
    ApprovalEnvelope,
    ApprovalList,
)
from weavz_flow.wire.base import Listing, WireRequest
from weavz_flow.wire.connections import (
    ConnectionCreate,
    ConnectionEnvelope,
    ConnectionList,
    ConnectionUpdate,
)
from weavz_flow.wire.end_users import EndUserCreate, EndUserEnvelope, EndUserList, EndUserUpdate
from weavz_flow.wire.mcp import (
    McpAccessTokenAnswer,
    McpBearerAnswer,
    McpOAuthTokenAnswer,
    McpServerCreate,
    McpServerCreated,
    McpServerDetail,
    McpServerEnvelope,
    McpServerList,
    McpServerUpdate,
    McpTokenCreate,
    McpToolCreate,
    McpToolEnvelope,
    McpToolUpdate,
)
from weavz_flow.wire.partials import PartialCreate, PartialEnvelope, PartialList, PartialUpdate
from weavz_flow.wire.portal import PortalLink as WirePortalLink
from weavz_flow.wire.portal import PortalTokenCreate
from weavz_flow.wire.triggers import ReplayedEvent, TestTriggerRequest, TriggerSample, TriggerSourceList
from weavz_flow.wire.vocabulary import ApprovalStatus, ConnectionScope, ConnectionType, Strategy
from weavz_flow.wire.workspace_integrations import (
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationEnvelope,
    WorkspaceIntegrationList,
    WorkspaceIntegrationUpdate,
)
from weavz_flow.wire.workspaces import WorkspaceCreate, WorkspaceEnvelope, WorkspaceList, WorkspaceUpdate

API_URL_ENV = "WEAVZ_API_URL"
MCP_SERVERS = "/api/v1/mcp/servers"
APPROVAL_POLICIES = "/api/v1/approval-policies"
APPROVALS = "/api/v1/approvals"
TRIGGERS = "/api/v1/triggers"
API_KEY_ENV = "WEAVZ_API_KEY"
_PAGE = 100
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Item = TypeVar("Item")


class RemoteBackend:
    def __init__(
        self,
        api_url: str,
        api_key: Sensitive[str],
        *,
        timeout_s: float = 310.0,
        lock_dir: Path | None = None,
        connection_update: bool = False,
        state_workspace: str = STATE_WORKSPACE,
        transport: httpx.BaseTransport | None = None,
        catalog: Catalog | Callable[[], Catalog] | None = None,
    ) -> None:
        """``catalog`` (or a loader, called on the first dry run) gives action defaults and which integrations need
        a connection to :meth:`preview`; without it the preview says what it could not know. ``state_workspace``
        holds weavz-flow's own state and lock (``lock_dir`` is no longer used: the lock lives with the backend)."""
        self._url = api_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self._url, timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {api_key.reveal()}"},
        )
        self._api_key = api_key
        self._state = StateChannel(self, state_workspace)
        # The reserved workspace is weavz-flow's, not the project's: hidden. A project workspace named as the state
        # workspace (a scoped key's) stays listed; only the reserved alias in it is hidden.
        self._hidden_workspace = state_workspace if state_workspace == STATE_WORKSPACE else None
        self._connection_update = connection_update
        self._round_trips = 0
        self._catalog_source = catalog
        self._workspace_ids: dict[str, LiveWorkspace] = {}  # slug -> workspace, for this instance's lifetime

    @property
    def description(self) -> str:
        return self._url

    @property
    def identity(self) -> str:
        return "remote:" + self._url

    @property
    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(connection_update=self._connection_update, credential_fingerprints=False)

    @property
    def round_trips(self) -> int:
        return self._round_trips

    # -- transport ------------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                 json: dict[str, Any] | WireRequest | None = None) -> Any:
        self._round_trips += 1
        body = json.body() if isinstance(json, WireRequest) else json
        try:
            response = self._client.request(method, path, params=params, json=body)
        except httpx.HTTPError as exc:
            raise BackendUnavailableError(f"cannot reach {self._url}: {type(exc).__name__}") from None
        if response.is_success:
            return response.json() if response.content else None
        raise _api_error(response)

    def _send(self, model: type[M], method: str, path: str, *, params: dict[str, Any] | None = None,
              json: WireRequest | None = None) -> M:
        """One request whose answer ``model`` reads."""
        return model.model_validate(self._request(method, path, params=params, json=json))

    def _pages(self, path: str, model: type[Listing[Item]], params: dict[str, Any] | None = None) -> list[Item]:
        """Every item of a paged list, each page read with ``model``."""
        items: list[Item] = []
        offset = 0
        while True:
            body = model.model_validate(self._request("GET", path, params={**(params or {}), "limit": _PAGE,
                                                                           "offset": offset}))
            page = body.items
            items.extend(page)
            offset += len(page)
            if not page or len(page) < _PAGE or offset >= body.total:
                return items

    # -- reads ----------------------------------------------------------------------------------------------------

    def list_workspaces(self) -> list[LiveWorkspace]:
        return [w for w in self.all_workspaces() if w.slug != self._hidden_workspace]

    def all_workspaces(self) -> list[LiveWorkspace]:
        """Every workspace, the reserved state workspace included."""
        found = [workspace_of(w) for w in self._pages("/api/v1/workspaces", WorkspaceList)]
        self._workspace_ids = {w.slug: w for w in found}
        return found

    def list_connections(self) -> list[LiveConnection]:
        # A server may echo its own credentialFingerprint, but under a key we do not hold: it is not comparable.
        return [connection_of(c, None) for c in self._pages("/api/v1/connections", ConnectionList)]

    def snapshot(self, workspace: LiveWorkspace) -> WorkspaceSnapshot:
        aliases = self._send(WorkspaceIntegrationList, "GET", f"/api/v1/workspaces/{workspace.id}/integrations")
        partials = self._send(PartialList, "GET", "/api/v1/partials", params={"workspaceId": workspace.id})
        users = self._pages("/api/v1/end-users", EndUserList, {"workspaceId": workspace.id})
        return WorkspaceSnapshot(workspace, tuple(alias_of(a) for a in aliases.items if a.alias != STATE_ALIAS),
                                 tuple(partial_of(p) for p in partials.items if p.integration_alias != STATE_ALIAS),
                                 tuple(end_user_of(e) for e in users))

    def snapshots(self, workspaces: Sequence[LiveWorkspace]) -> list[WorkspaceSnapshot]:
        return [self.snapshot(w) for w in workspaces]

    def list_mcp_servers(self, workspaces: Sequence[LiveWorkspace]) -> list[LiveMcpServer]:
        """One list per workspace, then each server read for its tools (the list does not carry them). An API
        without MCP servers (no route for the list: an older ``weavz-flow serve``) has none."""
        out: list[LiveMcpServer] = []
        for w in workspaces:
            try:
                servers = self._pages(MCP_SERVERS, McpServerList, {"workspaceId": w.id, "includeSuspended": "true"})
            except ApiError as exc:
                if exc.status == 404 and exc.message.startswith("No route"):  # serve's answer for an unknown path
                    return []
                raise
            for server in servers:
                detail = self._send(McpServerDetail, "GET", f"{MCP_SERVERS}/{server.id}")
                out.append(mcp_server_of(detail.server, detail.tools))
        return out

    def credential_fingerprint(self, credentials: Credentials) -> str | None:
        return None

    def list_approval_policies(self, workspaces: Sequence[LiveWorkspace]) -> list[LiveApprovalPolicy]:
        """One unpaged GET (the API pages no policy list: weavz-sdk-wire.md, the paging table), kept to these
        workspaces. An API without approval policies (an older ``weavz-flow serve``) has none."""
        ids = {w.id for w in workspaces}
        if not ids:
            return []
        try:
            found = self._send(ApprovalPolicyList, "GET", APPROVAL_POLICIES)
        except ApiError as exc:
            if exc.status == 404 and exc.message.startswith("No route"):
                return []
            raise
        return [approval_policy_of(p) for p in found.policies if p.workspace_id in ids]

    def webhook_secret_fingerprint(self, secret: Sensitive[str]) -> str | None:
        return None

    # -- writes ---------------------------------------------------------------------------------------------------

    def create_workspace(self, spec: WorkspaceSpec) -> LiveWorkspace:
        body = WorkspaceCreate.model_construct(name=spec.name, slug=spec.slug)
        created = workspace_of(self._send(WorkspaceEnvelope, "POST", "/api/v1/workspaces", json=body).workspace)
        self._workspace_ids[created.slug] = created
        return created

    def update_workspace(self, workspace_id: str, spec: WorkspaceSpec) -> LiveWorkspace:
        body = WorkspaceUpdate.model_construct(name=spec.name)
        return workspace_of(self._send(WorkspaceEnvelope, "PATCH", f"/api/v1/workspaces/{workspace_id}",
                                     json=body).workspace)

    def delete_workspace(self, workspace_id: str) -> None:
        self._request("DELETE", f"/api/v1/workspaces/{workspace_id}")
        self._workspace_ids = {k: w for k, w in self._workspace_ids.items() if w.id != workspace_id}

    def create_connection(self, spec: ConnectionSpec) -> LiveConnection:
        scope = None if spec.workspace_id is None else \
            ConnectionScope.USER if spec.end_user else ConnectionScope.WORKSPACE
        body = ConnectionCreate.model_construct(
            type=ConnectionType(spec.type), external_id=spec.external_id,
            display_name=spec.display_name or spec.external_id, integration_name=spec.integration,
            workspace_id=spec.workspace_id, scope=scope, end_user_id=spec.end_user, base_url=spec.base_url,
            **_credential_fields(spec.credentials),
        )
        return connection_of(self._send(ConnectionEnvelope, "POST", "/api/v1/connections", json=body).connection, None)

    def update_connection(self, connection_id: str, spec: ConnectionSpec) -> LiveConnection:
        # Not in the Weavz API, and weavz-flow serve answers 405 too: only for a server that has it, and only called
        # when constructed with connection_update=True (the default False makes the plan replace instead). baseUrl
        # is always sent (null clears it).
        body = ConnectionUpdate.model_construct(base_url=spec.base_url, **_credential_fields(spec.credentials),
                                                **_given(display_name=spec.display_name))
        answer = self._request("PATCH", f"/api/v1/connections/{connection_id}", json=body.patch_body())
        return connection_of(ConnectionEnvelope.model_validate(answer).connection, None)

    def delete_connection(self, connection_id: str) -> None:
        self._request("DELETE", f"/api/v1/connections/{connection_id}")

    def create_end_user(self, spec: EndUserSpec) -> LiveEndUser:
        body = EndUserCreate.model_construct(workspace_id=spec.workspace_id, external_id=spec.external_id,
                                             **_end_user_fields(spec))
        return end_user_of(self._send(EndUserEnvelope, "POST", "/api/v1/end-users", json=body).end_user)

    def update_end_user(self, end_user_id: str, spec: EndUserSpec) -> LiveEndUser:
        body = EndUserUpdate.model_construct(**_end_user_fields(spec))
        return end_user_of(self._send(EndUserEnvelope, "PATCH", f"/api/v1/end-users/{end_user_id}", json=body).end_user)

    def delete_end_user(self, end_user_id: str) -> None:
        self._request("DELETE", f"/api/v1/end-users/{end_user_id}")

    def create_alias(self, spec: AliasSpec) -> LiveAlias:
        body = WorkspaceIntegrationCreate.model_construct(integration_name=spec.integration, alias=spec.alias,
                                                          **_alias_fields(spec))
        path = f"/api/v1/workspaces/{spec.workspace_id}/integrations"
        return alias_of(self._send(WorkspaceIntegrationEnvelope, "POST", path, json=body).integration)

    def update_alias(self, alias_id: str, spec: AliasSpec) -> LiveAlias:
        # A null connectionId unpins the connection; a null enabledActions enables every action.
        path = f"/api/v1/workspaces/{spec.workspace_id}/integrations/{alias_id}"
        body = WorkspaceIntegrationUpdate.model_construct(**_alias_fields(spec)).patch_body()
        answer = self._request("PATCH", path, json=body)
        return alias_of(WorkspaceIntegrationEnvelope.model_validate(answer).integration)

    def delete_alias(self, workspace_id: str, alias_id: str) -> None:
        self._request("DELETE", f"/api/v1/workspaces/{workspace_id}/integrations/{alias_id}")

    def create_partial(self, spec: PartialSpec) -> LivePartial:
        body = PartialCreate.model_construct(
            workspace_id=spec.workspace_id, integration_name=spec.integration, name=spec.name,
            workspace_integration_id=spec.alias_id, integration_alias=spec.alias, action_name=spec.action,
            **_partial_fields(spec),
        )
        return partial_of(self._send(PartialEnvelope, "POST", "/api/v1/partials", json=body).partial)

    def update_partial(self, partial_id: str, spec: PartialSpec) -> LivePartial:
        body = PartialUpdate.model_construct(**_partial_fields(spec))
        return partial_of(self._send(PartialEnvelope, "PATCH", f"/api/v1/partials/{partial_id}", json=body).partial)

    def delete_partial(self, partial_id: str) -> None:
        self._request("DELETE", f"/api/v1/partials/{partial_id}")

    def create_mcp_server(self, spec: McpServerSpec) -> LiveMcpServer:
        body = McpServerCreate.model_construct(workspace_id=spec.workspace_id, **spec.request_fields())
        # The answer's bearerToken (bearer modes) is dropped unread: weavz-flow keeps no token.
        return mcp_server_of(self._send(McpServerCreated, "POST", MCP_SERVERS, json=body).server)

    def update_mcp_server(self, server_id: str, spec: McpServerSpec) -> LiveMcpServer:
        body = McpServerUpdate.model_construct(**spec.request_fields()).patch_body()
        answer = self._request("PATCH", f"{MCP_SERVERS}/{server_id}", json=body)
        return mcp_server_of(McpServerEnvelope.model_validate(answer).server)

    def delete_mcp_server(self, server_id: str) -> None:
        self._request("DELETE", f"{MCP_SERVERS}/{server_id}")

    def create_mcp_tool(self, server_id: str, spec: McpToolSpec) -> LiveMcpTool:
        body = McpToolCreate.model_construct(integration_name=spec.integration, action_name=spec.action,
                                             **spec.request_fields())
        return mcp_tool_of(self._send(McpToolEnvelope, "POST", f"{MCP_SERVERS}/{server_id}/tools", json=body).tool)

    def update_mcp_tool(self, server_id: str, tool_id: str, spec: McpToolSpec) -> LiveMcpTool:
        body = McpToolUpdate.model_construct(**spec.request_fields()).patch_body()
        answer = self._request("PATCH", f"{MCP_SERVERS}/{server_id}/tools/{tool_id}", json=body)
        return mcp_tool_of(McpToolEnvelope.model_validate(answer).tool)

    def delete_mcp_tool(self, server_id: str, tool_id: str) -> None:
        self._request("DELETE", f"{MCP_SERVERS}/{server_id}/tools/{tool_id}")

    def mint_mcp_token(self, server_id: str, spec: McpTokenSpec) -> MintedToken:
        path = f"{MCP_SERVERS}/{server_id}"
        if spec.end_user is None:
            bearer = self._send(McpBearerAnswer, "POST", f"{path}/regenerate-token")
            return MintedToken(Sensitive(bearer.bearer_token), "bearer")
        body = McpTokenCreate.model_construct(end_user_id=spec.end_user, **_given(expires_in=spec.expires_in_s))
        if spec.oauth:
            oauth = self._send(McpOAuthTokenAnswer, "POST", f"{path}/oauth-tokens", json=body)
            return MintedToken(Sensitive(oauth.access_token), "oauth", oauth.token.expires_at, spec.end_user)
        access = self._send(McpAccessTokenAnswer, "POST", f"{path}/access-tokens", json=body)
        return MintedToken(Sensitive(access.access_token), "access", access.token.expires_at, spec.end_user)

    def create_approval_policy(self, spec: ApprovalPolicySpec) -> LiveApprovalPolicy:
        # A webhook secret the server generated is in this answer only; it is dropped unread.
        answer = self._send(ApprovalPolicyEnvelope, "POST", APPROVAL_POLICIES, json=spec.create_request())
        return approval_policy_of(answer.policy)

    def update_approval_policy(self, policy_id: str, spec: ApprovalPolicySpec) -> LiveApprovalPolicy:
        answer = self._request("PATCH", f"{APPROVAL_POLICIES}/{policy_id}", json=spec.update_request().patch_body())
        return approval_policy_of(ApprovalPolicyEnvelope.model_validate(answer).policy)

    def delete_approval_policy(self, policy_id: str) -> None:
        self._request("DELETE", f"{APPROVAL_POLICIES}/{policy_id}")

    # -- execution ------------------------------------------------------------------------------------------------

    def execute(self, call: ExecuteCall) -> ExecuteOutcome:
        return self._in_workspace(call.workspace, lambda workspace: self._execute(workspace, call))

    def _execute(self, workspace: LiveWorkspace, call: ExecuteCall) -> ExecuteOutcome:
        # Built, not validated: the server checks the request and answers as it does any client.
        body = ExecuteRequest.model_construct(**call.fields(workspace.id)).body()
        headers = _redact_header(call.redact)
        if not call.provider_retries:
            headers[PROVIDER_RETRIES_HEADER] = "0"
        self._round_trips += 1
        try:
            response = self._client.post("/api/v1/actions/execute", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise BackendUnavailableError(f"cannot reach {self._url}: {type(exc).__name__}") from None
        if not response.is_success:
            raise _api_error(response)
        data = response.json()
        if response.status_code == 202 or data.get("status") == "approval_required":
            return ExecuteOutcome(OutcomeStatus.APPROVAL_REQUIRED, approval=data.get("approval"))
        result = ExecuteResult.model_validate(data)
        return ExecuteOutcome(OutcomeStatus.SUCCEEDED, result.output, result.duration)

    def preview(self, call: ExecuteCall) -> ExecutePreview:
        """The local engine's dry run (steps 2-6, in its order and with its errors), client-side: the API has no
        dry-run endpoint. Alias choice, partial selection and the merge are the engine's own functions over what
        the documented GETs return; the connection comes from ``POST /connections/resolve``."""
        preview = RemotePreview(self._send, self._pages, self._catalog())
        return self._in_workspace(call.workspace, lambda workspace: preview.preview(workspace, call))

    def _catalog(self) -> Catalog | None:
        source = self._catalog_source
        if source is not None and not isinstance(source, Catalog):
            source = self._catalog_source = source()
        return source

    # -- end-user portal ------------------------------------------------------------------------------------------

    def portal_link(self, request: PortalLinkRequest) -> PortalLink:
        """The end user by externalId (the API lists a workspace's end users; it has no lookup by externalId),
        then ``POST /api/v1/end-users/{id}/connect-token``; the server's link points at the server."""
        return self._in_workspace(request.workspace, lambda workspace: self._portal_link(workspace, request))

    def _portal_link(self, workspace: LiveWorkspace, request: PortalLinkRequest) -> PortalLink:
        users = self._pages("/api/v1/end-users", EndUserList, {"workspaceId": workspace.id})
        found = next((u for u in users if u.external_id == request.end_user), None)
        if found is None:
            raise ApiError(ErrorCode.END_USER_NOT_FOUND,
                           f"End user '{request.end_user}' not found in workspace '{workspace.slug}'")
        body = PortalTokenCreate.model_construct(integration_name=request.integration,
                                                 expires_in=request.expires_in_s)
        link = self._send(WirePortalLink, "POST", f"/api/v1/end-users/{found.id}/connect-token", json=body)
        return PortalLink(Sensitive(link.connect_url), link.expires_at)

    # -- approvals ------------------------------------------------------------------------------------------------

    def list_approvals(self, workspace: str | None, status: ApprovalStatus | None, limit: int) -> list[ApprovalView]:
        params: dict[str, Any] = {"limit": limit, **_given(status=status.value if status is not None else None)}
        if workspace is None:
            return self._views(self._send(ApprovalList, "GET", APPROVALS, params=params).approvals)

        def listed(found: LiveWorkspace) -> list[Approval]:
            return self._send(ApprovalList, "GET", APPROVALS, params={**params, "workspaceId": found.id}).approvals

        return self._views(self._in_workspace(workspace, listed))

    def get_approval(self, approval_id: str) -> ApprovalView:
        return self._views([self._send(ApprovalEnvelope, "GET", f"{APPROVALS}/{approval_id}").approval])[0]

    def decide_approval(self, approval_id: str, action: str, reason: str | None = None) -> ApprovalView:
        body = ApprovalDecisionRequest.model_construct(reason=reason)
        path = f"{APPROVALS}/{approval_id}/{checked_decision(action)}"
        return self._views([self._send(ApprovalDecided, "POST", path, json=body).approval])[0]

    def _views(self, approvals: list[Approval]) -> list[ApprovalView]:
        return views_of(approvals, self._slugs_of(a.workspace_id for a in approvals).get)

    def _slugs_of(self, workspace_ids: Iterable[str]) -> dict[str, str]:
        """Workspace id -> slug: the map this instance holds, read again once when it does not know one of
        ``workspace_ids``."""
        if any(w not in self._slugs() for w in workspace_ids):
            self.all_workspaces()
        return self._slugs()

    def _slugs(self) -> dict[str, str]:
        return {w.id: slug for slug, w in self._workspace_ids.items()}

    # -- triggers -------------------------------------------------------------------------------------------------

    def list_trigger_sources(self, workspace: str | None) -> list[TriggerSourceItem]:
        params = {"workspaceId": self._workspace_by_slug(workspace).id} if workspace is not None else None
        sources = self._pages(TRIGGERS, TriggerSourceList, params)
        return items_of(sources, self._slugs_of(s.workspace_id for s in sources).get)

    def test_trigger(self, integration: str, trigger: str) -> dict[str, Any]:
        body = TestTriggerRequest.model_construct(integration_name=integration, trigger_name=trigger)
        return self._send(TriggerSample, "POST", f"{TRIGGERS}/test", json=body).sample_data

    def replay_trigger_event(self, event_id: str) -> None:
        self._send(ReplayedEvent, "POST", f"{TRIGGERS}/events/{quote(event_id, safe='')}/replay")

    # -- the workspace slug -> id map -------------------------------------------------------------------------------

    def _workspace_by_slug(self, slug: str) -> LiveWorkspace:
        found = self._workspace_ids.get(slug)
        if found is None:
            self.all_workspaces()
            found = self._workspace_ids.get(slug)
        if found is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"Workspace '{slug}' not found on {self._url}")
        return found

    def _in_workspace(self, slug: str, work: Callable[[LiveWorkspace], T]) -> T:
        """``work`` in the workspace ``slug`` names, by the cached id; if the server no longer knows that id (the
        workspace was recreated, say), the mapping is read again once."""
        workspace = self._workspace_by_slug(slug)
        try:
            return work(workspace)
        except ApiError as exc:
            if not names_workspace(exc, workspace):
                raise
        self._workspace_ids.pop(slug, None)
        return work(self._workspace_by_slug(slug))

    # -- coordination ---------------------------------------------------------------------------------------------

    @property
    def state(self) -> StateChannel:
        """weavz-flow's own state on this backend (kv-store under the reserved alias)."""
        return self._state

    def state_key_material(self) -> Sensitive[str]:
        """The API key, as the fingerprint key's last resort (see plan/fingerprints.py); never sent anywhere."""
        return self._api_key

    @contextmanager
    def lock(self, timeout_s: float = 30.0) -> Iterator[None]:
        with kv_lock(self._state, timeout_s, self._url):
            yield

    def close(self) -> None:
        self._client.close()


def _redact_header(values: Sequence[str]) -> dict[str, str]:
    """The run's secrets for ``weavz-flow serve`` to redact (hosted Weavz ignores the header). Too many to send is
    an error, never a silent drop: the server would then record the rest in clear."""
    try:
        encoded = encode_redactions(values)
    except RedactHeaderError as exc:
        raise WeavzFlowError(f"cannot run this call remotely: {exc}") from None
    return {REDACT_HEADER: encoded} if encoded else {}


def _api_error(response: httpx.Response) -> ApiError:
    body: Any = None
    if "application/json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code_text = str(body.get("code") or "")
        code = ErrorCode(code_text) if code_text in ErrorCode.__members__ else ErrorCode.INTERNAL_ERROR
        details = body.get("details") if isinstance(body.get("details"), dict) else None
        if code.value != code_text and code_text:
            details = {**(details or {}), "remoteCode": code_text}
        return ApiError(code, body["error"], details=details, status=response.status_code)
    return ApiError(ErrorCode.INTERNAL_ERROR, f"HTTP {response.status_code} from {response.request.url.path}",
                    status=response.status_code)


def _given(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: those a request leaves unset rather than sends as null."""
    return {k: v for k, v in fields.items() if v is not None}


def _credential_fields(creds: Credentials) -> dict[str, Any]:
    def secret(value: Sensitive[str] | None) -> SecretStr | None:
        return SecretStr(value.reveal()) if value is not None else None

    return _given(secret_text=secret(creds.secret_text), username=creds.username, password=secret(creds.password),
                  props=creds.props.reveal() if creds.props is not None else None,
                  access_token=secret(creds.access_token), refresh_token=secret(creds.refresh_token))


def _end_user_fields(spec: EndUserSpec) -> dict[str, Any]:
    return _given(display_name=spec.display_name, email=spec.email, metadata=dict(spec.metadata))


def _alias_fields(spec: AliasSpec) -> dict[str, Any]:
    enabled = list(spec.enabled_actions) if spec.enabled_actions is not None else None
    return {"connection_strategy": Strategy(spec.strategy), "connection_id": spec.connection_id,
            "enabled_actions": enabled, "settings": dict(spec.settings), **_given(display_name=spec.display_name)}


def _partial_fields(spec: PartialSpec) -> dict[str, Any]:
    return _given(description=spec.description, values=dict(spec.values), enforced_keys=list(spec.enforced_keys),
                  is_default=spec.is_default)


