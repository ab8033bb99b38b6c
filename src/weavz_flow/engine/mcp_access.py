"""What an MCP token grants: the server, a caller limited to its workspace, and the end user the calls act for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from weavz_flow.engine.caller import Caller
from weavz_flow.wire.mcp import McpServer


class TokenKind(StrEnum):
    SERVER_BEARER = "server_bearer"  # the server's own static bearer (mcp_): no end user unless the server names one
    BEARER = "bearer"  # a per-end-user access token (mcp_, POST .../access-tokens)
    OAUTH = "oauth"  # an OAuth access token (mcpo_, POST .../oauth-tokens or the authorization flow)


@dataclass(frozen=True, slots=True)
class McpAccess:
    server: McpServer
    caller: Caller  # the server's organization, limited to the server's workspace
    end_user_id: str | None  # the end user's external id, as execute's endUserId takes it
    scopes: frozenset[str]
    token_kind: str  # a TokenKind
