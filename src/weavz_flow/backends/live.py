"""Live objects as a backend reports them: backend ids plus the natural-key attributes plan matching needs.

These are values, not handles: reading them twice gives equal objects when nothing changed, which is what the plan's
live-state fingerprint relies on. Field names are Python's; the wire names live only in the remote backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.backends.approval_policies import LiveApprovalPolicy
from weavz_flow.wire.connections import Connection
from weavz_flow.wire.end_users import EndUser
from weavz_flow.wire.mcp import McpServer, McpTool
from weavz_flow.wire.partials import Partial
from weavz_flow.wire.workspace_integrations import WorkspaceIntegration
from weavz_flow.wire.workspaces import Workspace


@dataclass(frozen=True, slots=True)
class LiveWorkspace:
    id: str
    slug: str  # natural key
    name: str


@dataclass(frozen=True, slots=True)
class LiveConnection:
    """Natural key: (integration, external_id). ``workspace_id`` None means an organization-wide connection."""

    id: str
    integration: str
    external_id: str
    type: str  # SECRET_TEXT | BASIC_AUTH | CUSTOM_AUTH | OAUTH2 | PLATFORM_OAUTH2
    display_name: str | None = None
    workspace_id: str | None = None
    end_user: str | None = None  # the owning end user's externalId
    base_url: str | None = None
    # What the backend reports about the stored credential, never the credential: the fingerprint the backend
    # computed when it stored it (see Backend.credential_fingerprint), or None when this backend cannot say.
    credential_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class LiveEndUser:
    """Natural key: (workspace, external_id)."""

    id: str
    workspace_id: str
    external_id: str
    display_name: str | None = None
    email: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LiveAlias:
    """A workspace integration. Natural key: (workspace, alias)."""

    id: str
    workspace_id: str
    alias: str
    integration: str
    strategy: str  # fixed | per_user | per_user_with_fallback
    connection_id: str | None = None
    enabled_actions: tuple[str, ...] | None = None  # None = every action
    display_name: str | None = None
    # Wire-shaped settings object ({"persistence": {"scope", "externalId"}, "baseUrl"}); open-ended JSON by design.
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LivePartial:
    """An input partial. Natural key: (workspace, alias, action, name)."""

    id: str
    workspace_id: str
    alias: str
    integration: str
    name: str
    action: str | None = None  # None = integration-wide
    description: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    enforced_keys: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class LiveMcpTool:
    """An explicit tool of an MCP server. Within its server it is known by ``key``, ``<alias>.<action>``."""

    id: str
    integration: str
    action: str
    alias: str | None = None
    display_name: str | None = None
    description: str | None = None
    input_defaults: Mapping[str, Any] = field(default_factory=dict)
    partial_ids: tuple[str, ...] = ()
    sort_order: int = 0

    @property
    def key(self) -> str:
        return f"{self.alias or self.integration}.{self.action}"


@dataclass(frozen=True, slots=True)
class LiveMcpServer:
    """An MCP server with its explicit tools (in their order). Natural key: (workspace, name)."""

    id: str
    workspace_id: str
    name: str
    mode: str
    auth_mode: str
    description: str | None = None
    end_user_access: str | None = None
    tools: tuple[LiveMcpTool, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkspaceSnapshot:
    """Everything inside one workspace that a plan manages, read in one backend call (MCP servers and approval
    policies, which a flow run never needs, in others: :meth:`Backend.list_mcp_servers`,
    :meth:`Backend.list_approval_policies`)."""

    workspace: LiveWorkspace
    aliases: tuple[LiveAlias, ...] = ()
    partials: tuple[LivePartial, ...] = ()
    end_users: tuple[LiveEndUser, ...] = ()
    mcp_servers: tuple[LiveMcpServer, ...] = ()
    approval_policies: tuple[LiveApprovalPolicy, ...] = ()


# One reading of each wire answer into its live value, for the local backend (whose engine values derive from the
# wire models) and the remote one alike.


def workspace_of(w: Workspace) -> LiveWorkspace:
    return LiveWorkspace(w.id, w.slug, w.name or w.slug)


def connection_of(c: Connection, credential_fingerprint: str | None) -> LiveConnection:
    return LiveConnection(c.id, c.integration_name, c.external_id, c.type, c.display_name, c.workspace_id,
                          c.end_user_id, c.base_url, credential_fingerprint)


def end_user_of(e: EndUser) -> LiveEndUser:
    return LiveEndUser(e.id, e.workspace_id, e.external_id, e.display_name, e.email, dict(e.metadata or {}))


def alias_of(a: WorkspaceIntegration) -> LiveAlias:
    actions = tuple(a.enabled_actions) if a.enabled_actions is not None else None
    return LiveAlias(a.id, a.workspace_id, a.alias, a.integration_name, a.connection_strategy, a.connection_id,
                     actions, a.display_name, dict(a.settings or {}))


def partial_of(p: Partial) -> LivePartial:
    return LivePartial(p.id, p.workspace_id, p.integration_alias or "", p.integration_name, p.name, p.action_name,
                       p.description, dict(p.values), tuple(p.enforced_keys), p.is_default)


def mcp_tool_of(t: McpTool) -> LiveMcpTool:
    return LiveMcpTool(t.id, t.integration_name, t.action_name, t.integration_alias, t.display_name, t.description,
                       dict(t.input_defaults), tuple(t.partial_ids), t.sort_order)


def mcp_server_of(s: McpServer, tools: Sequence[McpTool] = ()) -> LiveMcpServer:
    ordered = sorted(tools, key=lambda t: t.sort_order)  # stable: the backend's order among equal sort orders
    return LiveMcpServer(s.id, s.workspace_id, s.name, s.mode.value, s.auth_mode.value, s.description,
                         s.end_user_access, tuple(mcp_tool_of(t) for t in ordered))
