"""OAuth apps: one registered OAuth2 client per (organization, integration), with its secret encrypted at rest.

What the engine needs of an app to run the authorization-code flow or a refresh is an :class:`OAuthClient` (the app
with the integration's defaults filled in and its secret decrypted): :meth:`OAuthAppService.client` is the one
decrypting path. Administration needs an org-wide key: an app's token URL receives refresh tokens and the secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from weavz_flow.credential_hosts import check_url
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.services.scope import conflict_as, not_found
from weavz_flow.engine.stamps import format_time, new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.oauth_providers import OAuthProvider, oauth_provider
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.oauth import OAuthApp, OAuthAppCreate, OAuthAppUpdate
from weavz_flow.wire.vocabulary import ConnectionType

if TYPE_CHECKING:  # connections imports this module (token_columns) at load time
    from weavz_flow.engine.services.connections import ConnectionService

_a = t.oauth_apps
_c = t.connections

OAUTH_TYPES = (str(ConnectionType.OAUTH2), str(ConnectionType.PLATFORM_OAUTH2))
_URL_FIELDS = ("authorize_url", "token_url", "redirect_uri", "api_base_url")


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """An OAuth app as the flow and refresh use it: defaults filled in, the secret decrypted (never printed)."""

    app_id: str
    integration: str
    client_id: str
    client_secret: Sensitive[str] | None
    scopes: tuple[str, ...]
    authorize_url: str
    token_url: str
    redirect_uri: str | None  # None: the server's own callback
    authorize_params: dict[str, str] = field(default_factory=dict)


class OAuthAppService:
    def __init__(
        self, store: Store, cipher: CredentialCipher, source: CatalogSource, connections: ConnectionService,
    ) -> None:
        self._store = store
        self._cipher = cipher
        self._source = source
        self._connections = connections

    def create(self, caller: Caller, request: OAuthAppCreate) -> OAuthApp:
        caller.require_org_wide("Registering an OAuth app")
        integration = self._source.catalog().integration(request.integration_name).name
        urls = {f: check_url(_camel(f), getattr(request, f)) for f in _URL_FIELDS}
        _check_urls(integration, urls)
        now = utc_now()
        row = {"id": new_id(), "org_id": caller.org_id, "integration_name": integration,
               "client_id": request.client_id, "client_secret": self._secret(request.client_secret),
               "scopes": list(request.scopes or []),
               **urls, "created_at": now, "updated_at": now}
        duplicate = (f"An OAuth app for '{integration}' already exists in this organization",
                     {"integrationName": integration})
        with conflict_as(ErrorCode.DUPLICATE, *duplicate), self._store.write() as conn:
            taken = conn.execute(sa.select(_a.c.id).where(
                _a.c.org_id == caller.org_id, _a.c.integration_name == integration)).first()
            if taken is not None:
                raise ApiError(ErrorCode.DUPLICATE, duplicate[0], details=duplicate[1])
            conn.execute(sa.insert(_a).values(row))
            return _model(conn.execute(sa.select(_a).where(_a.c.id == row["id"])).one())

    def list_all(self, caller: Caller) -> list[OAuthApp]:
        with self._store.read() as conn:
            rows = conn.execute(sa.select(_a).where(_a.c.org_id == caller.org_id)
                                .order_by(_a.c.integration_name)).all()
        return [_model(r) for r in rows]

    def get(self, caller: Caller, app_id: str) -> OAuthApp:
        with self._store.read() as conn:
            return _model(_row(conn, caller.org_id, app_id))

    def update(self, caller: Caller, app_id: str, request: OAuthAppUpdate) -> OAuthApp:
        caller.require_org_wide("Changing an OAuth app")
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        changes: dict[str, Any] = {}
        if "client_id" in fields:
            if request.client_id is None:
                raise ApiError(ErrorCode.VALIDATION_ERROR, "clientId cannot be cleared",
                               details={"fields": [{"field": "clientId", "message": "required"}]})
            changes["client_id"] = request.client_id
        if "client_secret" in fields:
            changes["client_secret"] = self._secret(request.client_secret)
        if "scopes" in fields:
            changes["scopes"] = list(request.scopes or [])
        for name in _URL_FIELDS:
            if name in fields:
                changes[name] = check_url(_camel(name), getattr(request, name))
        with self._store.write() as conn:
            current = _row(conn, caller.org_id, app_id)
            merged = {f: changes.get(f, getattr(current, f)) for f in _URL_FIELDS}
            _check_urls(current.integration_name, merged)
            conn.execute(sa.update(_a).where(_a.c.id == app_id).values(**changes, updated_at=utc_now()))
            return _model(conn.execute(sa.select(_a).where(_a.c.id == app_id)).one())

    def delete(self, caller: Caller, app_id: str) -> str:
        """Connections it issued keep their tokens and refresh with the integration's app, if one is registered."""
        caller.require_org_wide("Deleting an OAuth app")
        with self._store.write() as conn:
            _row(conn, caller.org_id, app_id)
            conn.execute(sa.update(_c).where(_c.c.org_id == caller.org_id, _c.c.oauth_app_id == app_id)
                         .values(oauth_app_id=None))
            conn.execute(sa.delete(_a).where(_a.c.id == app_id))
        return app_id

    def configured(self, caller: Caller) -> list[str]:
        """Integration names with an OAuth app in the caller's organization or an OAuth connection it may see."""
        with self._store.read() as conn:
            names = set(conn.execute(sa.select(_a.c.integration_name).where(_a.c.org_id == caller.org_id)).scalars())
        names.update(c.integration_name for c in self._connections.list_all(caller) if c.type in OAUTH_TYPES)
        return sorted(names)

    # -- for the engine: the OAuth flow and refresh --------------------------------------------------------------

    def client(self, conn: sa.Connection, org_id: str, integration: str, app_id: str | None = None) -> OAuthClient:
        """The app ``app_id`` names, else the organization's app for ``integration``; 400 NO_OAUTH_APP when neither
        exists (404 OAUTH_APP_NOT_FOUND for an ``app_id`` of another organization or integration)."""
        where = [_a.c.org_id == org_id, _a.c.integration_name == integration]
        row = conn.execute(sa.select(_a).where(*where, *([_a.c.id == app_id] if app_id else []))).first()
        if row is None and app_id:
            raise not_found("OAuth app", app_id, ErrorCode.OAUTH_APP_NOT_FOUND)
        if row is None:
            raise ApiError(ErrorCode.NO_OAUTH_APP,
                           f"No OAuth app is registered for '{integration}': add one with POST /api/v1/oauth-apps",
                           details={"integrationName": integration})
        secret = self._cipher.decrypt(row.client_secret)["secret"] if row.client_secret is not None else None
        scopes, authorize_url, token_url, params = _effective(row)
        return OAuthClient(
            app_id=row.id, integration=integration, client_id=row.client_id,
            client_secret=Sensitive(secret) if secret is not None else None, scopes=scopes,
            authorize_url=authorize_url, token_url=token_url, redirect_uri=row.redirect_uri, authorize_params=params,
        )

    def _secret(self, secret: Any) -> bytes | None:
        if secret is None:
            return None
        return self._cipher.encrypt({"secret": secret.get_secret_value()})


