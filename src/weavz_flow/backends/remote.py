"""The remote backend: any Weavz-compatible API over HTTP (``weavz-flow serve`` or hosted Weavz), with httpx.

Wire names live here only. Error bodies ``{error, code, details}`` come back as ApiError with the same code and
status. Reads: workspaces and connections once each (paged by 100), then three GETs per workspace (its integrations,
partials and end users), since the Weavz API has no combined call. Hosted Weavz cannot update a stored credential or
report credential fingerprints, so the plan replaces a connection whose secret changed and keeps fingerprints in its
local state file. Concurrent applies are serialized by a lock file per API URL on this machine only.

A workspace's id is looked up by slug once per backend instance (one paged list), not on every execute; a 404 for
that id drops it and reads the list again once. The API has no dry-run endpoint, so :meth:`RemoteBackend.preview`
rebuilds the engine's steps 2-6 client-side with the engine's own functions: the catalog (given by the caller) for
action defaults, ``GET .../integrations`` and ``GET /partials`` for alias choice, partial selection and the merge,
and ``POST /connections/resolve`` for the connection. That endpoint takes no alias, so for an alias other than the
one it would pick, the alias's strategy is followed with ``GET /connections?id=`` and the end user's connections.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from weavz_flow.backends.errors import BackendUnavailableError
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, ExecutePreview, OutcomeStatus
from weavz_flow.backends.file_lock import file_lock
from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LivePartial,
    LiveWorkspace,
    WorkspaceSnapshot,
)
from weavz_flow.backends.protocol import BackendCapabilities
from weavz_flow.backends.specs import AliasSpec, ConnectionSpec, EndUserSpec, PartialSpec, WorkspaceSpec
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.alias_choice import (
    check_enabled,
    choose_alias,
    connection_not_found,
    connection_required,
    end_user_not_found,
)
from weavz_flow.engine.partial_merge import choose_partials, merge_input
from weavz_flow.engine.stamps import normalize_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive

API_URL_ENV = "WEAVZ_API_URL"
API_KEY_ENV = "WEAVZ_API_KEY"
_PAGE = 100
T = TypeVar("T")
# Answers of POST /connections/resolve that already say what the local engine says for the same situation.
_LOCAL_CONNECTION_ERRORS = frozenset({ErrorCode.CONNECTION_REQUIRED, ErrorCode.CONNECTION_NOT_FOUND,
                                      ErrorCode.END_USER_NOT_FOUND})


class RemoteBackend:
    def __init__(
        self,
        api_url: str,
        api_key: Sensitive[str],
        *,
        timeout_s: float = 310.0,
        lock_dir: Path | None = None,
        connection_update: bool = False,
        transport: httpx.BaseTransport | None = None,
        catalog: Catalog | Callable[[], Catalog] | None = None,
    ) -> None:
        """``catalog`` (or a loader, called on the first dry run) gives action defaults and which integrations need
        a connection to :meth:`preview`; without it the preview says what it could not know."""
        self._url = api_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self._url, timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {api_key.reveal()}"},
        )
        self._lock_dir = lock_dir or Path(tempfile.gettempdir()) / "weavz-flow-locks"
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
        found = [_workspace(w) for w in self._pages("/api/v1/workspaces", "workspaces")]
        self._workspace_ids = {w.slug: w for w in found}
        return found

    def list_connections(self) -> list[LiveConnection]:
        return [_connection(c) for c in self._pages("/api/v1/connections", "connections")]

    def snapshot(self, workspace: LiveWorkspace) -> WorkspaceSnapshot:
        aliases = self._request("GET", f"/api/v1/workspaces/{workspace.id}/integrations").get("integrations", [])
        partials = self._request("GET", "/api/v1/partials", params={"workspaceId": workspace.id}).get("partials", [])
        users = self._pages("/api/v1/end-users", "endUsers", {"workspaceId": workspace.id})
        return WorkspaceSnapshot(workspace, tuple(_alias(a) for a in aliases),
                                 tuple(_partial(p) for p in partials), tuple(_end_user(e) for e in users))

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
        self._round_trips += 1
        try:
            response = self._client.post("/api/v1/actions/execute", json=body)
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
        return self._in_workspace(call.workspace, lambda workspace: self._preview(workspace, call))

    def _preview(self, workspace: LiveWorkspace, call: ExecuteCall) -> ExecutePreview:
        notes: list[str] = []
        integration, action, defaults, needs_connection = call.integration, call.action, {}, None
        catalog = self._catalog()
        if catalog is not None:
            integration_info = catalog.integration(call.integration)  # 2: the engine's 404s
            action_info = catalog.action(call.integration, call.action)
            integration, action = integration_info.name, action_info.name
            defaults, needs_connection = action_info.defaults(), integration_info.needs_connection
        else:
            notes.append("no catalog: action defaults are left out, and the integration and action are not checked")
        body = self._request("GET", f"/api/v1/workspaces/{workspace.id}/integrations")
        aliases = [_WireAlias.of(a) for a in body.get("integrations", [])]
        target = choose_alias(aliases, integration, integration_alias=call.alias)  # 3
        if target is not None:
            check_enabled(target.alias, target.enabled_actions, action)
        connection = self._preview_connection(workspace, integration, needs_connection, target, aliases, call,
                                              notes)  # 4
        body = self._request("GET", "/api/v1/partials", params={"workspaceId": workspace.id})
        ids = {a.alias: a.id for a in aliases}
        partials = [_WirePartial.of(p, ids) for p in body.get("partials", [])]
        selected = choose_partials(partials, alias_id=target.id if target else None,  # 5
                                   alias=target.alias if target else None, action_name=action,
                                   partial_ids=call.partials)
        merged = merge_input(defaults, selected, call.input)  # 6
        return ExecutePreview(
            workspace=call.workspace, integration=integration, action=action,
            alias=target.alias if target else None, final_input=dict(merged.values),
            enforced_keys=merged.enforced_keys, partials=tuple(p.name for p in selected),
            connection_external_id=connection.get("externalId") if connection else None,
            connection_id=connection.get("id") if connection else None, end_user=call.end_user, notes=tuple(notes),
        )

    def _preview_connection(
        self, workspace: LiveWorkspace, integration: str, needs_connection: bool | None, target: _WireAlias | None,
        aliases: Sequence[_WireAlias], call: ExecuteCall, notes: list[str],
    ) -> Mapping[str, Any] | None:
        """The connection as the engine's step 4 picks it: only its id and externalId are read, never a secret."""
        external_id = call.connection_external_id
        if external_id is None and needs_connection is False:
            return None
        if external_id is None and not _resolve_targets(aliases, integration, target):
            # The resolve endpoint has no alias field: for an alias beside the integration's default one, the
            # alias's own strategy is followed here with the documented reads.
            return self._alias_connection(workspace, integration, target, call.end_user)
        body = _drop_none({"integrationName": integration, "workspaceId": workspace.id, "externalId": external_id,
                           "endUserId": call.end_user})
        try:
            return dict(self._request("POST", "/api/v1/connections/resolve", json=body)["connection"])
        except ApiError as exc:
            if _names_workspace(exc, workspace) or exc.code in _LOCAL_CONNECTION_ERRORS:
                error = exc
            elif exc.status == 404:  # another server's wording of "none": say it as the local engine does
                error = connection_not_found(external_id, integration) if external_id is not None \
                    else _required_for(integration, target, call.end_user)
            else:
                raise
        if needs_connection is None and error.code is ErrorCode.CONNECTION_REQUIRED:
            notes.append(f"no connection resolved ({error.message}); without the catalog it is not known whether "
                         f"'{integration}' needs one")
            return None
        raise error

    def _alias_connection(
        self, workspace: LiveWorkspace, integration: str, target: _WireAlias | None, end_user: str | None,
    ) -> Mapping[str, Any]:
        assert target is not None  # no alias at all is what the resolve endpoint answers for itself
        if target.connection_strategy != "fixed" and end_user is not None:
            users = self._pages("/api/v1/end-users", "endUsers", {"workspaceId": workspace.id})
            user = next((u for u in users if u.get("externalId") == end_user), None)
            if user is None:
                raise end_user_not_found(end_user)
            owned = self._request("GET", f"/api/v1/end-users/{user['id']}").get("connections", [])
            owned = [c for c in owned if c.get("integrationName") == integration
                     and c.get("status", "ACTIVE") == "ACTIVE"]
            owned.sort(key=lambda c: str(c.get("id")))
            owned.sort(key=lambda c: _sortable_time(c.get("createdAt")), reverse=True)  # newest, as the engine
            if owned:
                return dict(owned[0])
        if target.connection_strategy == "per_user" or target.connection_id is None:
            raise _required_for(integration, target, end_user)
        try:
            return dict(self._request("GET", "/api/v1/connections", params={"id": target.connection_id})["connection"])
        except ApiError as exc:
            if exc.status == 404:  # deleted since the alias was read
                raise _required_for(integration, target, end_user) from None
            raise

    def _catalog(self) -> Catalog | None:
        source = self._catalog_source
        if source is not None and not isinstance(source, Catalog):
            source = self._catalog_source = source()
        return source

    # -- the workspace slug -> id map -------------------------------------------------------------------------------

    def _workspace_by_slug(self, slug: str) -> LiveWorkspace:
        found = self._workspace_ids.get(slug)
        if found is None:
            self.list_workspaces()
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
            if not _names_workspace(exc, workspace):
                raise
        self._workspace_ids.pop(slug, None)
        return work(self._workspace_by_slug(slug))

    # -- coordination ---------------------------------------------------------------------------------------------

    @contextmanager
    def lock(self, timeout_s: float = 30.0) -> Iterator[None]:
        name = hashlib.sha256(self._url.encode("utf-8")).hexdigest()[:16] + ".lock"
        with file_lock(self._lock_dir / name, timeout_s, self._url):
            yield

    def close(self) -> None:
        self._client.close()


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


