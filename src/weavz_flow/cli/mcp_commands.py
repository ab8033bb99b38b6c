"""``weavz-flow mcp``: the MCP command group. Each subcommand lives in its own module, imported only when invoked
(as the top-level commands are): add one by naming it in MCP_COMMANDS."""

from __future__ import annotations

import importlib

import click

# subcommand name -> "module:attribute"
MCP_COMMANDS: dict[str, str] = {
    "token": "weavz_flow.cli.mcp_token_cmd:token",
}


class _LazyMcpGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(MCP_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = MCP_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group("mcp", cls=_LazyMcpGroup)
def mcp() -> None:
    """MCP servers: the workspace's actions as tools for AI agents."""
