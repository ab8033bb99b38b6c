"""End-user portal links: ``eut_`` tokens that let one end user see and manage *their own* connections.

A token is issued by an API caller for one end user of a workspace the caller may touch (a scoped key: only its
workspaces), optionally narrowed to one integration or one alias; it expires (3,600 to 2,592,000 seconds, default
604,800) and is kept only as its sha256. Whoever holds it sees the workspace's aliases that resolve per user and,
for each, the connections *that end user* owns for its integration, and may disconnect those; nothing else is
listed, read or changed through it. An invite records who asked to send the link to which address; no email is
sent (delivering the link is the caller's job, which ``emailSent: false`` says).

``clock`` is injectable so that tests can move time instead of sleeping.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.connect_values import ConnectSession, ConnectSessionCreate
from weavz_flow.engine.models import Connection, EndUser, WorkspaceIntegration
from weavz_flow.engine.naming import EXTERNAL_ID_MAX, invalid
from weavz_flow.engine.services import connection_rows
from weavz_flow.engine.services import workspace_integrations as alias_rows
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.services.connect_sessions import ConnectSessionService
from weavz_flow.engine.services.scope import not_found
from weavz_flow.engine.stamps import format_time, new_id, parse_time
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.portal import DEFAULT_EXPIRES_IN_S, MAX_EXPIRES_IN_S, MIN_EXPIRES_IN_S
from weavz_flow.wire.vocabulary import (
    EMAIL_MAX,
    END_USER_CONNECT_SETTING,
    PORTAL_TOKEN_PREFIX,
    EndUserConnect,
    Strategy,
)

PER_USER_STRATEGIES = frozenset({Strategy.PER_USER.value, Strategy.PER_USER_WITH_FALLBACK.value})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

_pt = t.portal_tokens
_inv = t.end_user_invites
_eu = t.end_users
_wi = t.workspace_integrations
_c = t.connections


def _system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class PortalToken:
    """What a token grants (never the token itself)."""

    id: str
    org_id: str
    workspace_id: str
    end_user_id: str  # the internal id
    integration_name: str | None
    workspace_integration_id: str | None
    expires_at: str
    created_at: str

    def caller(self) -> Caller:
        """The token's authority as a caller: its one workspace of its organization, no API key."""
        return Caller(org_id=self.org_id, workspace_ids=frozenset({self.workspace_id}))


@dataclass(frozen=True, slots=True)
class IssuedPortalToken:
    """A new token and its plain value, which exists only here: the store keeps its sha256."""

    token: PortalToken
    plain: Sensitive[str]


@dataclass(frozen=True, slots=True)
class PortalInvite:
    id: str
    end_user_id: str
    email: str
    portal_token_id: str
    invited_by_api_key_id: str | None
    email_sent: bool  # always False: weavz-flow sends no email
    created_at: str


@dataclass(frozen=True, slots=True)
class PortalEntry:
    """One alias on the portal and the connections the token's end user owns for its integration (newest first:
    the first ACTIVE one is what execute uses)."""

    alias: WorkspaceIntegration
    integration_display_name: str
    connections: list[Connection]


@dataclass(frozen=True, slots=True)
class PortalView:
    token: PortalToken
    end_user: EndUser
    entries: list[PortalEntry]

    def entry(self, workspace_integration_id: str) -> PortalEntry | None:
        return next((e for e in self.entries if e.alias.id == workspace_integration_id), None)


