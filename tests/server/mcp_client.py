"""The official ``mcp`` client over Streamable HTTP against the live server, and the workspaces MCP tests use."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import httpx
import httpx2
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.server.accounts import Account, LiveServer, unique
from weavz_flow.engine.caller import Caller
from weavz_flow.wire.mcp import McpServer, McpServerCreate, McpTokenCreate
from weavz_flow.wire.vocabulary import McpAuthMode

MessageHandler = Callable[[Any], Awaitable[None]]
T = TypeVar("T")


def run_async(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``anyio.run`` in a thread of its own: a sync test may run after one that left an event loop running in the
    main thread (the browser fixtures' Playwright does)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, fn, *args).result()


@asynccontextmanager
async def mcp_session(url: str, server_id: str, token: str,
                      on_message: MessageHandler | None = None) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
                streamable_http_client(f"{url}/mcp/{server_id}", http_client=http) as (read, write),
                ClientSession(read, write, message_handler=on_message) as session):
        await session.initialize()
        yield session


def text_of(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


def output_of(result: types.CallToolResult) -> Any:
    assert not result.is_error, text_of(result)
    return json.loads(text_of(result))


def new_workspace(api: httpx.Client, name: str = "Agents") -> str:
    made = api.post("/api/v1/workspaces", json={"name": name, "slug": unique("mcp")})
    assert made.status_code == 201, made.text
    return str(made.json()["workspace"]["id"])


def add_alias(api: httpx.Client, ws: str, body: dict[str, Any]) -> dict[str, Any]:
    made = api.post(f"/api/v1/workspaces/{ws}/integrations", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json()["integration"])


def add_connection(api: httpx.Client, ws: str, token: str, base_url: str, end_user: str | None = None) -> str:
    body: dict[str, Any] = {"type": "SECRET_TEXT", "externalId": unique("slack"), "displayName": "Slack",
                            "integrationName": "slack", "workspaceId": ws, "secretText": token, "baseUrl": base_url}
    if end_user is not None:
        body["endUserId"] = end_user
    made = api.post("/api/v1/connections", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["connection"]["id"])


def add_end_user(api: httpx.Client, ws: str, external_id: str) -> None:
    made = api.post("/api/v1/end-users", json={"workspaceId": ws, "externalId": external_id})
    assert made.status_code == 201, made.text


class Servers:
    """MCP servers and tokens of one account, made through the engine's service (the store the server reads)."""

    def __init__(self, live_server: LiveServer, account: Account) -> None:
        self.service = live_server.engine.mcp_servers
        self.caller = Caller.system(account.org_id)

    def create(self, ws: str, auth_mode: McpAuthMode = McpAuthMode.BEARER) -> tuple[McpServer, str | None]:
        return self.service.create(self.caller, McpServerCreate(name=unique("agent"), workspace_id=ws,
                                                                auth_mode=auth_mode))

    def token(self, server_id: str, end_user: str, *, oauth: bool = False, expires_in: int = 3600,
              scopes: list[str] | None = None) -> tuple[str, str]:
        """A per-end-user token and its id."""
        request = McpTokenCreate(end_user_id=end_user, expires_in=expires_in, scopes=scopes or ["mcp:tools"])
        plain, info = self.service.mint_token(self.caller, server_id, request, oauth=oauth)
        assert info.id is not None
        return plain, info.id
