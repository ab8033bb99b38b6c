"""Talking to an OAuth2 token endpoint through Authlib: the authorization URL (PKCE S256), the code exchange and the
refresh, and what a token answer becomes in a stored credential.

Every failure leaves as an :class:`~weavz_flow.errors.ApiError` (``TOKEN_EXCHANGE_FAILED`` / ``REFRESH_FAILED``)
that names the provider's error code and description, never a token, a code, a verifier or the client secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client

from weavz_flow.engine.services.oauth_apps import OAuthClient
from weavz_flow.engine.stamps import format_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.redact import Redactor
from weavz_flow.wire.vocabulary import ConnectionType

# The stored credential of an OAUTH2 connection and when its access token expires (None: the provider did not say).
Grant = tuple[dict[str, Any], str | None]


def new_verifier() -> str:
    """A PKCE code verifier: 64 characters of [A-Za-z0-9] (RFC 7636 §4.1 allows 43 to 128 unreserved ones)."""
    return generate_token(64)


def _session(client: OAuthClient, redirect_uri: str | None, timeout_s: float) -> OAuth2Client:
    return OAuth2Client(
        client_id=client.client_id,
        client_secret=client.client_secret.reveal() if client.client_secret is not None else None,
        scope=" ".join(client.scopes) or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=timeout_s,
        follow_redirects=False,  # a token endpoint that redirects would take the secret along
        trust_env=False,
    )


def authorization_url(client: OAuthClient, redirect_uri: str, state: str, verifier: str) -> str:
    """Where to send the person: the app's authorize URL with client id, scopes, state and the S256 challenge."""
    with _session(client, redirect_uri, 10.0) as session:
        url, _ = session.create_authorization_url(client.authorize_url, state=state, code_verifier=verifier,
                                                  **client.authorize_params)
    return str(url)


def exchange_code(client: OAuthClient, redirect_uri: str, code: str, verifier: str, timeout_s: float) -> Grant:
    """The authorization code (and its PKCE verifier) exchanged for tokens: the credential to store."""
    secrets = [code, verifier, *_client_secrets(client)]
    with _session(client, redirect_uri, timeout_s) as session:
        try:
            token = session.fetch_token(client.token_url, grant_type="authorization_code", code=code,
                                        code_verifier=verifier)
        except (AuthlibBaseError, httpx.HTTPError, ValueError) as exc:
            raise _failure(ErrorCode.TOKEN_EXCHANGE_FAILED, "exchange the authorization code", client, exc,
                           secrets) from None
    return credential_of(dict(token))


def refresh(client: OAuthClient, refresh_token: str, timeout_s: float) -> Grant:
    """A refresh token exchanged for a new access token (and perhaps a new refresh token, else the same one)."""
    secrets = [refresh_token, *_client_secrets(client)]
    with _session(client, None, timeout_s) as session:
        try:
            token = session.refresh_token(client.token_url, refresh_token=refresh_token)
        except (AuthlibBaseError, httpx.HTTPError, ValueError) as exc:
            raise _failure(ErrorCode.REFRESH_FAILED, "refresh the access token", client, exc, secrets) from None
    return credential_of(dict(token), refresh_token)


def credential_of(token: dict[str, Any], previous_refresh: str | None = None) -> Grant:
    """A token answer as the stored OAUTH2 credential (the keys ``CredentialInput.credential`` writes) and its
    expiry (Authlib's ``expires_at``, counted from when the answer arrived)."""
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise ApiError(ErrorCode.OAUTH_ERROR, "The provider's token answer has no access_token")
    expires_at = token.get("expires_at")
    credential = {
        "type": str(ConnectionType.OAUTH2),
        "accessToken": access,
        "refreshToken": token.get("refresh_token") or previous_refresh,
        "tokenType": token.get("token_type"),
        "expiresIn": token.get("expires_in"),
        "scope": token.get("scope"),
    }
    return credential, format_time(datetime.fromtimestamp(expires_at, UTC)) if isinstance(expires_at, int) else None


def _client_secrets(client: OAuthClient) -> list[str]:
    return [client.client_secret.reveal()] if client.client_secret is not None else []


def _failure(code: ErrorCode, doing: str, client: OAuthClient, exc: Exception, secrets: list[str]) -> ApiError:
    redactor = Redactor(secrets)
    details: dict[str, Any] = {"integrationName": client.integration, "oauthAppId": client.app_id}
    if isinstance(exc, AuthlibBaseError):
        details["providerError"] = redactor.text(str(exc.error))
        if exc.description:
            details["providerMessage"] = redactor.text(str(exc.description))
        reason = ": ".join(str(v) for v in (details["providerError"], details.get("providerMessage")) if v)
    elif isinstance(exc, httpx.HTTPStatusError):
        details["providerStatus"] = exc.response.status_code
        reason = f"HTTP {exc.response.status_code}"
    else:
        reason = type(exc).__name__
    return ApiError(code, f"Could not {doing} with {client.integration}'s token endpoint: {reason}", details=details)
