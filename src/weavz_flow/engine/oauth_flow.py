"""The OAuth2 authorization-code flow with PKCE (S256) behind a connect page's "Continue" link.

:meth:`OAuthFlow.start` (a ``cst_`` token in hand) picks the OAuth app for the session's integration, makes a random
``state`` and a code verifier, keeps them server-side in ``oauth_states`` (the state as its SHA-256; the verifier
and the session's token encrypted) and answers the provider's authorize URL. :meth:`OAuthFlow.finish` (the
provider's redirect back) takes the state row once (a ``DELETE ... RETURNING``, so a replayed callback finds
nothing), exchanges the code with the verifier, and completes the connect session with an OAUTH2 credential; a
provider error or a failed exchange fails the session instead. No database transaction is open during a call to the
provider: each write commits on its own.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.connect_values import ConnectCredential, ConnectSession
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.oauth_tokens import authorization_url, exchange_code, new_verifier
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.services.connect_sessions import ConnectSessionService
from weavz_flow.engine.services.oauth_apps import OAuthAppService
from weavz_flow.engine.stamps import format_time, parse_time
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.vocabulary import ConnectionType

_st = t.oauth_states

# The session itself cannot be used (any more): the page says so, whatever the sign-in brought.
SESSION_ERRORS = (ErrorCode.CONNECT_SESSION_EXPIRED, ErrorCode.CONNECT_SESSION_USED,
                  ErrorCode.CONNECT_SESSION_NOT_FOUND)

# How long a person has between "Continue" and the provider's redirect back (never past the session's own expiry).
STATE_TTL = timedelta(minutes=15)
DEFAULT_EXCHANGE_TIMEOUT_S = 15.0
_REASON_MAX = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a callback ended: the session as it is now, and for a failure its code and a message for the person."""

    session: ConnectSession
    error_code: str | None = None
    message: str = ""


class OAuthFlow:
    def __init__(self, store: Store, cipher: CredentialCipher, apps: OAuthAppService,
                 sessions: ConnectSessionService, timeout_s: float = DEFAULT_EXCHANGE_TIMEOUT_S) -> None:
        self._store = store
        self._cipher = cipher
        self._apps = apps
        self._sessions = sessions
        self._timeout_s = timeout_s

    def start(self, plain_token: str, callback_url: str) -> str:
        """The provider URL to send the person to. Raises the session's errors (unknown, expired, used) and
        NO_OAUTH_APP / VALIDATION_ERROR when this session cannot use OAuth2."""
        session = self._sessions.open(plain_token)
        if session.auth_method_key not in (None, str(ConnectionType.OAUTH2)):
            raise ApiError(ErrorCode.VALIDATION_ERROR, "This connect link takes no OAuth2 connection")
        state, verifier = secrets.token_urlsafe(32), new_verifier()
        now = self._sessions.clock()
        expires = min(now + STATE_TTL, parse_time(session.expires_at))
        with self._store.own_transactions(), self._store.write() as conn:
            client = self._apps.client(conn, session.org_id, session.integration_name, session.oauth_app_id)
            redirect_uri = client.redirect_uri or callback_url
            conn.execute(sa.delete(_st).where(_st.c.expires_at <= format_time(now)))  # the abandoned ones
            conn.execute(sa.insert(_st).values(
                state_hash=hash_key(state), connect_session_id=session.id, oauth_app_id=client.app_id,
                sealed=self._cipher.encrypt({"verifier": verifier, "token": plain_token}),
                redirect_uri=redirect_uri, expires_at=format_time(expires), created_at=format_time(now)))
        return authorization_url(client, redirect_uri, state, verifier)

    def finish(self, state: str, code: str | None, error: str | None, error_description: str | None) -> Outcome:
        """Complete (or fail) the session the state belongs to. Raises OAUTH_ERROR for a state that is unknown,
        used or expired: then no session is known to fail."""
        now = self._sessions.clock()
        with self._store.own_transactions():
            with self._store.write() as conn:
                row = conn.execute(sa.delete(_st).where(_st.c.state_hash == hash_key(state or "")).returning(
                    _st.c.connect_session_id, _st.c.oauth_app_id, _st.c.sealed, _st.c.redirect_uri,
                    _st.c.expires_at)).first()
            if row is None or parse_time(row.expires_at) <= now:
                raise ApiError(ErrorCode.OAUTH_ERROR, "This sign-in is unknown, used or expired: start again from "
                                                      "the connect link")
            sealed = self._cipher.decrypt(row.sealed)
            token, verifier = str(sealed["token"]), str(sealed["verifier"])
            if error or not code:
                reason = (f"The provider refused the authorization: {error or 'no code'}"
                          + (f" ({error_description})" if error_description else ""))
                return self._failed(token, ErrorCode.OAUTH_ERROR, reason[:_REASON_MAX])
            session = self._sessions.open(token)
            with self._store.read() as conn:
                client = self._apps.client(conn, session.org_id, session.integration_name, row.oauth_app_id)
            try:
                credential, _ = exchange_code(client, row.redirect_uri, code, verifier, self._timeout_s)
            except ApiError as exc:
                return self._failed(token, exc.code, exc.message[:_REASON_MAX])
            oauth2 = ConnectCredential.oauth2(
                credential["accessToken"], refresh_token=credential.get("refreshToken"),
                expires_in=_seconds(credential.get("expiresIn")), token_type=credential.get("tokenType"),
                scope=_scope(credential.get("scope")))
            try:
                return Outcome(self._sessions.complete(token, oauth2))
            except ApiError as exc:
                if exc.code in SESSION_ERRORS:
                    raise
                if exc.status == 409:  # complete failed the session itself (the connection is someone else's)
                    failed = self._sessions.get(Caller.system(session.org_id), session.id)
                    return Outcome(failed, str(exc.code), exc.message)
                # Refused as a credential (the session stays open for a form): nothing to put right after a sign-in.
                return self._failed(token, exc.code, exc.message[:_REASON_MAX])

    def _failed(self, token: str, code: ErrorCode, reason: str) -> Outcome:
        return Outcome(self._sessions.fail(token, reason, code), str(code), reason)


def _seconds(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _scope(value: object) -> str | None:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value if isinstance(value, str) else (json.dumps(value) if value is not None else None)