def token_columns(
    conn: sa.Connection, org_id: str, integration: str, credential: dict[str, Any], app_id: str | None,
    base_url: str | None,
) -> dict[str, Any]:
    """The connection columns an OAuth credential sets: its app (checked to be this organization's app for the
    integration), when its access token expires (from ``expiresIn``), and, when the app names an API host and
    ``base_url`` is None, that host."""
    if credential.get("type") not in OAUTH_TYPES:
        return {}
    columns: dict[str, Any] = {"oauth_app_id": app_id, "token_expires_at": expiry(credential.get("expiresIn"))}
    if app_id is not None:
        row = conn.execute(sa.select(_a.c.integration_name, _a.c.api_base_url)
                           .where(_a.c.id == app_id, _a.c.org_id == org_id)).first()
        if row is None or row.integration_name != integration:
            raise not_found("OAuth app", app_id, ErrorCode.OAUTH_APP_NOT_FOUND)
        if base_url is None and row.api_base_url is not None:
            columns["base_url"] = row.api_base_url
    return columns


def expiry(expires_in: Any, now: datetime | None = None) -> str | None:
    """When a token given ``expires_in`` seconds now expires, in the store's time format; None if it did not say."""
    if expires_in is None or isinstance(expires_in, bool):
        return None
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return None
    return format_time((now or datetime.now(UTC)) + timedelta(seconds=seconds))


def _row(conn: sa.Connection, org_id: str, app_id: str) -> AnyRow:
    row = conn.execute(sa.select(_a).where(_a.c.id == app_id, _a.c.org_id == org_id)).first()
    if row is None:
        raise not_found("OAuth app", app_id, ErrorCode.OAUTH_APP_NOT_FOUND)
    return row


def _check_urls(integration: str, urls: dict[str, str | None]) -> None:
    defaults: OAuthProvider | None = oauth_provider(integration)
    if defaults is None and not (urls.get("authorize_url") and urls.get("token_url")):
        raise ApiError(ErrorCode.INVALID_OAUTH_APP,
                       f"'{integration}' has no default OAuth endpoints here: give authorizeUrl and tokenUrl",
                       details={"integrationName": integration})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _effective(row: AnyRow) -> tuple[tuple[str, ...], str, str, dict[str, str]]:
    """An app's scopes, authorize URL, token URL and extra authorize parameters, its integration's defaults filling
    in what it leaves out."""
    defaults = oauth_provider(row.integration_name)
    if defaults is None:  # the app was made with both URLs (see _check_urls)
        return tuple(row.scopes or ()), row.authorize_url or "", row.token_url or "", {}
    return (tuple(row.scopes or defaults.scopes), row.authorize_url or defaults.authorize_url,
            row.token_url or defaults.token_url, dict(defaults.authorize_params))


def _model(row: AnyRow) -> OAuthApp:
    scopes, authorize_url, token_url, _ = _effective(row)
    return OAuthApp(
        id=row.id, org_id=row.org_id, integration_name=row.integration_name, client_id=row.client_id,
        client_secret_set=row.client_secret is not None, scopes=list(scopes), authorize_url=authorize_url,
        token_url=token_url,
        redirect_uri=row.redirect_uri, api_base_url=row.api_base_url, created_at=row.created_at,
        updated_at=row.updated_at,
    )
