"""MCP server checks: each tool's alias, action and partials against the workspace and the catalog, and the auth
mode against the workspace's aliases (a static bearer carries no end user, so it cannot serve a strict per_user
alias: the API's MCP_BEARER_BLOCKS_PER_USER)."""

from __future__ import annotations

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.checks.literal_types import literal_problem
from weavz_flow.config.checks.partial_refs import check_partial_names
from weavz_flow.config.model.workspace import McpAuthMode, McpMode, McpServerConfig, McpToolConfig, WorkspaceFile
from weavz_flow.config.project import SourceFile
from weavz_flow.suggest import did_you_mean
from weavz_flow.wire.vocabulary import Strategy

BEARER_MODES = (McpAuthMode.BEARER, McpAuthMode.OAUTH_AND_BEARER)


def check_mcp_servers(workspace: WorkspaceFile, source: SourceFile, catalog: Catalog, findings: Findings) -> None:
    strict = strict_per_user_aliases(workspace, catalog)
    for name, server in workspace.mcp_servers.items():
        if server.mode is McpMode.CODE:
            findings.error("mcp-mode-unsupported",
                           f"MCP server '{name}' asks for mode CODE, which is not supported yet: it needs a code "
                           "sandbox", source.at("mcp_servers", name, "mode"),
                           "use mode TOOLS (the default): one tool per action")
        if server.auth_mode in BEARER_MODES and strict:
            findings.error(
                "mcp-bearer-blocks-per-user",
                f"MCP server '{name}' uses auth_mode '{server.auth_mode}', but alias '{strict[0]}' uses strategy "
                "'per_user': a static bearer carries no end user, so that alias could never resolve a connection "
                "(MCP_BEARER_BLOCKS_PER_USER)",
                source.at("mcp_servers", name, "auth_mode"),
                "use auth_mode 'oauth' (tokens that carry the end user), or give the alias strategy "
                "'per_user_with_fallback' with a connection",
            )
        _check_tools(workspace, name, server, source, catalog, findings)


def strict_per_user_aliases(workspace: WorkspaceFile, catalog: Catalog) -> list[str]:
    """Aliases that resolve only an end user's own connection: strategy per_user (as stored) for an integration that
    takes credentials."""
    out = []
    for alias, cfg in workspace.integrations.items():
        info = catalog.find(cfg.integration)
        if info is not None and info.needs_connection and cfg.stored_strategy is Strategy.PER_USER:
            out.append(alias)
    return out


def _check_tools(workspace: WorkspaceFile, name: str, server: McpServerConfig, source: SourceFile, catalog: Catalog,
                 findings: Findings) -> None:
    seen: dict[str, int] = {}
    for i, tool in enumerate(server.tools):
        path = ("mcp_servers", name, "tools", i)
        if tool.tool in seen:
            findings.error("duplicate-tool", f"tool '{tool.tool}' is listed twice in MCP server '{name}'",
                           source.at(*path, "tool"),
                           f"first listed at {source.at(*path[:-1], seen[tool.tool], 'tool')}; remove one")
            continue
        seen[tool.tool] = i
        _check_tool(workspace, tool, path, source, catalog, findings)


def _check_tool(workspace: WorkspaceFile, tool: McpToolConfig, path: tuple[str | int, ...], source: SourceFile,
                catalog: Catalog, findings: Findings) -> None:
    alias_cfg = workspace.integrations.get(tool.alias)
    if alias_cfg is None:
        if not source.damage.may_hold(tool.alias, "integrations"):
            findings.error("unknown-alias", f"'{tool.alias}' is not an alias of workspace '{workspace.workspace}'",
                           source.at(*path, "tool"), did_you_mean(tool.alias, workspace.integrations)
                           or "declare it under 'integrations'")
        return
    check_partial_names(workspace, tool.partials, tool.tool, lambda j: source.at(*path, "partials", j), source.damage,
                        findings)
    info = catalog.find(alias_cfg.integration)
    if info is None:
        return  # reported on the alias
    action = info.actions.get(tool.action)
    if action is None:
        findings.error("unknown-action", f"integration '{info.name}' has no action '{tool.action}'",
                       source.at(*path, "tool"), did_you_mean(tool.action, info.actions)
                       or f"list its actions with 'weavz-flow integrations show {info.name}'")
        return
    if alias_cfg.actions is not None and tool.action not in alias_cfg.actions \
            and all(a in info.actions for a in alias_cfg.actions):
        findings.error("action-not-enabled", f"action '{tool.action}' is not enabled on alias '{tool.alias}'",
                       source.at(*path, "tool"), "add it to the alias's 'actions' list")
    for key, value in tool.input_defaults.items():
        field = action.field(key)
        if field is None:
            findings.error("unknown-input-key", f"'{key}' is not an input of '{action.key}'",
                           source.key_at(*path, "input_defaults", key), did_you_mean(key, action.field_names)
                           or f"its inputs: 'weavz-flow integrations show {info.name} {action.name}'")
            continue
        problem = literal_problem(field, value)
        if problem:
            findings.error("wrong-type", problem.message, source.at(*path, "input_defaults", key), problem.hint)
