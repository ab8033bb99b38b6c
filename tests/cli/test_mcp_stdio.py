"""``weavz-flow mcp serve-stdio``: the official ``mcp`` client's stdio transport launches the command as a desktop
agent would, lists the tools of a server in the project's local store and calls one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

import weavz_flow
from tests.server.mcp_client import output_of, run_async
from weavz_flow.backends.local import LocalBackend
from weavz_flow.engine.inputs import EndUserCreate, WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.wire.mcp import McpServerCreate, McpToolCreate
from weavz_flow.wire.vocabulary import McpAuthMode

SRC = str(Path(weavz_flow.__file__).resolve().parent.parent)


def _project(root: Path) -> str:
    """A project whose local store holds a workspace with a kv-store alias and an MCP server; its id."""
    (root / "weavz-flow.yaml").write_text("version: 1\nname: stdio\n", encoding="utf-8")
    backend = LocalBackend(root / ".weavz-flow")
    try:
        engine, caller = backend.engine, backend.caller
        ws = engine.workspaces.create(caller, WorkspaceCreate(name="Desk", slug="desk"))
        engine.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name="kv-store", alias="kv"))
        engine.end_users.create(caller, EndUserCreate(workspace_id=ws.id, external_id="alice"))
        server, _ = engine.mcp_servers.create(caller, McpServerCreate(name="desk-agent", workspace_id=ws.id,
                                                                      auth_mode=McpAuthMode.OAUTH))
        engine.mcp_servers.add_tool(caller, server.id, McpToolCreate(
            integration_name="kv-store", action_name="put", integration_alias="kv", display_name="Remember",
            input_defaults={"value": "remembered"}))
        return server.id
    finally:
        backend.close()


@pytest.mark.parametrize("by", ["name", "id"])
def test_list_and_call_over_stdio(tmp_path: Path, by: str) -> None:
    server_id = _project(tmp_path)
    ref = "desk-agent" if by == "name" else server_id
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "weavz_flow", "mcp", "serve-stdio", ref, "--end-user", "alice", "-p", str(tmp_path)],
        env={"PYTHONPATH": os.pathsep.join([SRC, str(Path(SRC).parent)])},
        cwd=tmp_path,
    )

    async def agent() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert {"kv__put", "kv__get"} <= set(tools)
            assert tools["kv__put"].title == "Remember"
            assert tools["kv__put"].input_schema["properties"]["value"]["default"] == "remembered"
            assert output_of(await session.call_tool("kv__put", {"key": "note"})) == {"key": "note",
                                                                                       "value": "remembered"}
            got = output_of(await session.call_tool("kv__get", {"key": "note"}))
            assert got == {"key": "note", "value": "remembered", "found": True}

    run_async(agent)
    backend = LocalBackend(tmp_path / ".weavz-flow")
    try:
        records = backend.engine.executions.list_page(backend.caller).items
        assert {(r.action_name, r.source, r.end_user_id) for r in records} == {("put", "mcp_tools", "alice"),
                                                                               ("get", "mcp_tools", "alice")}
    finally:
        backend.close()


def test_an_unknown_server_is_a_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from weavz_flow.cli.main import cli

    _project(tmp_path)
    result = CliRunner().invoke(cli, ["mcp", "serve-stdio", "nope", "-p", str(tmp_path)])
    assert result.exit_code != 0
    assert "no MCP server 'nope'" in result.output and "desk-agent" in result.output
