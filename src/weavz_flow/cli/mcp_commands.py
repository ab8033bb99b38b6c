"""``weavz-flow mcp``: the MCP command group. Each subcommand lives in its own module, imported only when invoked
(as the top-level commands are): add one by naming it in MCP_COMMANDS."""

from __future__ import annotations

import click

from weavz_flow.cli.main import LazyGroup

# subcommand name -> "module:attribute"
MCP_COMMANDS: dict[str, str] = {
    "token": "weavz_flow.cli.mcp_token_cmd:token",
}


class _McpGroup(LazyGroup):
    table = MCP_COMMANDS


@click.group("mcp", cls=_McpGroup)
def mcp() -> None:
    """MCP servers: the workspace's actions as tools for AI agents."""
