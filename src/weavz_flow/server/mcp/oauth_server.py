"""weavz-flow as the OAuth authorization server of its MCP servers (MCP's authorization spec): RFC 8414 metadata at
``/.well-known/oauth-authorization-server``, dynamic client registration (RFC 7591) at ``/oauth/register``,
``/oauth/authorize`` and ``/oauth/token`` with PKCE S256.

The ``mcp`` package's handlers answer registration, ``/authorize`` (client and exact redirect URI checks, scope
checks) and ``/token`` (client authentication, the code's client binding, expiry, redirect URI and PKCE checks);
:class:`_Provider` is their provider over :class:`~weavz_flow.engine.services.mcp_oauth.McpOAuthService`, which
keeps clients and grants in the store, so every worker honours them. The MCP server is the request's ``resource``
(RFC 8707, which MCP clients send): one whose auth mode is ``bearer`` is refused (``invalid_target``). Between
``/authorize`` and the code, the person is on our pages (:mod:`.oauth_pages`).

What is not offered, and the metadata says so: refresh tokens (``grant_types_supported`` is
``authorization_code`` only), confidential clients (registration takes ``token_endpoint_auth_method: none`` only,
since a client secret would have to be kept in clear to be compared), token revocation through OAuth (revoke
through ``DELETE /api/v1/mcp/servers/{id}/access-tokens/{tokenId}``) and client ID metadata documents.
"""

from __future__ import annotations

import contextvars
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
from fastapi import FastAPI
from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import ClientAuthenticator
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.server.auth.routes import cors_middleware
from mcp.server.auth.settings import ClientRegistrationOptions
from mcp.shared.auth import OAuthClientInformationFull, OAuthMetadata, OAuthToken
from pydantic import AnyHttpUrl, AnyUrl
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from weavz_flow.engine.engine import Engine
from weavz_flow.engine.services.mcp_oauth import AuthorizationRequest, OAuthRefusal
from weavz_flow.server.mcp.protocol import TOOLS_SCOPE
from weavz_flow.server.routes.mcp_servers import MCP_PATH

AS_METADATA_PATH = "/.well-known/oauth-authorization-server"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REGISTER_PATH = "/oauth/register"
CONSENT_PATH = "/oauth/consent"
LOGIN_HINT = "login_hint"
SCOPES = [TOOLS_SCOPE]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_SERVER_IN_PATH = re.compile("^" + MCP_PATH.replace("{server_id}", "(?P<server_id>[^/]+)") + "/?$")
# The /authorize request's login_hint, for the provider (the package hands it only the parsed parameters).
_login_hint: contextvars.ContextVar[str | None] = contextvars.ContextVar("weavz_flow_login_hint", default=None)


def issuer_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def metadata(issuer: str) -> OAuthMetadata:
    return OAuthMetadata(
        issuer=AnyHttpUrl(issuer),
        authorization_endpoint=AnyHttpUrl(issuer + AUTHORIZE_PATH),
        token_endpoint=AnyHttpUrl(issuer + TOKEN_PATH),
        registration_endpoint=AnyHttpUrl(issuer + REGISTER_PATH),
        scopes_supported=SCOPES,
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        token_endpoint_auth_methods_supported=["none"],
        code_challenge_methods_supported=["S256"],
    )


def _safe_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.fragment or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


class _Code(AuthorizationCode):
    grant_id: str