def _names_workspace(exc: ApiError, workspace: LiveWorkspace) -> bool:
    """A 404 about the workspace itself (not about an alias, partial or connection inside it)."""
    details = exc.details or {}
    return exc.status == 404 and (details.get("id") == workspace.id or details.get("workspaceId") == workspace.id
                                  or workspace.id in exc.message)


def _resolve_targets(aliases: Sequence[_WireAlias], integration: str, target: _WireAlias | None) -> bool:
    """Whether ``POST /connections/resolve``, which picks the alias without being told one, picks ``target``."""
    try:
        return choose_alias(aliases, integration) is target
    except ApiError:  # several aliases, none named like the integration
        return False


def _required_for(integration: str, target: _WireAlias | None, end_user: str | None) -> ApiError:
    """The engine's CONNECTION_REQUIRED for this alias and strategy (engine/resolution.py, resolve_connection)."""
    if target is None:
        return connection_required(integration, "the workspace has no alias for this integration; add one or give "
                                                "connectionExternalId")
    if target.connection_strategy == "per_user":
        if end_user is None:
            return connection_required(integration, f"alias '{target.alias}' uses per_user connections; give "
                                                    "endUserId")
        return connection_required(integration, f"end user '{end_user}' has no connection for '{integration}'")
    return connection_required(integration, f"alias '{target.alias}' has no connection")


