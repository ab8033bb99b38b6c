"""MCP servers (weavz-sdk-wire.md §2.10): servers, their tools and their tokens. The MCP endpoint itself, which
``mcpEndpoint`` names, is served elsewhere. A token's value appears in the one answer that mints it and never again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.pages import Limit, Offset
from weavz_flow.wire.base import Deleted, Ref
from weavz_flow.wire.mcp import (
    McpAccessTokenAnswer,
    McpBearerAnswer,
    McpOAuthTokenAnswer,
    McpServerCreate,
    McpServerCreated,
    McpServerDetail,
    McpServerEnvelope,
    McpServerList,
    McpServerUpdate,
    McpTokenCreate,
    McpTokenList,
    McpToolCreate,
    McpToolEnvelope,
    McpToolUpdate,
)

router = APIRouter(prefix="/api/v1/mcp/servers", tags=["mcp-servers"],
                   responses=error_responses(400, 401, 403, 404))

MCP_PATH = "/mcp/{server_id}"


def mcp_endpoint(request: Request, server_id: str) -> str:
    """The URL agents connect to: this server's own base URL (as the client reached it) and the MCP path."""
    return str(request.base_url).rstrip("/") + MCP_PATH.format(server_id=server_id)


@router.get("", response_model=McpServerList)
def list_servers(
    engine: EngineDep,
    caller: CallerDep,
    workspace_id: Annotated[Ref | None, Query(alias="workspaceId")] = None,
    limit: Limit = None,
    offset: Offset = None,
    include_suspended: Annotated[bool | None, Query(alias="includeSuspended")] = None,
) -> McpServerList:
    page = engine.mcp_servers.list_page(caller, workspace_id=workspace_id, limit=limit, offset=offset,
                                        include_suspended=bool(include_suspended))
    return McpServerList(servers=page.items, total=page.total)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=McpServerCreated,
             responses=error_responses(409))
def create_server(request: Request, engine: EngineDep, caller: CallerDep, body: McpServerCreate) -> McpServerCreated:
    """``bearerToken`` (``mcp_...``) only for the bearer modes, shown this once. 400 MCP_MODE_UNSUPPORTED for CODE
    mode; 409 MCP_BEARER_BLOCKS_PER_USER for a bearer mode in a workspace with strict per_user integrations."""
    server, bearer = engine.mcp_servers.create(caller, body)
    return McpServerCreated(server=server, mcp_endpoint=mcp_endpoint(request, server.id), bearer_token=bearer)


@router.get("/{server_id}", response_model=McpServerDetail)
def get_server(request: Request, engine: EngineDep, caller: CallerDep, server_id: str) -> McpServerDetail:
    server = engine.mcp_servers.get(caller, server_id)
    tools = engine.mcp_servers.tools(caller, server_id)
    return McpServerDetail(server=server, tools=tools, mcp_endpoint=mcp_endpoint(request, server_id))


@router.patch("/{server_id}", response_model=McpServerEnvelope, responses=error_responses(409))
def update_server(engine: EngineDep, caller: CallerDep, server_id: str, body: McpServerUpdate) -> McpServerEnvelope:
    return McpServerEnvelope(server=engine.mcp_servers.update(caller, server_id, body))


@router.delete("/{server_id}", response_model=Deleted)
def delete_server(engine: EngineDep, caller: CallerDep, server_id: str) -> Deleted:
    engine.mcp_servers.delete(caller, server_id)
    return Deleted(id=server_id)


@router.post("/{server_id}/tools", status_code=status.HTTP_201_CREATED, response_model=McpToolEnvelope,
             responses=error_responses(409))
def add_tool(engine: EngineDep, caller: CallerDep, server_id: str, body: McpToolCreate) -> McpToolEnvelope:
    return McpToolEnvelope(tool=engine.mcp_servers.add_tool(caller, server_id, body))


@router.patch("/{server_id}/tools/{tool_id}", response_model=McpToolEnvelope, responses=error_responses(409))
def update_tool(
    engine: EngineDep, caller: CallerDep, server_id: str, tool_id: str, body: McpToolUpdate
) -> McpToolEnvelope:
    return McpToolEnvelope(tool=engine.mcp_servers.update_tool(caller, server_id, tool_id, body))


@router.delete("/{server_id}/tools/{tool_id}", response_model=Deleted)
def delete_tool(engine: EngineDep, caller: CallerDep, server_id: str, tool_id: str) -> Deleted:
    engine.mcp_servers.delete_tool(caller, server_id, tool_id)
    return Deleted(id=tool_id)


@router.post("/{server_id}/regenerate-token", response_model=McpBearerAnswer, responses=error_responses(409))
def regenerate_token(engine: EngineDep, caller: CallerDep, server_id: str) -> McpBearerAnswer:
    """A new static bearer (no body); the old one stops working. 409 MCP_BEARER_DISABLED when the auth mode has
    none."""
    return McpBearerAnswer(bearer_token=engine.mcp_servers.regenerate_bearer(caller, server_id))


@router.post("/{server_id}/access-tokens", status_code=status.HTTP_201_CREATED,
             response_model=McpAccessTokenAnswer)
def create_access_token(
    engine: EngineDep, caller: CallerDep, server_id: str, body: McpTokenCreate
) -> McpAccessTokenAnswer:
    """A per-end-user bearer (``mcp_...``) for ``endUserId`` (an external id of the server's workspace)."""
    plain, info = engine.mcp_servers.mint_token(caller, server_id, body, oauth=False)
    return McpAccessTokenAnswer(bearer_token=plain, access_token=plain, token=info)


@router.get("/{server_id}/access-tokens", response_model=McpTokenList)
def list_access_tokens(engine: EngineDep, caller: CallerDep, server_id: str) -> McpTokenList:
    """Our extension (not in Weavz): the server's per-end-user tokens of both kinds, never their values."""
    tokens = engine.mcp_servers.list_tokens(caller, server_id)
    return McpTokenList(tokens=tokens, total=len(tokens))


@router.delete("/{server_id}/access-tokens/{token_id}", response_model=Deleted)
def revoke_access_token(engine: EngineDep, caller: CallerDep, server_id: str, token_id: str) -> Deleted:
    """Our extension (not in Weavz): revoke one per-end-user token (either kind) at once."""
    engine.mcp_servers.revoke_token(caller, server_id, token_id)
    return Deleted(id=token_id)


@router.post("/{server_id}/oauth-tokens", status_code=status.HTTP_201_CREATED, response_model=McpOAuthTokenAnswer)
def create_oauth_token(
    request: Request, engine: EngineDep, caller: CallerDep, server_id: str, body: McpTokenCreate
) -> McpOAuthTokenAnswer:
    """An OAuth access token (``mcpo_...``) for ``endUserId``, with the endpoint to use it at."""
    plain, info = engine.mcp_servers.mint_token(caller, server_id, body, oauth=True)
    return McpOAuthTokenAnswer(access_token=plain, mcp_endpoint=mcp_endpoint(request, server_id), token=info)

