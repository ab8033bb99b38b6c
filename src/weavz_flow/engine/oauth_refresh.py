"""Keeping OAUTH2 connections' access tokens fresh: before expiry (a small skew), and once after a provider 401.

A refresh runs under the connection row's write lock, so that two processes never refresh the same connection in
parallel (with a rotating refresh token, the second refresh would fail, or revoke the first one's tokens): on
PostgreSQL ``SELECT ... FOR UPDATE`` on the connection row, on SQLite the database write lock that the store's write
transactions take first (``BEGIN IMMEDIATE``). Under the lock the row is read again: if its access token is no
longer the one this call holds, another process has refreshed it meanwhile, and the stored token is used instead of
calling the provider. Otherwise the token endpoint is called (the lock held, bounded by the HTTP timeout) and the
new tokens are written, encrypted, in that same transaction. The credential's fingerprint is left as it was: it
stands for the tokens an operator configured (plan compares against it), not for the ones rotated since.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.execute_values import ConnectionRef
from weavz_flow.engine.oauth_tokens import refresh
from weavz_flow.engine.services.connections import credentials_from
from weavz_flow.engine.services.oauth_apps import OAUTH_TYPES, OAuthAppService
from weavz_flow.engine.stamps import parse_time, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import Credentials

_c = t.connections

# Refresh this long before the stored expiry: a token about to expire would fail half-way through an action.
EXPIRY_SKEW = timedelta(seconds=60)
DEFAULT_TOKEN_TIMEOUT_S = 15.0


class TokenRefresher:
    def __init__(self, store: Store, cipher: CredentialCipher, apps: OAuthAppService,
                 timeout_s: float = DEFAULT_TOKEN_TIMEOUT_S) -> None:
        self._store = store
        self._cipher = cipher
        self._apps = apps
        self._timeout_s = timeout_s

    @staticmethod
    def refreshable(credentials: Credentials | None) -> bool:
        return (credentials is not None and credentials.type in OAUTH_TYPES
                and credentials.refresh_token is not None and credentials.access_token is not None)

    def fresh(self, org_id: str, connection: ConnectionRef | None, credentials: Credentials | None,
              now: datetime | None = None) -> Credentials | None:
        """``credentials``, or refreshed ones when its access token expires within :data:`EXPIRY_SKEW`."""
        if connection is None or credentials is None or not self.refreshable(credentials):
            return credentials
        if credentials.expires_at is None:
            return credentials
        if parse_time(credentials.expires_at) - EXPIRY_SKEW > (now or datetime.now(UTC)):
            return credentials
        try:
            return self.refresh(org_id, connection, credentials)
        except ApiError as exc:
            if exc.code != ErrorCode.NO_OAUTH_APP:
                raise
            # Nothing to refresh with: the token is tried as it is, and a 401 then names the missing app.
            return credentials

    def after_unauthorized(self, org_id: str, connection: ConnectionRef | None, credentials: Credentials | None,
                           error: ApiError) -> Credentials | None:
        """New credentials to try once more with when the provider answered 401 to ``credentials``; else None."""
        refused = (error.details or {}).get("providerStatus") == 401
        if connection is None or not refused or not self.refreshable(credentials):
            return None
        assert credentials is not None
        return self.refresh(org_id, connection, credentials)

    def refresh(self, org_id: str, connection: ConnectionRef, stale: Credentials) -> Credentials:
        assert stale.access_token is not None
        with self._store.write() as conn:  # SQLite: the write lock from here on
            row = conn.execute(
                sa.select(_c.c.credential, _c.c.token_expires_at, _c.c.oauth_app_id, _c.c.integration_name)
                .where(_c.c.id == connection.id, _c.c.org_id == org_id).with_for_update()  # PostgreSQL: the row
            ).first()
            if row is None:
                raise ApiError(ErrorCode.CONNECTION_NOT_FOUND, f"Connection '{connection.external_id}' not found",
                               details={"id": connection.id})
            stored = self._cipher.decrypt(row.credential)
            if stored.get("accessToken") != stale.access_token.reveal():
                return credentials_from(stored, row.token_expires_at)  # refreshed by another call meanwhile
            refresh_token = stored.get("refreshToken")
            if not refresh_token:
                raise ApiError(ErrorCode.REFRESH_FAILED, "The connection has no refresh token",
                               details={"connectionId": connection.id})
            client = self._apps.client(conn, org_id, row.integration_name, row.oauth_app_id)
            credential, expires_at = refresh(client, refresh_token, self._timeout_s)
            credential = {**stored, **credential}
            conn.execute(sa.update(_c).where(_c.c.id == connection.id).values(
                credential=self._cipher.encrypt(credential), token_expires_at=expires_at, status="ACTIVE",
                updated_at=utc_now()))
        return credentials_from(credential, expires_at)