class _Provider(OAuthAuthorizationServerProvider[_Code, RefreshToken, AccessToken]):
    def __init__(self, engine: Engine) -> None:
        self._oauth = engine.mcp_oauth

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        info = await anyio.to_thread.run_sync(self._oauth.client_info, client_id)
        return OAuthClientInformationFull.model_validate(info) if info is not None else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        if client_info.token_endpoint_auth_method != "none":
            raise RegistrationError("invalid_client_metadata",
                                    "Only public clients are registered here: token_endpoint_auth_method must be "
                                    "'none' (the code is protected by PKCE)")
        if not client_info.redirect_uris:
            raise RegistrationError("invalid_redirect_uri", "redirect_uris must name at least one URI")
        unsafe = [str(u) for u in client_info.redirect_uris if not _safe_redirect(str(u))]
        if unsafe:
            raise RegistrationError("invalid_redirect_uri", "A redirect URI must be https, or http on a loopback "
                                    f"address (MCP's authorization spec); refused: {', '.join(unsafe)}")
        info = client_info.model_dump(mode="json", exclude_none=True)
        await anyio.to_thread.run_sync(self._oauth.register_client, client_info.client_id, client_info.client_name,
                                       [str(u) for u in client_info.redirect_uris], info)

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        found = _SERVER_IN_PATH.match(urlsplit(params.resource).path) if params.resource else None
        if found is None:
            raise AuthorizeError("invalid_request", "resource must name the MCP server (RFC 8707): "
                                 "its endpoint, .../mcp/{serverId}")
        server_id = found.group("server_id")
        if await anyio.to_thread.run_sync(self._oauth.oauth_server, server_id) is None:
            raise AuthorizeError("invalid_target", "There is no MCP server at this resource that offers OAuth "
                                 "(its authMode may be 'bearer')")
        scopes = params.scopes or list(SCOPES)
        if not set(scopes) <= set(SCOPES):
            raise AuthorizeError("invalid_scope", f"The only scope offered is {TOOLS_SCOPE}")
        step = await anyio.to_thread.run_sync(self._oauth.begin, AuthorizationRequest(
            client_id=str(client.client_id), server_id=server_id, redirect_uri=str(params.redirect_uri),
            redirect_uri_explicit=params.redirect_uri_provided_explicitly, code_challenge=params.code_challenge,
            scopes=scopes, resource=params.resource, state=params.state))
        query = {"request": step}
        hint = _login_hint.get()
        if hint:
            query[LOGIN_HINT] = hint
        return f"{CONSENT_PATH}?{urlencode(query)}"

    async def load_authorization_code(self, client: OAuthClientInformationFull,
                                      authorization_code: str) -> _Code | None:
        code = await anyio.to_thread.run_sync(self._oauth.load_code, str(client.client_id), authorization_code)
        if code is None:
            return None
        asked = code.request
        return _Code(code=authorization_code, scopes=asked.scopes, expires_at=code.expires_at.timestamp(),
                     client_id=asked.client_id, code_challenge=asked.code_challenge,
                     redirect_uri=AnyUrl(asked.redirect_uri),
                     redirect_uri_provided_explicitly=asked.redirect_uri_explicit,
                     resource=asked.resource, subject=code.end_user_external_id, grant_id=code.grant_id)

    async def exchange_authorization_code(self, client: OAuthClientInformationFull,
                                          authorization_code: _Code) -> OAuthToken:
        try:
            issued = await anyio.to_thread.run_sync(self._oauth.exchange, authorization_code.grant_id)
        except OAuthRefusal as exc:
            raise TokenError("invalid_grant", exc.message) from None
        return OAuthToken(access_token=issued.plain, token_type="Bearer", expires_in=issued.expires_in,
                          scope=" ".join(issued.scopes))

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        return None  # none are issued

    async def exchange_refresh_token(self, client: OAuthClientInformationFull, refresh_token: RefreshToken,
                                     scopes: list[str]) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "Refresh tokens are not issued: authorize again")

    async def load_access_token(self, token: str) -> AccessToken | None:
        return None  # the MCP endpoint checks its tokens itself (engine.mcp_servers.authenticate)

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        return None  # no revocation endpoint is offered


def mount(app: FastAPI, engine: Engine) -> None:
    """The authorization server's routes on the app (the consent pages are :mod:`.oauth_pages`' router)."""
    provider = _Provider(engine)
    authorize = AuthorizationHandler(provider)
    token = TokenHandler(provider, ClientAuthenticator(provider))
    register = RegistrationHandler(provider, ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES,
                                                                       default_scopes=SCOPES))

    async def as_metadata(request: Request) -> Response:
        return JSONResponse(metadata(issuer_of(request)).model_dump(mode="json", exclude_none=True),
                            headers={"Cache-Control": "public, max-age=300"})

    async def authorize_endpoint(request: Request) -> Response:
        hint = request.query_params.get(LOGIN_HINT) if request.method == "GET" else None
        reset = _login_hint.set(hint)
        try:
            return await authorize.handle(request)
        finally:
            _login_hint.reset(reset)

    routes: list[tuple[str, Any, list[str]]] = [
        (AS_METADATA_PATH, cors_middleware(as_metadata, ["GET", "OPTIONS"]), ["GET", "OPTIONS"]),
        (TOKEN_PATH, cors_middleware(token.handle, ["POST", "OPTIONS"]), ["POST", "OPTIONS"]),
        (REGISTER_PATH, cors_middleware(register.handle, ["POST", "OPTIONS"]), ["POST", "OPTIONS"]),
    ]
    for path, endpoint, methods in routes:
        app.router.add_route(path, endpoint, methods=methods, include_in_schema=False)
    app.add_route(AUTHORIZE_PATH, authorize_endpoint, methods=["GET", "POST"], include_in_schema=False)