def _sortable_time(text: Any) -> str:
    try:
        return normalize_time(str(text))
    except ValueError:
        return str(text or "")


@dataclass(frozen=True, slots=True)
class _WireAlias:
    """A workspace integration as the dry run reads it, with the engine's row names (for alias_choice)."""

    id: str
    alias: str
    integration_name: str
    connection_strategy: str
    connection_id: str | None
    enabled_actions: tuple[str, ...] | None

    @classmethod
    def of(cls, a: Mapping[str, Any]) -> _WireAlias:
        actions = a.get("enabledActions")
        return cls(a["id"], a["alias"], a["integrationName"], a.get("connectionStrategy") or "fixed",
                   a.get("connectionId"), tuple(actions) if actions is not None else None)


@dataclass(frozen=True, slots=True)
class _WirePartial:
    """A partial as the dry run reads it, with the engine's row names (for choose_partials)."""

    id: str
    name: str
    workspace_integration_id: str | None
    action_name: str | None
    trigger_name: str | None
    is_default: bool
    created_at: str
    values: Mapping[str, Any]
    enforced_keys: tuple[str, ...]

    @classmethod
    def of(cls, p: Mapping[str, Any], alias_ids: Mapping[str, str]) -> _WirePartial:
        # A server that leaves out workspaceIntegrationId still names the alias.
        alias_id = p.get("workspaceIntegrationId") or alias_ids.get(p.get("integrationAlias") or "")
        return cls(p["id"], p["name"], alias_id, p.get("actionName"), p.get("triggerName"), bool(p.get("isDefault")),
                   _sortable_time(p.get("createdAt")), dict(p.get("values") or {}),
                   tuple(p.get("enforcedKeys") or ()))


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
