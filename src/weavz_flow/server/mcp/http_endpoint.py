"""``/mcp/{serverId}``: MCP's Streamable HTTP transport on the API's own app, and the OAuth protected-resource
metadata of each server.

One :class:`~mcp.server.streamable_http_manager.StreamableHTTPSessionManager` per app serves every MCP server: this
endpoint checks the bearer token against the server named in the path (``engine.mcp_servers.authenticate``), hands
the request on with the access it grants (the handlers read it back from the request, see :func:`access_of`), and
ties the MCP session to that token (the manager refuses a session id presented with any other credential, as if it
did not exist). Every request is checked again, so a token revoked or expired mid-session is refused at its next
request. A missing, wrong, expired or revoked token is 401 with ``WWW-Authenticate: Bearer`` (RFC 6750, with the
``resource_metadata`` of RFC 9728 as MCP's authorization spec asks) and the Weavz error body; a static bearer on a
workspace with strict ``per_user`` aliases is 403 ``MCP_BEARER_BLOCKS_PER_USER``; a token without the ``mcp:tools``
scope is 403 ``insufficient_scope``. Refused tokens count toward the address's failed-authentication limit, as API
keys do.

OAuth. For servers whose auth mode offers it (``oauth``, ``oauth_and_bearer``), weavz-flow is the authorization
server of MCP's authorization flow (:mod:`.oauth_server`, :mod:`.oauth_pages`): the 401 names the protected-resource
metadata ``/.well-known/oauth-protected-resource/mcp/{id}``, which names this server as the authorization server,
and the flow ends in an ``mcpo_`` token for the end user identified by their portal link. Such tokens are also
minted through ``POST /api/v1/mcp/servers/{id}/oauth-tokens``. A ``bearer`` server offers no OAuth: its 401 names
no metadata, and the metadata URL is 404 for it as for an id that does not exist.

Sessions live in the process that opened them. ``serve --workers N`` (N > 1) therefore runs the endpoint stateless
(``WEAVZ_FLOW_MCP_STATELESS=1``): every POST stands alone, any worker answers it, and no session (no GET stream) is
kept, so ``tools/list_changed`` is neither sent nor announced; clients list again when they need to.

DNS rebinding: the package's Host/Origin check is off: every request needs a bearer token (never a cookie), so a
page a browser was tricked into loading has nothing to send.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import build_resource_metadata_url
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.auth import ProtectedResourceMetadata
from pydantic import AnyHttpUrl
from starlette.authentication import AuthCredentials
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from weavz_flow.engine.engine import Engine
from weavz_flow.engine.mcp_access import McpAccess
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.auth_failures import AuthFailureLimiter
from weavz_flow.server.errors import error_response
from weavz_flow.server.execute_lanes import ExecuteLanes
from weavz_flow.server.mcp import oauth_pages, oauth_server
from weavz_flow.server.mcp.list_changed import DEFAULT_INTERVAL_S, ListChangedWatcher
from weavz_flow.server.mcp.protocol import TOOLS_SCOPE, build_server
from weavz_flow.server.mcp.tool_source import ToolSource
from weavz_flow.server.routes.mcp_servers import MCP_PATH, mcp_endpoint
from weavz_flow.wire.vocabulary import MCP_SCOPES

METADATA_PATH = "/.well-known/oauth-protected-resource/mcp/{server_id}"
_ACCESS_KEY = "weavz_flow.mcp_access"
_UNAUTHORIZED = frozenset({ErrorCode.INVALID_TOKEN, ErrorCode.MCP_TOKEN_EXPIRED, ErrorCode.MCP_TOKEN_REVOKED,
                           ErrorCode.MCP_SERVER_SUSPENDED, ErrorCode.UNAUTHORIZED})


def access_of(ctx: ServerRequestContext[Any, Any]) -> McpAccess:
    """The access the request's token granted (set by :class:`McpHttpEndpoint` before the manager saw it)."""
    request = ctx.request
    access = request.scope.get(_ACCESS_KEY) if isinstance(request, Request) else None
    if not isinstance(access, McpAccess):
        raise RuntimeError("an MCP request reached a handler without an authenticated access")
    return access


