"""Connections: encrypted credentials with natural key (integrationName, externalId) within the organization.

The credential is encrypted before it reaches the store and no read here returns it; :meth:`load_credentials` is the
one decrypting path, used by the execute pipeline. A connection is visible to every workspace when its scope is
ORGANIZATION, else only to its own workspace.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from weavz_flow.credential_hosts import RULE, check_url, origin
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.inputs import ConnectionCreate, ConnectionUpdate, CredentialInput
from weavz_flow.engine.models import Connection, Page
from weavz_flow.engine.naming import EXTERNAL_ID_MAX, ConnectionScope, ConnectionType, check_name, invalid, parse_enum
from weavz_flow.engine.services.connection_rows import SELECT, model
from weavz_flow.engine.services.end_users import ensure_end_user
from weavz_flow.engine.services.oauth_apps import token_columns
from weavz_flow.engine.services.scope import conflict_as, not_found, page_bounds, workspace_row
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits, check_json_size

_c = t.connections
_eu = t.end_users

STATUSES = ("ACTIVE", "ERROR")


class ConnectionService:
    def __init__(
        self, store: Store, cipher: CredentialCipher, source: CatalogSource,
        limits: SizeLimits = DEFAULT_SIZE_LIMITS,
    ) -> None:
        self._store = store
        self._limits = limits
        self._cipher = cipher
        self._source = source

    def create(self, caller: Caller, request: ConnectionCreate) -> Connection:
        conn_type = parse_enum(ConnectionType, "type", request.type)
        check_name("externalId", request.external_id, max_length=EXTERNAL_ID_MAX)
        check_name("displayName", request.display_name, max_length=EXTERNAL_ID_MAX)
        integration = self._source.catalog().integration(request.integration_name)
        credential = request.credential(str(conn_type))
        _check_credential(conn_type, credential)
        check_json_size(credential, "credential", self._limits.secret_bytes)
        if request.workspace_id is None:
            if request.end_user_id is not None:
                raise invalid("workspaceId", "workspaceId is required with endUserId (end users live in a workspace)")
            caller.require_org_wide("Creating an organization-wide connection")
        scope = (parse_enum(ConnectionScope, "scope", request.scope) if request.scope
                 else _default_scope(caller, request))
        if scope == ConnectionScope.ORGANIZATION:
            caller.require_org_wide("Creating an organization-wide connection")
        if scope != ConnectionScope.ORGANIZATION and request.workspace_id is None:
            raise invalid("workspaceId", f"workspaceId is required for scope {scope}")
        now = utc_now()
        row = {
            "id": new_id(), "org_id": caller.org_id, "integration_name": integration.name,
            "external_id": request.external_id, "type": str(conn_type), "display_name": request.display_name,
            "status": "ACTIVE", "scope": str(scope), "workspace_id": request.workspace_id, "end_user_id": None,
            "credential": self._cipher.encrypt(credential),
            "credential_fingerprint": self._cipher.fingerprint(credential),
            "base_url": check_url("baseUrl", request.base_url), "created_at": now, "updated_at": now,
        }
        duplicate = (f"A connection '{request.external_id}' already exists for integration '{integration.name}'",
                     {"integrationName": integration.name, "externalId": request.external_id})
        with conflict_as(ErrorCode.DUPLICATE, *duplicate), self._store.write() as conn:
            if request.workspace_id is not None:
                workspace_row(conn, caller, request.workspace_id)
            if request.end_user_id is not None and request.workspace_id is not None:  # checked above: both or none
                # Weavz creates the end user a connection names when it does not exist yet (weavz-api.md §1.6);
                # in this transaction, so a connection refused below leaves no end user behind.
                row["end_user_id"] = ensure_end_user(conn, caller, request.workspace_id, request.end_user_id)
            row.update(token_columns(conn, caller.org_id, integration.name, credential, request.oauth_app_id,
                                     request.base_url))
            taken = conn.execute(sa.select(_c.c.id).where(
                _c.c.org_id == caller.org_id, _c.c.integration_name == integration.name,
                _c.c.external_id == request.external_id)).first()
            if taken is not None:
                raise ApiError(ErrorCode.DUPLICATE, duplicate[0], details=duplicate[1])
            conn.execute(sa.insert(_c).values(row))
            return model(conn.execute(SELECT.where(_c.c.id == row["id"])).one())

    def update(self, caller: Caller, connection_id: str, request: ConnectionUpdate) -> Connection:
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        with self._store.write() as conn:
            current = self._row(conn, caller, connection_id, writing=True)
            changes: dict[str, Any] = {}
            if "display_name" in fields and request.display_name is not None:
                changes["display_name"] = check_name("displayName", request.display_name, max_length=EXTERNAL_ID_MAX)
            if "status" in fields and request.status is not None:
                if request.status not in STATUSES:
                    raise invalid("status", "status must be ACTIVE or ERROR")
                changes["status"] = request.status
            new_credential = bool(fields & set(CredentialInput.model_fields))
            if "base_url" in fields:
                changes["base_url"] = check_url("baseUrl", request.base_url)
                _check_host_change(current.base_url, changes["base_url"], new_credential)
            if new_credential:
                conn_type = ConnectionType(current.type)
                credential = request.credential(str(conn_type))
                _check_credential(conn_type, credential)
                check_json_size(credential, "credential", self._limits.secret_bytes)
                changes["credential"] = self._cipher.encrypt(credential)
                changes["credential_fingerprint"] = self._cipher.fingerprint(credential)
                changes.update(token_columns(conn, caller.org_id, current.integration_name, credential,
                                             current.oauth_app_id, changes.get("base_url", current.base_url)))
            changes["updated_at"] = utc_now()
            conn.execute(sa.update(_c).where(_c.c.id == connection_id).values(changes))
            return model(conn.execute(SELECT.where(_c.c.id == connection_id)).one())

    def list_page(
        self, caller: Caller, *, limit: int | None = None, offset: int | None = None,
        workspace_id: str | None = None, integration_name: str | None = None,
    ) -> Page[Connection]:
        limit, offset = page_bounds(limit, offset, maximum=100_000)
        where = self._visible(caller)
        if workspace_id is not None:
            caller.check_workspace(workspace_id)
            where.append(sa.or_(_c.c.scope == str(ConnectionScope.ORGANIZATION), _c.c.workspace_id == workspace_id))
        if integration_name is not None:
            where.append(_c.c.integration_name == integration_name)
        with self._store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(_c).where(*where)).scalar_one()
            rows = conn.execute(
                SELECT.where(*where).order_by(_c.c.created_at, _c.c.id).limit(limit).offset(offset)
            ).all()
        return Page([model(r) for r in rows], total)

    def list_all(self, caller: Caller) -> list[Connection]:
        """Every connection the caller may see, in one query (for plan)."""
        with self._store.read() as conn:
            rows = conn.execute(
                SELECT.where(*self._visible(caller)).order_by(_c.c.integration_name, _c.c.external_id)
            ).all()
        return [model(r) for r in rows]

    def get(self, caller: Caller, connection_id: str) -> Connection:
        with self._store.read() as conn:
            return model(self._row(conn, caller, connection_id))

    def delete(self, caller: Caller, connection_id: str) -> str:
        """Aliases that pinned it keep their strategy with no connection (execute then says CONNECTION_REQUIRED)."""
        with self._store.write() as conn:
            self._row(conn, caller, connection_id, writing=True)
            conn.execute(sa.delete(_c).where(_c.c.id == connection_id))
        return connection_id

    def fingerprint(self, type: str, credential: CredentialInput) -> str:
        """What :attr:`Connection.credential_fingerprint` would be for this credential (plan compares the two)."""
        return self._cipher.fingerprint(credential.credential(str(parse_enum(ConnectionType, "type", type))))

    def load_credentials(self, conn: sa.Connection, connection_id: str) -> Credentials:
        """The decrypted credential, for the execute pipeline only."""
        row = conn.execute(sa.select(_c.c.credential, _c.c.token_expires_at).where(_c.c.id == connection_id)).one()
        return credentials_from(self._cipher.decrypt(row.credential), row.token_expires_at)

    def _row(self, conn: sa.Connection, caller: Caller, connection_id: str, *, writing: bool = False) -> AnyRow:
        row = conn.execute(SELECT.where(_c.c.id == connection_id, _c.c.org_id == caller.org_id)).first()
        if row is None or not visible_to(caller, row):
            raise not_found("Connection", connection_id, ErrorCode.CONNECTION_NOT_FOUND)
        if writing and not caller.org_wide and (row.workspace_id is None or not caller.may_access(row.workspace_id)):
            raise ApiError(ErrorCode.SCOPE_DENIED, "This API key may not change organization-wide connections")
        return row

    @staticmethod
    def _visible(caller: Caller) -> list[Any]:
        where: list[Any] = [_c.c.org_id == caller.org_id]
        if caller.workspace_ids is not None:
            where.append(sa.or_(_c.c.scope == str(ConnectionScope.ORGANIZATION),
                                _c.c.workspace_id.in_(sorted(caller.workspace_ids))))
        return where


def visible_in_workspace(row: Any, workspace_id: str) -> bool:
    return row.scope == ConnectionScope.ORGANIZATION or row.workspace_id == workspace_id


def visible_to(caller: Caller, row: Any) -> bool:
    return (caller.org_wide or row.scope == ConnectionScope.ORGANIZATION
            or (row.workspace_id is not None and caller.may_access(row.workspace_id)))


def credentials_from(data: dict[str, Any], expires_at: str | None = None) -> Credentials:
    def secret(key: str) -> Sensitive[str] | None:
        value = data.get(key)
        return Sensitive(value) if value is not None else None

    props = data.get("props")
    return Credentials(
        type=data["type"],
        secret_text=secret("secretText"),
        username=data.get("username"),
        password=secret("password"),
        props=Sensitive(props) if props is not None else None,
        access_token=secret("accessToken"),
        refresh_token=secret("refreshToken"),
        token_type=data.get("tokenType"),
        expires_at=expires_at,
    )


def _check_credential(conn_type: ConnectionType, credential: dict[str, Any]) -> None:
    def need(key: str, wire: str) -> None:
        value = credential.get(key)
        if value is None or value == "" or value == {}:
            raise invalid(wire, f"{wire} is required for a {conn_type} connection")

    if conn_type == ConnectionType.SECRET_TEXT:
        need("secretText", "secretText")
    elif conn_type == ConnectionType.BASIC_AUTH:
        need("username", "username")
        need("password", "password")
    elif conn_type == ConnectionType.CUSTOM_AUTH:
        need("props", "props")
    else:
        need("accessToken", "accessToken")


def _default_scope(caller: Caller, request: ConnectionCreate) -> ConnectionScope:
    """USER for an end user's connection; else ORGANIZATION, as on Weavz, but WORKSPACE for a workspace-scoped key,
    which may not create a connection other workspaces would see."""
    if request.end_user_id:
        return ConnectionScope.USER
    return ConnectionScope.ORGANIZATION if caller.org_wide else ConnectionScope.WORKSPACE


def _check_host_change(old: str | None, new: str | None, new_credential: bool) -> None:
    """Moving a connection to another host takes its credential along: only with the credential in the same update,
    so that whoever may edit a connection cannot send a secret they never saw to a host of their choosing."""
    if new_credential or (origin(old) if old else None) == (origin(new) if new else None):
        return
    raise ApiError(ErrorCode.CREDENTIAL_HOST_DENIED,
                   f"baseUrl may move a connection to another host only together with its credential: {RULE}",
                   details={"field": "baseUrl"})