class PortalTokenService:
    def __init__(
        self, store: Store, source: CatalogSource, connect_sessions: ConnectSessionService,
        clock: Callable[[], datetime] = _system_clock,
    ) -> None:
        self._store = store
        self._source = source
        self._connect_sessions = connect_sessions
        self.clock = clock

    def issue(
        self, caller: Caller, end_user_id: str, *, integration_name: str | None = None,
        workspace_integration_id: str | None = None, expires_in: int | None = None,
    ) -> IssuedPortalToken:
        """A portal link for the end user with internal id ``end_user_id`` (404 outside the caller's scope)."""
        with self._store.write() as conn:
            return self._issue(conn, caller, end_user_id, integration_name, workspace_integration_id, expires_in)

    def invite(
        self, caller: Caller, end_user_id: str, *, email: str, integration_name: str | None = None,
        workspace_integration_id: str | None = None, expires_in: int | None = None,
    ) -> tuple[PortalInvite, IssuedPortalToken]:
        """A portal link and the record that ``caller`` invited ``email`` with it. No email is sent."""
        if not isinstance(email, str) or len(email) > EMAIL_MAX or not _EMAIL.match(email):
            raise invalid("email", "email must be an email address (name@host)")
        with self._store.write() as conn:
            issued = self._issue(conn, caller, end_user_id, integration_name, workspace_integration_id, expires_in)
            invite = PortalInvite(id=new_id(), end_user_id=end_user_id, email=email, portal_token_id=issued.token.id,
                                  invited_by_api_key_id=caller.api_key_id, email_sent=False,
                                  created_at=issued.token.created_at)
            conn.execute(sa.insert(_inv).values(org_id=caller.org_id, workspace_id=issued.token.workspace_id,
                                                **asdict(invite)))
        return invite, issued

    def open(self, plain: str) -> PortalToken:
        """The grant of a presented token: 404 PORTAL_TOKEN_INVALID when unknown, 410 PORTAL_TOKEN_EXPIRED after."""
        with self._store.read() as conn:
            return self._open(conn, plain)

    def view(self, plain: str) -> PortalView:
        """What the portal shows the token's holder."""
        with self._store.read() as conn:
            token = self._open(conn, plain)
            end_user = conn.execute(sa.select(_eu).where(_eu.c.id == token.end_user_id)).one()
            aliases = self._portal_aliases(conn, token)
            owned = conn.execute(connection_rows.SELECT.where(
                _c.c.org_id == token.org_id, _c.c.workspace_id == token.workspace_id,
                _c.c.end_user_id == token.end_user_id,
                _c.c.integration_name.in_(sorted({a.integration_name for a in aliases})),
            ).order_by(_c.c.created_at.desc(), _c.c.id)).all()
        connections = connection_rows.models(owned)
        entries = [PortalEntry(a, self._display_name(a.integration_name),
                               [c for c in connections if c.integration_name == a.integration_name])
                   for a in aliases]
        return PortalView(token, EndUser.model_validate(dict(end_user._mapping)), entries)

    def disconnect(self, plain: str, connection_id: str) -> Connection:
        """Delete one of the connections the portal lists for the token's end user; any other id is 404, the same
        answer as an id that never existed."""
        with self._store.write() as conn:
            token = self._open(conn, plain)
            aliases = self._portal_aliases(conn, token)
            row = conn.execute(connection_rows.SELECT.where(
                _c.c.id == connection_id, _c.c.org_id == token.org_id, _c.c.workspace_id == token.workspace_id,
                _c.c.end_user_id == token.end_user_id,
                _c.c.integration_name.in_(sorted({a.integration_name for a in aliases})),
            )).first()
            if row is None:
                raise not_found("Connection", connection_id, ErrorCode.CONNECTION_NOT_FOUND)
            conn.execute(sa.delete(_c).where(_c.c.id == connection_id))
        return connection_rows.model(row)

    def connect(
        self, plain: str, workspace_integration_id: str, *, replacing: str | None = None,
        success_redirect_uri: str, error_redirect_uri: str,
    ) -> tuple[ConnectSession, str]:
        """A hosted-connect session (and its plain ``cst_`` token) for the token's end user and one listed alias:
        a new connection, or, with ``replacing``, a new credential for one of the listed connections in place (the
        session keeps its externalId, and completing it for the same end user replaces the credential)."""
        view = self.view(plain)
        entry = view.entry(workspace_integration_id)
        if entry is None:
            raise not_found("Workspace integration", workspace_integration_id)
        alias = entry.alias
        if replacing is not None:
            existing = next((c for c in entry.connections if c.id == replacing), None)
            if existing is None:
                raise not_found("Connection", replacing, ErrorCode.CONNECTION_NOT_FOUND)
            external_id, name = existing.external_id, existing.display_name
        else:
            # One per end user and integration (execute picks an end user's connection by integration), so that
            # connecting again, through any alias of it, replaces rather than adds.
            external_id = f"portal-{view.end_user.id}-{alias.integration_name}"
            name = f"{alias.display_name or alias.alias} of {view.end_user.display_name or view.end_user.external_id}"
        request = ConnectSessionCreate(
            integration_name=alias.integration_name, connection_name=name[:EXTERNAL_ID_MAX],
            external_id=external_id, workspace_id=view.token.workspace_id, end_user_id=view.end_user.external_id,
            workspace_integration_id=alias.id, success_redirect_uri=success_redirect_uri,
            error_redirect_uri=error_redirect_uri)
        return self._connect_sessions.create(view.token.caller(), request)

    def _portal_aliases(self, conn: sa.Connection, token: PortalToken) -> list[WorkspaceIntegration]:
        """The aliases the portal shows: those resolving per user, of integrations that take a connection; only
        those that declare ``endUserConnect: portal`` when any alias of the workspace does; narrowed to the
        token's alias or integration."""
        rows = conn.execute(sa.select(_wi).where(_wi.c.workspace_id == token.workspace_id)
                            .order_by(_wi.c.sort_order, _wi.c.alias)).all()
        aliases = [alias_rows.model(r) for r in rows]
        declared = [a for a in aliases if declares_portal(a.settings)]
        shown = [a for a in (declared or aliases)
                 if a.connection_strategy in PER_USER_STRATEGIES and self._takes_connection(a.integration_name)]
        if token.workspace_integration_id is not None:
            return [a for a in shown if a.id == token.workspace_integration_id]
        if token.integration_name is not None:
            return [a for a in shown if a.integration_name == token.integration_name]
        return shown

    def _integration(self, name: str) -> IntegrationInfo | None:
        try:
            return self._source.catalog().integration(name)
        except ApiError:  # no longer in the catalog: still listed, so that its connections can be removed
            return None

    def _takes_connection(self, name: str) -> bool:
        info = self._integration(name)
        return info is None or info.needs_connection

    def _display_name(self, name: str) -> str:
        info = self._integration(name)
        return (info.display_name if info is not None else "") or name

    def _issue(
        self, conn: sa.Connection, caller: Caller, end_user_id: str, integration_name: str | None,
        workspace_integration_id: str | None, expires_in: int | None,
    ) -> IssuedPortalToken:
        seconds = _check_expires_in(expires_in)
        end_user = conn.execute(sa.select(_eu).where(_eu.c.id == end_user_id, _eu.c.org_id == caller.org_id)).first()
        if end_user is None or not caller.may_access(end_user.workspace_id):  # out of scope: as if it did not exist
            raise not_found("End user", end_user_id, ErrorCode.END_USER_NOT_FOUND)
        integration_name = _check_target(conn, end_user.workspace_id, integration_name, workspace_integration_id)
        plain = PORTAL_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        token = PortalToken(id=new_id(), org_id=caller.org_id, workspace_id=end_user.workspace_id,
                            end_user_id=end_user_id, integration_name=integration_name,
                            workspace_integration_id=workspace_integration_id,
                            expires_at=format_time(now + timedelta(seconds=seconds)), created_at=format_time(now))
        conn.execute(sa.insert(_pt).values(
            id=token.id, org_id=token.org_id, workspace_id=token.workspace_id, end_user_id=end_user_id,
            token_hash=hash_key(plain), integration_name=integration_name,
            workspace_integration_id=workspace_integration_id, created_by_api_key_id=caller.api_key_id,
            expires_at=token.expires_at, created_at=token.created_at))
        return IssuedPortalToken(token, Sensitive(plain))

    def _open(self, conn: sa.Connection, plain: str) -> PortalToken:
        if not isinstance(plain, str) or not plain.startswith(PORTAL_TOKEN_PREFIX):
            raise _unknown_token()
        digest = hash_key(plain)
        row = conn.execute(sa.select(_pt).where(_pt.c.token_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            raise _unknown_token()
        if parse_time(row.expires_at) <= self.clock():
            raise ApiError(ErrorCode.PORTAL_TOKEN_EXPIRED, "This portal link has expired; ask for a new one")
        return PortalToken(id=row.id, org_id=row.org_id, workspace_id=row.workspace_id, end_user_id=row.end_user_id,
                           integration_name=row.integration_name,
                           workspace_integration_id=row.workspace_integration_id, expires_at=row.expires_at,
                           created_at=row.created_at)


def _unknown_token() -> ApiError:
    return ApiError(ErrorCode.PORTAL_TOKEN_INVALID, "This portal link is not valid (it may have been withdrawn)")


def _check_expires_in(expires_in: int | None) -> int:
    if expires_in is None:
        return DEFAULT_EXPIRES_IN_S
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) \
            or not MIN_EXPIRES_IN_S <= expires_in <= MAX_EXPIRES_IN_S:
        raise invalid("expiresIn", f"expiresIn must be a whole number of seconds from {MIN_EXPIRES_IN_S:,} to "
                                   f"{MAX_EXPIRES_IN_S:,}")
    return expires_in


def _check_target(
    conn: sa.Connection, workspace_id: str, integration_name: str | None, workspace_integration_id: str | None,
) -> str | None:
    """The integration a link is narrowed to, checked against the end user's workspace (None: every alias)."""
    if workspace_integration_id is not None:
        alias = conn.execute(sa.select(_wi.c.integration_name).where(
            _wi.c.id == workspace_integration_id, _wi.c.workspace_id == workspace_id)).first()
        if alias is None:
            raise not_found("Workspace integration", workspace_integration_id)
        if integration_name is not None and integration_name != alias.integration_name:
            raise invalid("integrationName", f"workspace integration '{workspace_integration_id}' is an alias of "
                                             f"'{alias.integration_name}', not '{integration_name}'")
        return str(alias.integration_name)
    if integration_name is not None:
        found = conn.execute(sa.select(_wi.c.id).where(
            _wi.c.workspace_id == workspace_id, _wi.c.integration_name == integration_name).limit(1)).first()
        if found is None:
            raise ApiError(ErrorCode.INTEGRATION_NOT_FOUND,
                           f"The end user's workspace has no alias of integration '{integration_name}'",
                           details={"integrationName": integration_name})
    return integration_name


def declares_portal(settings: object) -> bool:
    return isinstance(settings, dict) and settings.get(END_USER_CONNECT_SETTING) == EndUserConnect.PORTAL.value

