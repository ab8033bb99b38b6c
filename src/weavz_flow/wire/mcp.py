"""MCP server and tool bodies (weavz-sdk-wire.md §2.10, weavz-api.md §1.4).

A server belongs to a workspace; its tools are views of (alias, action, partials). Tokens are never part of a
server's answer except once, at the moment they are minted (``bearerToken`` / ``accessToken``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from weavz_flow.wire.base import (
    NO_NUL,
    Alias,
    CatalogRef,
    Description,
    DisplayName,
    ExternalRef,
    Int32,
    Listing,
    Name,
    Ref,
    Stamped,
    WireModel,
    WireRequest,
)
from weavz_flow.wire.vocabulary import MCP_END_USER_ACCESS_MAX, McpAuthMode, McpMode, McpToolType

EndUserAccess = Annotated[str, StringConstraints(min_length=1, max_length=MCP_END_USER_ACCESS_MAX, pattern=NO_NUL)]

# An access token lives one hour unless asked otherwise, at most thirty days.
TOKEN_EXPIRES_DEFAULT_S = 3_600
TOKEN_EXPIRES_MAX_S = 2_592_000


class McpServerUpdate(WireRequest):
    """A PATCH: only the fields sent change; an explicit null clears ``description`` and ``endUserId``."""

    name: Name | None = None
    description: Description | None = None
    mode: McpMode | None = None
    settings: dict[str, Any] | None = None
    auth_mode: McpAuthMode | None = None
    end_user_access: EndUserAccess | None = None
    end_user_id: ExternalRef | None = None


class McpServerCreate(WireRequest):
    name: Name
    workspace_id: Ref
    description: Description | None = None
    created_by: ExternalRef | None = None
    mode: McpMode = McpMode.TOOLS
    settings: dict[str, Any] = Field(default_factory=dict)
    auth_mode: McpAuthMode = McpAuthMode.OAUTH
    end_user_access: EndUserAccess | None = None
    end_user_id: ExternalRef | None = None


class McpServer(Stamped):
    """A server as the API shows it. ``endUserId`` (an external id) is the end user its static bearer acts for: with
    one, the bearer carries an identity, so strict ``per_user`` aliases do not block it."""

    id: str
    org_id: str
    workspace_id: str
    name: str
    description: str | None = None
    mode: McpMode = McpMode.TOOLS
    auth_mode: McpAuthMode = McpAuthMode.OAUTH
    settings: dict[str, Any] = Field(default_factory=dict)
    end_user_access: str | None = None
    end_user_id: str | None = None
    created_by: str | None = None
    suspended: bool = False


class McpToolUpdate(WireRequest):
    display_name: DisplayName | None = None
    description: Description | None = None
    input_defaults: dict[str, Any] | None = None
    connection_id: Ref | None = None
    sort_order: Int32 | None = None
    integration_alias: Alias | None = None
    partial_ids: list[Ref] | None = None


class McpToolCreate(WireRequest):
    integration_name: Ref
    action_name: CatalogRef
    integration_alias: Alias | None = None
    tool_type: McpToolType = McpToolType.ACTION
    connection_id: Ref | None = None
    display_name: DisplayName | None = None
    description: Description | None = None
    input_defaults: dict[str, Any] = Field(default_factory=dict)
    partial_ids: list[Ref] = Field(default_factory=list)
    sort_order: Int32 = 0


class McpTool(Stamped):
    id: str
    server_id: str
    tool_type: McpToolType = McpToolType.ACTION
    integration_name: str
    action_name: str
    integration_alias: str | None = None
    connection_id: str | None = None
    display_name: str | None = None
    description: str | None = None
    input_defaults: dict[str, Any] = Field(default_factory=dict)
    partial_ids: list[str] = Field(default_factory=list)
    sort_order: int = 0


class McpServerCreated(WireModel):
    """The create answer: the bearer appears here (bearer modes only) and nowhere else."""

    server: McpServer
    mcp_endpoint: str
    bearer_token: str | None = Field(default=None, exclude_if=lambda token: token is None)  # absent, not null


class McpServerEnvelope(WireModel):
    server: McpServer


class McpServerDetail(WireModel):
    server: McpServer
    tools: list[McpTool] = Field(default_factory=list)
    mcp_endpoint: str | None = None


class McpServerList(Listing[McpServer]):
    items_field = "servers"
    servers: list[McpServer] = Field(default_factory=list)
    total: int


class McpToolEnvelope(WireModel):
    tool: McpTool


class McpBearerAnswer(WireModel):
    bearer_token: str


class McpTokenCreate(WireRequest):
    end_user_id: ExternalRef
    scopes: list[Ref] = Field(default_factory=lambda: ["mcp:tools"])
    expires_in: int = Field(default=TOKEN_EXPIRES_DEFAULT_S, ge=60, le=TOKEN_EXPIRES_MAX_S)


class McpTokenInfo(WireModel):
    """What a token is, never its value. ``id``, ``createdAt`` and ``revokedAt`` are ours (for ``GET`` and
    ``DELETE .../access-tokens``); Weavz shows ``endUserId``, ``authMethod``, ``tokenType`` and ``scopes``."""

    id: str | None = None
    end_user_id: str
    auth_method: str
    token_type: str
    scopes: list[str] = Field(default_factory=list)
    expires_at: str | None = None
    created_at: str | None = None
    revoked_at: str | None = None


class McpTokenList(Listing[McpTokenInfo]):
    """``GET /api/v1/mcp/servers/{id}/access-tokens``, our extension: the server's per-end-user tokens (both kinds),
    without their values."""

    items_field = "tokens"
    tokens: list[McpTokenInfo] = Field(default_factory=list)
    total: int


class McpAccessTokenAnswer(WireModel):
    """``/access-tokens``: a per-end-user ``mcp_`` bearer (``accessToken`` is the same value)."""

    bearer_token: str
    access_token: str
    token: McpTokenInfo


class McpOAuthTokenAnswer(WireModel):
    """``/oauth-tokens``: an ``mcpo_`` OAuth access token for the end user."""

    access_token: str
    mcp_endpoint: str
    token: McpTokenInfo
