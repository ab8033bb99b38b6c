"""The remote backend: any Weavz-compatible API over HTTP (``weavz-flow serve`` or hosted Weavz), with httpx.

Wire names live here only. Error bodies ``{error, code, details}`` come back as ApiError with the same code and
status. Reads: workspaces and connections once each (paged by 100), then three GETs per workspace (its integrations,
partials and end users), since the Weavz API has no combined call. Hosted Weavz cannot update a stored credential or
report credential fingerprints, so the plan replaces a connection whose secret changed and keeps fingerprints in the
state it keeps on the backend itself (kv_state.py). Concurrent applies, from any machine, are serialized by a lock
in that same state (kv_lock.py). The reserved state alias, and the reserved state workspace, are never listed.

A workspace's id is looked up by slug once per backend instance (one paged list), not on every execute; a 404 for
that id drops it and reads the list again once. The API has no dry-run endpoint: :meth:`RemoteBackend.preview`
rebuilds the engine's steps client-side (backends/remote_preview.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from weavz_flow.backends.errors import BackendUnavailableError
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, ExecutePreview, OutcomeStatus
from weavz_flow.backends.kv_lock import kv_lock
from weavz_flow.backends.kv_state import STATE_ALIAS, STATE_WORKSPACE, StateChannel
from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LivePartial,
    LiveWorkspace,
    WorkspaceSnapshot,
)
from weavz_flow.backends.protocol import BackendCapabilities
from weavz_flow.backends.remote_preview import RemotePreview, names_workspace
from weavz_flow.backends.specs import AliasSpec, ConnectionSpec, EndUserSpec, PartialSpec, WorkspaceSpec
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ApiError, ErrorCode, WeavzFlowError
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.wire.actions import (
    PROVIDER_RETRIES_HEADER,
    REDACT_HEADER,
    RedactHeaderError,
    encode_redactions,
)

API_URL_ENV = "WEAVZ_API_URL"
API_KEY_ENV = "WEAVZ_API_KEY"
_PAGE = 100
T = TypeVar("T")


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
                 json: dict[str, Any] | None = None) -> Any:
        self._round_trips += 1
        try:
            response = self._client.request(method, path, params=params, json=json)
        except httpx.HTTPError as exc:
            raise BackendUnavailableError(f"cannot reach {self._url}: {type(exc).__name__}") from None
        if response.is_success:
            return response.json() if response.content else None
        raise _api_error(response)

    def _pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            body = self._request("GET", path, params={**(params or {}), "limit": _PAGE, "offset": offset})
            page = body.get(key, [])
            items.extend(page)
            total = body.get("total")
            offset += len(page)
            if not page or len(page) < _PAGE or (total is not None and offset >= total):
                return items

    # -- reads ----------------------------------------------------------------------------------------------------

    def list_workspaces(self) -> list[LiveWorkspace]:
        return [w for w in self.all_workspaces() if w.slug != self._hidden_workspace]

    def all_workspaces(self) -> list[LiveWorkspace]:
        """Every workspace, the reserved state workspace included."""
        found = [_workspace(w) for w in self._pages("/api/v1/workspaces", "workspaces")]
        self._workspace_ids = {w.slug: w for w in found}
        return found

    def list_connections(self) -> list[LiveConnection]:
        return [_connection(c) for c in self._pages("/api/v1/connections", "connections")]

    def snapshot(self, workspace: LiveWorkspace) -> WorkspaceSnapshot:
        aliases = self._request("GET", f"/api/v1/workspaces/{workspace.id}/integrations").get("integrations", [])
        partials = self._request("GET", "/api/v1/partials", params={"workspaceId": workspace.id}).get("partials", [])
        users = self._pages("/api/v1/end-users", "endUsers", {"workspaceId": workspace.id})
        return WorkspaceSnapshot(workspace, tuple(_alias(a) for a in aliases if a.get("alias") != STATE_ALIAS),
                                 tuple(_partial(p) for p in partials if p.get("integrationAlias") != STATE_ALIAS),
                                 tuple(_end_user(e) for e in users))

    def snapshots(self, workspaces: Sequence[LiveWorkspace]) -> list[WorkspaceSnapshot]:
        return [self.snapshot(w) for w in workspaces]

    def credential_fingerprint(self, credentials: Credentials) -> str | None:
        return None

    # -- writes ---------------------------------------------------------------------------------------------------

    def create_workspace(self, spec: WorkspaceSpec) -> LiveWorkspace:
        body = self._request("POST", "/api/v1/workspaces", json={"name": spec.name, "slug": spec.slug})
        created = _workspace(body["workspace"])
        self._workspace_ids[created.slug] = created
        return created

    def update_workspace(self, workspace_id: str, spec: WorkspaceSpec) -> LiveWorkspace:
        body = self._request("PATCH", f"/api/v1/workspaces/{workspace_id}", json={"name": spec.name})
        return _workspace(body["workspace"])

    def delete_workspace(self, workspace_id: str) -> None:
        self._request("DELETE", f"/api/v1/workspaces/{workspace_id}")
        self._workspace_ids = {k: w for k, w in self._workspace_ids.items() if w.id != workspace_id}

    def create_connection(self, spec: ConnectionSpec) -> LiveConnection:
        body: dict[str, Any] = {
            "type": spec.type, "externalId": spec.external_id, "displayName": spec.display_name or spec.external_id,
            "integrationName": spec.integration, **_credential_body(spec.credentials),
        }
        if spec.workspace_id is not None:
            body["workspaceId"] = spec.workspace_id
            body["scope"] = "USER" if spec.end_user else "WORKSPACE"
        if spec.end_user is not None:
            body["endUserId"] = spec.end_user
        if spec.base_url is not None:
            body["baseUrl"] = spec.base_url
        return _connection(self._request("POST", "/api/v1/connections", json=body)["connection"])

    def update_connection(self, connection_id: str, spec: ConnectionSpec) -> LiveConnection:
        # Not in the Weavz API, and weavz-flow serve answers 405 too: only for a server that has it, and only called
        # when constructed with connection_update=True (the default False makes the plan replace instead).
        body: dict[str, Any] = {"baseUrl": spec.base_url, **_credential_body(spec.credentials)}
        if spec.display_name is not None:
            body["displayName"] = spec.display_name
        return _connection(self._request("PATCH", f"/api/v1/connections/{connection_id}", json=body)["connection"])

    def delete_connection(self, connection_id: str) -> None:
        self._request("DELETE", f"/api/v1/connections/{connection_id}")

    def create_end_user(self, spec: EndUserSpec) -> LiveEndUser:
        body = _drop_none({"workspaceId": spec.workspace_id, "externalId": spec.external_id,
                           "displayName": spec.display_name, "email": spec.email, "metadata": dict(spec.metadata)})
        return _end_user(self._request("POST", "/api/v1/end-users", json=body)["endUser"])

    def update_end_user(self, end_user_id: str, spec: EndUserSpec) -> LiveEndUser:
        body = _drop_none({"displayName": spec.display_name, "email": spec.email, "metadata": dict(spec.metadata)})
        return _end_user(self._request("PATCH", f"/api/v1/end-users/{end_user_id}", json=body)["endUser"])

    def delete_end_user(self, end_user_id: str) -> None:
        self._request("DELETE", f"/api/v1/end-users/{end_user_id}")

    def create_alias(self, spec: AliasSpec) -> LiveAlias:
        body = {"integrationName": spec.integration, "alias": spec.alias, **_alias_body(spec)}
        path = f"/api/v1/workspaces/{spec.workspace_id}/integrations"
        return _alias(self._request("POST", path, json=body)["integration"])

    def update_alias(self, alias_id: str, spec: AliasSpec) -> LiveAlias:
        path = f"/api/v1/workspaces/{spec.workspace_id}/integrations/{alias_id}"
        return _alias(self._request("PATCH", path, json=_alias_body(spec))["integration"])

    def delete_alias(self, workspace_id: str, alias_id: str) -> None:
        self._request("DELETE", f"/api/v1/workspaces/{workspace_id}/integrations/{alias_id}")

    def create_partial(self, spec: PartialSpec) -> LivePartial:
        body = _drop_none({
            "workspaceId": spec.workspace_id, "integrationName": spec.integration, "name": spec.name,
            "workspaceIntegrationId": spec.alias_id, "integrationAlias": spec.alias, "actionName": spec.action,
            "description": spec.description, "values": dict(spec.values), "enforcedKeys": list(spec.enforced_keys),
            "isDefault": spec.is_default,
        })
        return _partial(self._request("POST", "/api/v1/partials", json=body)["partial"])

    def update_partial(self, partial_id: str, spec: PartialSpec) -> LivePartial:
        body = _drop_none({"description": spec.description, "values": dict(spec.values),
                           "enforcedKeys": list(spec.enforced_keys), "isDefault": spec.is_default})
        return _partial(self._request("PATCH", f"/api/v1/partials/{partial_id}", json=body)["partial"])

    def delete_partial(self, partial_id: str) -> None:
        self._request("DELETE", f"/api/v1/partials/{partial_id}")

    # -- execution ------------------------------------------------------------------------------------------------

    def execute(self, call: ExecuteCall) -> ExecuteOutcome:
        return self._in_workspace(call.workspace, lambda workspace: self._execute(workspace, call))

    def _execute(self, workspace: LiveWorkspace, call: ExecuteCall) -> ExecuteOutcome:
        body = _drop_none({
            "integrationName": call.integration, "actionName": call.action, "input": dict(call.input),
            "workspaceId": workspace.id, "integrationAlias": call.alias, "endUserId": call.end_user,
            "partialIds": list(call.partials) if call.partials is not None else None,
            "idempotencyKey": call.idempotency_key, "connectionExternalId": call.connection_external_id,
        })
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
        return ExecuteOutcome(OutcomeStatus.SUCCEEDED, data.get("output"), data.get("duration"))

    def preview(self, call: ExecuteCall) -> ExecutePreview:
        """The local engine's dry run (steps 2-6, in its order and with its errors), client-side: the API has no
        dry-run endpoint. Alias choice, partial selection and the merge are the engine's own functions over what
        the documented GETs return; the connection comes from ``POST /connections/resolve``."""
        preview = RemotePreview(self._request, self._pages, self._catalog())
        return self._in_workspace(call.workspace, lambda workspace: preview.preview(workspace, call))

    def _catalog(self) -> Catalog | None:
        source = self._catalog_source
        if source is not None and not isinstance(source, Catalog):
            source = self._catalog_source = source()
        return source

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


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _credential_body(creds: Credentials) -> dict[str, Any]:
    def reveal(value: Any) -> Any:
        return value.reveal() if value is not None else None

    return _drop_none({
        "secretText": reveal(creds.secret_text), "username": creds.username, "password": reveal(creds.password),
        "props": reveal(creds.props), "accessToken": reveal(creds.access_token),
        "refreshToken": reveal(creds.refresh_token),
    })


def _alias_body(spec: AliasSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "connectionStrategy": spec.strategy, "connectionId": spec.connection_id,
        "enabledActions": list(spec.enabled_actions) if spec.enabled_actions is not None else None,
        "settings": dict(spec.settings),
    }
    if spec.display_name is not None:
        body["displayName"] = spec.display_name
    return body


def _workspace(w: dict[str, Any]) -> LiveWorkspace:
    return LiveWorkspace(w["id"], w["slug"], w.get("name") or w["slug"])


def _connection(c: dict[str, Any]) -> LiveConnection:
    # A server may echo its own credentialFingerprint, but under a key we do not hold: it is not comparable.
    return LiveConnection(c["id"], c["integrationName"], c["externalId"], c.get("type", ""), c.get("displayName"),
                          c.get("workspaceId"), c.get("endUserId"), c.get("baseUrl"), None)


def _end_user(e: dict[str, Any]) -> LiveEndUser:
    return LiveEndUser(e["id"], e["workspaceId"], e["externalId"], e.get("displayName"), e.get("email"),
                       dict(e.get("metadata") or {}))


def _alias(a: dict[str, Any]) -> LiveAlias:
    actions = a.get("enabledActions")
    return LiveAlias(a["id"], a["workspaceId"], a["alias"], a["integrationName"], a.get("connectionStrategy", "fixed"),
                     a.get("connectionId"), tuple(actions) if actions is not None else None, a.get("displayName"),
                     dict(a.get("settings") or {}))


def _partial(p: dict[str, Any]) -> LivePartial:
    return LivePartial(p["id"], p["workspaceId"], p.get("integrationAlias") or "", p["integrationName"], p["name"],
                       p.get("actionName"), p.get("description"), dict(p.get("values") or {}),
                       tuple(p.get("enforcedKeys") or ()), bool(p.get("isDefault")))
