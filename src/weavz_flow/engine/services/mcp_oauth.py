"""MCP's OAuth authorization flow with weavz-flow as the authorization server (issue 16): registered clients, and
each authorization request from ``/authorize`` to the code's exchange at ``/token``.

The end user is identified by their hosted portal link (an ``eut_`` token, :mod:`.portal_tokens`): it must belong
to an end user of the MCP server's workspace. A request moves through single-use steps, each carried by a random
value of which only the sha256 is kept: the request link (``/authorize`` redirects the browser to it), then the
consent form (made once the person is identified, so that the consent page never holds the portal token), then the
code. A code lives :data:`CODE_TTL_S` seconds, is bound to its client, redirect URI and PKCE challenge, and is used
once: presented again, it is refused and the token it was exchanged for is revoked (RFC 6749 §4.1.2). Exchanging
it mints an ``mcpo_`` access token for that end user through :meth:`McpServerService.mint_token`; no refresh token
is issued (the client runs the flow again when the token expires).

Only servers whose auth mode offers OAuth (``oauth``, ``oauth_and_bearer``) take part. The PKCE check itself, the
client's redirect URI check (exact, against the registration) and the code's client binding are the ``mcp``
package's handlers'; this service keeps the state they read. ``clock`` is injectable so that tests can move time.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.services.mcp_servers import McpServerService
from weavz_flow.engine.services.portal_tokens import PortalTokenService
from weavz_flow.engine.stamps import format_time, new_id, parse_time
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.mcp import McpTokenCreate
from weavz_flow.wire.vocabulary import PORTAL_TOKEN_PREFIX, McpAuthMode

OAUTH_MODES = frozenset({McpAuthMode.OAUTH, McpAuthMode.OAUTH_AND_BEARER})
STEP_TTL_S = 600  # from /authorize to Approve: time to find the portal link and read the consent
CODE_TTL_S = 120  # the client exchanges the code at once
ACCESS_TOKEN_TTL_S = 3600
_PORTAL_TOKEN = re.compile(re.escape(PORTAL_TOKEN_PREFIX) + r"[A-Za-z0-9_-]+")

_cl = t.mcp_oauth_clients
_g = t.mcp_oauth_grants
_s = t.mcp_servers
_eu = t.end_users


def offers_oauth(auth_mode: str) -> bool:
    return auth_mode in OAUTH_MODES


def portal_token_in(text: str) -> str | None:
    """The ``eut_`` token in what the person pasted: the token itself or the whole portal link."""
    found = _PORTAL_TOKEN.search(text or "")
    return found.group(0) if found else None


class OAuthRefusal(Exception):
    """A step of the flow refused, with what to tell the person (never a secret). ``status`` is the page's."""

    def __init__(self, title: str, message: str, status: int) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """What /authorize asked for, after the package's handler checked the client and its redirect URI."""

    client_id: str
    server_id: str
    redirect_uri: str
    redirect_uri_explicit: bool
    code_challenge: str
    scopes: list[str]
    resource: str | None
    state: str | None


@dataclass(frozen=True, slots=True)
class Pending:
    """A request as its pages show it."""

    client_name: str
    server_name: str
    scopes: list[str]
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class Consent:
    """A request whose end user is identified, waiting for Approve or Deny; ``step`` is the consent form's value."""

    pending: Pending
    end_user_name: str
    step: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Where the browser goes after Approve (``code`` set) or Deny."""

    redirect_uri: str
    state: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code as the token endpoint checks it: the request it answers, for whom, until when."""

    grant_id: str
    request: AuthorizationRequest
    end_user_external_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    plain: str
    expires_in: int
    scopes: list[str]


def _system_clock() -> datetime:
    return datetime.now(UTC)