class McpHttpEndpoint:
    def __init__(self, engine: Engine, failures: AuthFailureLimiter, lanes: ExecuteLanes, *, stateless: bool = False,
                 list_changed_interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._engine = engine
        self._failures = failures
        self.tools = ToolSource(engine)
        self.watcher = ListChangedWatcher(self.tools, interval_s=list_changed_interval_s)
        server = build_server(engine, self.tools, access_of, self.watcher, lanes, list_changed=not stateless)
        self.manager = StreamableHTTPSessionManager(app=server, stateless=stateless)

    def mount(self, app: FastAPI) -> None:
        app.router.routes.append(Route(MCP_PATH, _AsgiEndpoint(self._handle), methods=["GET", "POST", "DELETE"],
                                       include_in_schema=False))
        app.add_route(METADATA_PATH, self._metadata, methods=["GET"], include_in_schema=False)
        oauth_server.mount(app, self._engine)
        app.include_router(oauth_pages.router)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The session manager and the list_changed loop, for the app's lifespan."""
        async with self.manager.run(), anyio.create_task_group() as tasks:
            tasks.start_soon(self.watcher.run)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        server_id = request.path_params["server_id"]
        token = _bearer(request)
        try:
            if token is None:
                raise ApiError(ErrorCode.UNAUTHORIZED, "An MCP token is required: Authorization: Bearer mcp_...")
            access = await anyio.to_thread.run_sync(self._engine.mcp_servers.authenticate, server_id, token)
        except ApiError as exc:
            if token is not None and exc.code in _UNAUTHORIZED:
                limited = self._failures.failed(request.client.host if request.client else "")
                if limited is not None:
                    exc = limited
            offers = await anyio.to_thread.run_sync(self._engine.mcp_oauth.oauth_server, server_id) is not None
            await self._refusal(request, exc, presented=token is not None, oauth=offers)(scope, receive, send)
            return
        if TOOLS_SCOPE not in access.scopes:
            refused = ApiError(ErrorCode.FORBIDDEN, f"This token does not carry the {TOOLS_SCOPE} scope",
                               details={"requiredScope": TOOLS_SCOPE})
            await self._refusal(request, refused, presented=True)(scope, receive, send)
            return
        scope[_ACCESS_KEY] = access
        # The session manager binds a session to the credential that opened it: one token, one principal.
        principal = hashlib.sha256(f"{server_id}\n{token}".encode()).hexdigest()
        scope["user"] = AuthenticatedUser(AccessToken(token=principal, client_id=principal,
                                                      scopes=sorted(access.scopes), subject=access.end_user_id))
        scope["auth"] = AuthCredentials(sorted(access.scopes))
        await self.manager.handle_request(scope, receive, send)

    def _refusal(self, request: Request, error: ApiError, *, presented: bool, oauth: bool = True) -> Response:
        response = error_response(error.status, error.code, error.message, error.details)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        if error.status in (401, 403):
            parts = []
            if error.code == ErrorCode.FORBIDDEN:
                parts += ['error="insufficient_scope"', f'scope="{TOOLS_SCOPE}"']
            elif error.status == 401 and presented:
                parts.append('error="invalid_token"')
            if oauth:
                parts.append(f'resource_metadata="{self._metadata_url(request)}"')
            response.headers["WWW-Authenticate"] = "Bearer " + ", ".join(parts) if parts else "Bearer"
        return response

    def _metadata_url(self, request: Request) -> str:
        return str(build_resource_metadata_url(AnyHttpUrl(mcp_endpoint(request, request.path_params["server_id"]))))

    async def _metadata(self, request: Request) -> Response:
        server_id = request.path_params["server_id"]
        if await anyio.to_thread.run_sync(self._engine.mcp_oauth.oauth_server, server_id) is None:
            error = ApiError(ErrorCode.MCP_SERVER_NOT_FOUND, "No MCP server offering OAuth has this id",
                             details={"serverId": server_id})
            return error_response(error.status, error.code, error.message, error.details)
        base = oauth_server.issuer_of(request)
        metadata = ProtectedResourceMetadata(
            resource=AnyHttpUrl(mcp_endpoint(request, server_id)),
            authorization_servers=[AnyHttpUrl(base)],
            scopes_supported=[s for s in MCP_SCOPES if s == TOOLS_SCOPE],
            resource_name="weavz-flow MCP server",
        )
        return JSONResponse(metadata.model_dump(mode="json", exclude_none=True),
                            headers={"Cache-Control": "public, max-age=300"})


class _AsgiEndpoint:
    """A plain ASGI callable, so that Starlette routes to it as an app (no request/response wrapping: the manager
    streams its own responses)."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
