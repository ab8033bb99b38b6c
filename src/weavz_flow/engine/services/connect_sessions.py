"""Hosted connect sessions (weavz-api.md §2.5): a ``cst_`` token that lets whoever holds it make one connection, as
the API key that made the token decided (integration, externalId, workspace, end user, scope), and nothing else.

The token is random, shown once, stored as its sha256, and works once: :meth:`ConnectSessionService.complete` claims
the session (PENDING -> COMPLETED, only while unexpired) as the first statement of the one transaction that also
makes the connection, so of two completes racing one claims and the other finds the token used, on SQLite (the
write lock) and PostgreSQL (the row lock, then the WHERE re-checked). A session the person can still put right (an
empty field) stays PENDING; one that cannot succeed (the externalId belongs to someone else) fails.

Expiry: 30 minutes by default (``DEFAULT_TTL_S``). The Weavz docs give no lifetime for ``cst_`` tokens; the link is
meant to be opened at once, by the person the caller just sent to it, and an OAuth2 round trip takes a minute or
two, so half an hour leaves room without leaving a credential-making link lying around for hours.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from weavz_flow.credential_hosts import check_url
from weavz_flow.engine import inputs
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.connect_values import ConnectCredential, ConnectSession, ConnectSessionCreate, ConnectStatus
from weavz_flow.engine.naming import EXTERNAL_ID_MAX, ConnectionScope, ConnectionType, check_name, invalid, parse_enum
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.services.connections import ConnectionService
from weavz_flow.engine.services.end_users import ensure_end_user
from weavz_flow.engine.services.oauth_apps import OAuthAppService
from weavz_flow.engine.services.scope import workspace_row
from weavz_flow.engine.stamps import format_time, new_id
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.vocabulary import (
    AUTH_METHOD_KEY_MAX,
    CONNECT_ERROR_MAX,
    CONNECT_SESSION_PREFIX,
    REDIRECT_URI_MAX,
)

DEFAULT_TTL_S = 30 * 60

_s = t.connect_sessions
_c = t.connections

_SELECT = sa.select(_s, t.workspaces.c.name.label("workspace_name")).select_from(
    _s.join(t.workspaces, t.workspaces.c.id == _s.c.workspace_id))


class ConnectSessionService:
    """``ttl_s`` is how long a new session stays open; ``clock`` is the time now (UTC), which tests move forward."""

    def __init__(
        self, store: Store, connections: ConnectionService, source: CatalogSource, oauth_apps: OAuthAppService, *,
        ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._store = store
        self._connections = connections
        self._source = source
        self._oauth_apps = oauth_apps
        self.ttl_s = ttl_s
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))

    # -- the API key's side ------------------------------------------------------------------------------------

    def create(self, caller: Caller, request: ConnectSessionCreate) -> tuple[ConnectSession, str]:
        """A new PENDING session and its plain token (``cst_...``), which exists only in this answer."""
        integration = self._source.catalog().integration(request.integration_name)
        if not integration.needs_connection:
            raise invalid("integrationName", f"Integration '{integration.name}' needs no connection to connect")
        check_name("connectionName", request.connection_name, max_length=EXTERNAL_ID_MAX)
        check_name("externalId", request.external_id, max_length=EXTERNAL_ID_MAX)
        if request.end_user_id is not None:
            check_name("endUserId", request.end_user_id, max_length=EXTERNAL_ID_MAX)
        if request.auth_method_key is not None:
            _check_auth_method(request.auth_method_key, integration.auth_types)
        scope = _scope(caller, request)
        row: dict[str, Any] = {
            "id": new_id(), "org_id": caller.org_id, "workspace_id": request.workspace_id,
            "integration_name": integration.name, "connection_name": request.connection_name,
            "external_id": request.external_id, "end_user_external_id": request.end_user_id,
            "workspace_integration_id": request.workspace_integration_id,
            "auth_method_key": request.auth_method_key, "scope": str(scope),
            "oauth_app_mode": request.oauth_app_mode, "oauth_app_id": request.oauth_app_id,
            "base_url": check_url("baseUrl", request.base_url),
            "success_redirect_uri": _redirect_uri("successRedirectUri", request.success_redirect_uri),
            "error_redirect_uri": _redirect_uri("errorRedirectUri", request.error_redirect_uri),
            "status": str(ConnectStatus.PENDING), "connection_id": None, "error_code": None, "error": None,
            "completed_at": None,
        }
        plain = CONNECT_SESSION_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        row.update(token_hash=hash_key(plain), created_at=format_time(now),
                   expires_at=format_time(now + timedelta(seconds=self.ttl_s)))
        with self._store.write() as conn:
            workspace_row(conn, caller, request.workspace_id)
            if request.workspace_integration_id is not None:
                _check_workspace_integration(conn, request, integration.name)
            if _oauth_only(integration.auth_types, request.auth_method_key):
                # A session that can end only at the provider's sign-in needs the OAuth app that starts it: refused
                # here (400 NO_OAUTH_APP, as the Weavz docs answer it) rather than on the person's page.
                self._oauth_apps.client(conn, caller.org_id, integration.name, request.oauth_app_id)
            conn.execute(sa.insert(_s).values(row))
            return self._model(self._read(conn, _s.c.id == row["id"]), now), plain

    def poll(self, caller: Caller, plain_token: str) -> ConnectSession:
        """The session of a token this caller's organization (and, for a scoped key, workspaces) made. 401 for any
        other token and for an expired one, as the Weavz docs answer poll."""
        now = self.clock()
        with self._store.read() as conn:
            row = self._by_token(conn, plain_token)
        if row is None or row.org_id != caller.org_id or not caller.may_access(row.workspace_id):
            raise ApiError(ErrorCode.INVALID_TOKEN, "Unknown connect session token")
        session = self._model(row, now)
        if session.status == ConnectStatus.EXPIRED:
            raise ApiError(ErrorCode.CONNECT_SESSION_EXPIRED, f"This connect session expired at {session.expires_at}",
                           details={"sessionId": session.id, "expiresAt": session.expires_at}, status=401)
        return session

    def get(self, caller: Caller, session_id: str) -> ConnectSession:
        with self._store.read() as conn:
            row = self._read(conn, _s.c.id == session_id, _s.c.org_id == caller.org_id)
        if row is None or not caller.may_access(row.workspace_id):  # out of scope: as if it did not exist
            raise ApiError(ErrorCode.CONNECT_SESSION_NOT_FOUND, f"Connect session '{session_id}' not found",
                           details={"id": session_id})
        return self._model(row, self.clock())

    # -- the token holder's side (the connect page, the OAuth2 callback) ---------------------------------------

    def open(self, plain_token: str) -> ConnectSession:
        """The session a token opens: PENDING and unexpired, else CONNECT_SESSION_NOT_FOUND / _EXPIRED / _USED."""
        now = self.clock()
        with self._store.read() as conn:
            row = self._by_token(conn, plain_token)
        return self._usable(row, now)

    def complete(self, plain_token: str, credential: ConnectCredential) -> ConnectSession:
        """Make (or, for the same end user, replace) the session's connection with ``credential`` and mark the
        session COMPLETED, in one transaction and once. A credential the session cannot take (a wrong type, an
        empty field) is a 400 and leaves the session PENDING; a conflict (the externalId is another owner's) is a
        409 and fails the session."""
        digest = hash_key(plain_token)
        try:
            with self._store.atomic(), self._store.write() as conn:
                now = self.clock()
                claimed = conn.execute(
                    sa.update(_s).where(_s.c.token_hash == digest, _s.c.status == str(ConnectStatus.PENDING),
                                        _s.c.expires_at > format_time(now))
                    .values(status=str(ConnectStatus.COMPLETED), completed_at=format_time(now))
                    .returning(_s.c.id)
                ).first()
                if claimed is None:
                    self._usable(self._by_token(conn, plain_token), now)  # raises: unknown, expired or used
                    raise AssertionError("a PENDING, unexpired session is always claimed")
                row = self._read(conn, _s.c.id == claimed.id)
                connection_id = self._save_connection(conn, row, credential)
                conn.execute(sa.update(_s).where(_s.c.id == claimed.id).values(connection_id=connection_id))
                return self._model(self._read(conn, _s.c.id == claimed.id), now)
        except ApiError as exc:
            if exc.status == 409 and exc.code != ErrorCode.CONNECT_SESSION_USED:
                self._finish_failed(digest, exc.code, exc.message)
            raise

    def fail(self, plain_token: str, reason: str, code: ErrorCode | str = ErrorCode.CONNECT_FAILED) -> ConnectSession:
        """Mark a PENDING session FAILED with ``reason`` (shown to the API caller: never put a secret in it)."""
        failed = self._finish_failed(hash_key(plain_token), code, reason)
        if failed is not None:
            return failed
        return self.open(plain_token)  # raises: unknown, expired or used

    # -- internals ---------------------------------------------------------------------------------------------

    def _finish_failed(self, digest: str, code: ErrorCode | str, reason: str) -> ConnectSession | None:
        with self._store.write() as conn:
            now = self.clock()
            done = conn.execute(
                sa.update(_s).where(_s.c.token_hash == digest, _s.c.status == str(ConnectStatus.PENDING),
                                    _s.c.expires_at > format_time(now))
                .values(status=str(ConnectStatus.FAILED), error_code=str(code)[:64],
                        error=reason[:CONNECT_ERROR_MAX], completed_at=format_time(now))
                .returning(_s.c.id)
            ).first()
            return None if done is None else self._model(self._read(conn, _s.c.id == done.id), now)

    def _save_connection(self, conn: sa.Connection, session: AnyRow, credential: ConnectCredential) -> str:
        """The id of the connection made or replaced, through the connection service (encrypted, checked)."""
        integration = self._source.catalog().integration(session.integration_name)
        if credential.type not in integration.auth_types:
            raise invalid("type", f"Integration '{integration.name}' takes no {credential.type} connection")
        if session.auth_method_key in tuple(ConnectionType) and credential.type != session.auth_method_key:
            raise invalid("type", f"This connect session takes a {session.auth_method_key} connection")
        system = Caller.system(session.org_id)  # the API key that made the token was authorized then
        # The docs: end users are created automatically when a connection is made through connect.
        end_user_id = (ensure_end_user(conn, system, session.workspace_id, session.end_user_external_id)
                       if session.end_user_external_id is not None else None)
        existing = conn.execute(sa.select(_c.c.id, _c.c.type, _c.c.end_user_id).where(
            _c.c.org_id == session.org_id, _c.c.integration_name == session.integration_name,
            _c.c.external_id == session.external_id)).first()
        if existing is None:
            created = self._connections.create(system, inputs.ConnectionCreate.model_validate({
                "type": str(credential.type), "external_id": session.external_id,
                "display_name": session.connection_name, "integration_name": session.integration_name,
                "workspace_id": session.workspace_id, "end_user_id": session.end_user_external_id,
                "scope": session.scope, "oauth_app_id": session.oauth_app_id, "base_url": session.base_url,
                **credential.fields(),
            }))
            return created.id
        if end_user_id is None or existing.end_user_id != end_user_id:
            raise ApiError(ErrorCode.DUPLICATE,
                           f"A connection '{session.external_id}' already exists for integration "
                           f"'{session.integration_name}' and is not this end user's: it is never overwritten",
                           details={"integrationName": session.integration_name, "externalId": session.external_id})
        if existing.type != credential.type:
            raise ApiError(ErrorCode.DUPLICATE,
                           f"The end user's connection '{session.external_id}' is a {existing.type} connection; "
                           f"it cannot be replaced by a {credential.type} one",
                           details={"integrationName": session.integration_name, "externalId": session.external_id})
        changes: dict[str, Any] = {"display_name": session.connection_name, **credential.fields()}
        if session.base_url is not None:  # the host the page named to the person; else the connection keeps its own
            changes["base_url"] = session.base_url
        self._connections.update(system, existing.id, inputs.ConnectionUpdate.model_validate(changes))
        return str(existing.id)

    def _usable(self, row: AnyRow | None, now: datetime) -> ConnectSession:
        if row is None:
            raise ApiError(ErrorCode.CONNECT_SESSION_NOT_FOUND, "This connect link is not valid")
        session = self._model(row, now)
        if session.status == ConnectStatus.EXPIRED:
            raise ApiError(ErrorCode.CONNECT_SESSION_EXPIRED, "This connect link has expired",
                           details={"sessionId": session.id, "expiresAt": session.expires_at})
        if session.status != ConnectStatus.PENDING:
            raise ApiError(ErrorCode.CONNECT_SESSION_USED, "This connect link has been used already",
                           details={"sessionId": session.id, "status": str(session.status)})
        return session

    @staticmethod
    def _by_token(conn: sa.Connection, plain_token: str) -> AnyRow | None:
        if not isinstance(plain_token, str) or not plain_token.startswith(CONNECT_SESSION_PREFIX):
            return None
        return ConnectSessionService._read(conn, _s.c.token_hash == hash_key(plain_token))

    @staticmethod
    def _read(conn: sa.Connection, *where: Any) -> Any:
        return conn.execute(_SELECT.where(*where)).first()

    @staticmethod
    def _model(row: AnyRow, now: datetime) -> ConnectSession:
        data = dict(row._mapping)
        data.pop("token_hash")
        data["end_user_id"] = data.pop("end_user_external_id")
        if data["status"] == ConnectStatus.PENDING and data["expires_at"] <= format_time(now):
            data["status"] = ConnectStatus.EXPIRED
        return ConnectSession.model_validate(data)


def _scope(caller: Caller, request: ConnectSessionCreate) -> ConnectionScope:
    """The connection's scope, decided now with the authority of the key making the token: as for a connection
    made by POST /connections (USER for an end user's, else ORGANIZATION, WORKSPACE for a scoped key)."""
    if request.scope:
        scope = parse_enum(ConnectionScope, "scope", request.scope)
    elif request.end_user_id:
        scope = ConnectionScope.USER
    else:
        scope = ConnectionScope.ORGANIZATION if caller.org_wide else ConnectionScope.WORKSPACE
    if scope == ConnectionScope.ORGANIZATION:
        caller.require_org_wide("A connect session for an organization-wide connection")
    return scope


def _oauth_only(auth_types: tuple[str, ...], auth_method_key: str | None) -> bool:
    """Whether the only way to complete the session is OAuth2 (the integration's only type, or the one asked for)."""
    oauth = {ConnectionType.OAUTH2, ConnectionType.PLATFORM_OAUTH2}
    if auth_method_key in tuple(ConnectionType):
        return auth_method_key in oauth
    return bool(auth_types) and all(t in oauth for t in auth_types)


def _check_auth_method(key: str, auth_types: tuple[str, ...]) -> None:
    """An ``authMethodKey`` naming a connection type picks that type, which the integration must take; any other
    key is kept as given (for the OAuth2 flow, which knows the integration's methods)."""
    if len(key) > AUTH_METHOD_KEY_MAX:
        raise invalid("authMethodKey", f"authMethodKey must be at most {AUTH_METHOD_KEY_MAX} characters")
    if key in tuple(ConnectionType) and key not in auth_types:
        raise invalid("authMethodKey", f"This integration takes {', '.join(auth_types)} connections, not {key}")


def _redirect_uri(field: str, uri: str | None) -> str | None:
    """An absolute http(s) URL: where the person's browser goes after the connect page (never a script URL)."""
    if uri is None:
        return None
    parts = urlsplit(uri)
    if len(uri) > REDIRECT_URI_MAX or parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise invalid(field, f"{field} must be an absolute http(s) URL without a fragment, at most "
                             f"{REDIRECT_URI_MAX} characters")
    return uri


def _check_workspace_integration(conn: sa.Connection, request: ConnectSessionCreate, integration_name: str) -> None:
    wi = t.workspace_integrations
    row = conn.execute(sa.select(wi.c.integration_name).where(
        wi.c.id == request.workspace_integration_id, wi.c.workspace_id == request.workspace_id)).first()
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"Workspace integration '{request.workspace_integration_id}' not found "
                       "in this workspace", details={"id": request.workspace_integration_id})
    if row.integration_name != integration_name:
        raise invalid("workspaceIntegrationId",
                      f"Workspace integration '{request.workspace_integration_id}' is for integration "
                      f"'{row.integration_name}', not '{integration_name}'")


