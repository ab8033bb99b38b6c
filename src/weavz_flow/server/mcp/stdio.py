"""The same MCP server over stdio (``weavz-flow mcp serve-stdio``): one process, one session, one identity.

The process is started by the agent's host (a desktop app, an IDE) on the operator's machine, next to the store, so
it needs no token: it acts for the server's organization in the server's workspace, for the end user it was started
with (else the server's own ``endUserId``), with every MCP scope. Tools, calls and list_changed are the HTTP
endpoint's (:mod:`weavz_flow.server.mcp.protocol`); stdout carries MCP messages only (the package points fd 1 at
stderr while serving, so a stray print cannot corrupt the stream).
"""

from __future__ import annotations

import anyio
from mcp.server.stdio import stdio_server

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.mcp_access import McpAccess
from weavz_flow.server.execute_lanes import ExecuteLanes
from weavz_flow.server.mcp.list_changed import ListChangedWatcher
from weavz_flow.server.mcp.protocol import build_server
from weavz_flow.server.mcp.tool_source import ToolSource
from weavz_flow.wire.mcp import McpServer
from weavz_flow.wire.vocabulary import MCP_SCOPES

STDIO_TOKEN_KIND = "stdio"


def local_access(server: McpServer, end_user_id: str | None) -> McpAccess:
    return McpAccess(server=server, caller=Caller(org_id=server.org_id, workspace_ids=frozenset({server.workspace_id})),
                     end_user_id=end_user_id or server.end_user_id, scopes=frozenset(MCP_SCOPES),
                     token_kind=STDIO_TOKEN_KIND)


async def serve_stdio(engine: Engine, access: McpAccess) -> None:
    """Serve until stdin closes."""
    tools = ToolSource(engine)
    watcher = ListChangedWatcher(tools)
    # One client: its calls come one at a time, so the store-local lane needs no more than the store's default.
    server = build_server(engine, tools, lambda ctx: access, watcher, ExecuteLanes.for_store(engine.store.dialect))
    async with stdio_server() as (read, write), anyio.create_task_group() as tasks:
        tasks.start_soon(watcher.run)
        await server.run(read, write, server.create_initialization_options())
        tasks.cancel_scope.cancel()