class McpOAuthService:
    def __init__(self, store: Store, servers: McpServerService, portal_tokens: PortalTokenService,
                 clock: Callable[[], datetime] = _system_clock) -> None:
        self._store = store
        self._servers = servers
        self._portal = portal_tokens
        self.clock = clock

    # -- clients --------------------------------------------------------------------------------------------------

    def register_client(self, client_id: str, client_name: str | None, redirect_uris: list[str],
                        client_info: dict[str, Any]) -> None:
        with self._store.write() as conn:
            conn.execute(sa.insert(_cl).values(client_id=client_id, client_name=client_name,
                                               redirect_uris=redirect_uris, client_info=client_info,
                                               created_at=format_time(self.clock())))

    def client_info(self, client_id: str) -> dict[str, Any] | None:
        with self._store.read() as conn:
            row = conn.execute(sa.select(_cl.c.client_info).where(_cl.c.client_id == client_id)).first()
        return dict(row.client_info) if row is not None else None

    # -- the person's steps ---------------------------------------------------------------------------------------

    def oauth_server(self, server_id: str) -> AnyRow | None:
        """The server if it exists, is not suspended and offers OAuth (else None: the flow is not offered)."""
        with self._store.read() as conn:
            row = conn.execute(sa.select(_s).where(_s.c.id == server_id)).first()
        return row if row is not None and not row.suspended and offers_oauth(row.auth_mode) else None

    def begin(self, request: AuthorizationRequest) -> str:
        """Records the request; the answer is the request link's single-use value."""
        step = secrets.token_urlsafe(32)
        now = self.clock()
        with self._store.write() as conn:
            conn.execute(sa.insert(_g).values(
                id=new_id(), client_id=request.client_id, server_id=request.server_id,
                redirect_uri=request.redirect_uri, redirect_uri_explicit=request.redirect_uri_explicit,
                code_challenge=request.code_challenge, scopes=request.scopes, resource=request.resource,
                state=request.state, step_hash=hash_key(step),
                step_expires_at=format_time(now + timedelta(seconds=STEP_TTL_S)), created_at=format_time(now)))
        return step

    def pending(self, step: str) -> Pending:
        """The request behind a request link, for the page that asks for the portal link."""
        with self._store.read() as conn:
            row = self._step_row(conn, step, identified=False)
            return self._pending(conn, row)

    def identify(self, step: str, portal_text: str) -> Consent:
        """Checks the portal token against the server's workspace and moves the request to its consent step (the
        request link is spent: the consent form carries a new value)."""
        plain = portal_token_in(portal_text)
        with self._store.write() as conn:
            row = self._step_row(conn, step, identified=False)
            if plain is None:
                raise OAuthRefusal("No portal link", "Paste the portal link you were sent, or the token in it "
                                   f"(it starts with {PORTAL_TOKEN_PREFIX}).", 400)
            try:
                token = self._portal.open(plain)
            except ApiError as exc:
                if exc.code == ErrorCode.PORTAL_TOKEN_EXPIRED:
                    raise OAuthRefusal("This portal link has expired",
                                       "Ask whoever sent it for a new link, then try again.", 410) from None
                raise OAuthRefusal("This portal link is not valid",
                                   "Check that you pasted the whole link, or ask for a new one.", 404) from None
            server = conn.execute(sa.select(_s.c.workspace_id, _s.c.name).where(_s.c.id == row.server_id)).one()
            if token.workspace_id != server.workspace_id:
                raise OAuthRefusal("Not a link for this server",
                                   f"This portal link belongs to another workspace than the MCP server "
                                   f"'{server.name}'. Use the link you were given for it.", 403)
            end_user = conn.execute(sa.select(_eu.c.external_id, _eu.c.display_name)
                                    .where(_eu.c.id == token.end_user_id)).one()
            consent = secrets.token_urlsafe(32)
            conn.execute(sa.update(_g).where(_g.c.id == row.id).values(
                end_user_id=token.end_user_id, step_hash=hash_key(consent)))
            return Consent(self._pending(conn, row), end_user.display_name or end_user.external_id, consent)

    def decide(self, step: str, *, approve: bool) -> Decision:
        """Approve: a code for the client; Deny: nothing (the grant is dropped). The consent value is spent."""
        with self._store.write() as conn:
            row = self._step_row(conn, step, identified=True)
            if not approve:
                conn.execute(sa.delete(_g).where(_g.c.id == row.id))
                return Decision(row.redirect_uri, row.state, None)
            code = secrets.token_urlsafe(32)
            expires = self.clock() + timedelta(seconds=CODE_TTL_S)
            conn.execute(sa.update(_g).where(_g.c.id == row.id).values(
                step_hash=None, code_hash=hash_key(code), code_expires_at=format_time(expires)))
            return Decision(row.redirect_uri, row.state, code)

    # -- the token endpoint ---------------------------------------------------------------------------------------

    def load_code(self, client_id: str, code: str) -> IssuedCode | None:
        """The unused code of this client (None otherwise). A code presented again after its exchange revokes the
        token it was exchanged for: whoever replays it may have stolen it."""
        with self._store.write() as conn:
            row = conn.execute(sa.select(_g, _eu.c.external_id.label("end_user_external_id"))
                               .select_from(_g.join(_eu, _eu.c.id == _g.c.end_user_id))
                               .where(_g.c.code_hash == hash_key(code))).first()
            if row is None or row.client_id != client_id:
                return None
            if row.used_at is not None:
                if row.token_id is not None:
                    conn.execute(sa.update(t.mcp_tokens).where(t.mcp_tokens.c.id == row.token_id,
                                                               t.mcp_tokens.c.revoked_at.is_(None))
                                 .values(revoked_at=format_time(self.clock())))
                return None
        request = AuthorizationRequest(
            client_id=row.client_id, server_id=row.server_id, redirect_uri=row.redirect_uri,
            redirect_uri_explicit=row.redirect_uri_explicit, code_challenge=row.code_challenge,
            scopes=list(row.scopes), resource=row.resource, state=row.state)
        return IssuedCode(grant_id=row.id, request=request, end_user_external_id=row.end_user_external_id,
                          expires_at=parse_time(row.code_expires_at))

    def exchange(self, grant_id: str) -> IssuedAccessToken:
        """Spends the code (once: a concurrent exchange of the same code finds it spent) and mints the token."""
        with self._store.atomic():
            with self._store.write() as conn:
                spent = conn.execute(sa.update(_g).where(_g.c.id == grant_id, _g.c.used_at.is_(None))
                                     .values(used_at=format_time(self.clock()))).rowcount
                row = conn.execute(sa.select(_g.c.server_id, _g.c.scopes, _s.c.org_id, _s.c.workspace_id,
                                             _s.c.auth_mode, _s.c.suspended, _eu.c.external_id)
                                   .select_from(_g.join(_s, _s.c.id == _g.c.server_id)
                                                .join(_eu, _eu.c.id == _g.c.end_user_id))
                                   .where(_g.c.id == grant_id)).first()
            if spent != 1 or row is None:
                raise OAuthRefusal("Code used", "authorization code has already been used", 400)
            if row.suspended or not offers_oauth(row.auth_mode):  # changed since the person approved
                raise OAuthRefusal("OAuth not offered", "the MCP server no longer offers OAuth", 400)
            caller = Caller(org_id=row.org_id, workspace_ids=frozenset({row.workspace_id}))
            request = McpTokenCreate(end_user_id=row.external_id, scopes=list(row.scopes),
                                     expires_in=ACCESS_TOKEN_TTL_S)
            plain, info = self._servers.mint_token(caller, row.server_id, request, oauth=True)
            with self._store.write() as conn:
                conn.execute(sa.update(_g).where(_g.c.id == grant_id).values(token_id=info.id))
        return IssuedAccessToken(plain, ACCESS_TOKEN_TTL_S, list(info.scopes))

    # -- helpers --------------------------------------------------------------------------------------------------

    def _step_row(self, conn: sa.Connection, step: str, *, identified: bool) -> AnyRow:
        row = conn.execute(sa.select(_g).where(_g.c.step_hash == hash_key(step or ""))).first() if step else None
        if row is None or (row.end_user_id is not None) != identified:
            raise OAuthRefusal("This sign-in link is not valid",
                               "It has been used already, or it is incomplete. Start again from your agent.", 404)
        if parse_time(row.step_expires_at) <= self.clock():
            raise OAuthRefusal("This sign-in has expired", "Start again from your agent.", 410)
        return row

    @staticmethod
    def _pending(conn: sa.Connection, row: AnyRow) -> Pending:
        client = conn.execute(sa.select(_cl.c.client_name).where(_cl.c.client_id == row.client_id)).one()
        server = conn.execute(sa.select(_s.c.name).where(_s.c.id == row.server_id)).one()
        return Pending(client.client_name or "An MCP client", server.name, list(row.scopes), row.redirect_uri)
