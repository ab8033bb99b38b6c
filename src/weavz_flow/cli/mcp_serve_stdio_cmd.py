"""``weavz-flow mcp serve-stdio SERVER``: a project's MCP server over stdio, on the embedded engine, for desktop agents
and IDEs that launch a command (see :mod:`weavz_flow.server.mcp.stdio`). SERVER is a server's id or its name in the
project's store (``weavz-flow apply`` puts the declared ones there)."""

from __future__ import annotations

from pathlib import Path

import anyio
import click

from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.load import load_project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.session import open_backend
from weavz_flow.wire.mcp import McpServer


@click.command("serve-stdio")
@click.argument("server")
@click.option("--end-user", "end_user", metavar="EXTERNAL_ID",
              help="The end user the calls act for (per-user aliases use their connections) [default: the server's "
                   "endUserId, else none].")
@click.option("--workspace", metavar="SLUG", help="The workspace of SERVER (when servers of several share its name).")
@project_option()
def serve_stdio(server: str, end_user: str | None, workspace: str | None, project_path: Path | None) -> None:
    """Serve the MCP server SERVER (its id or its name) over stdin/stdout until stdin closes.

    Runs on the project's embedded engine and store; a project whose backend is remote has no store here.
    """
    from weavz_flow.server.mcp.stdio import local_access, serve_stdio

    backend = open_backend(load_project(project_path))
    if not isinstance(backend, LocalBackend):
        backend.close()
        raise WeavzFlowError("mcp serve-stdio runs on the embedded engine; this project's backend is remote "
                             "(connect the agent to the remote server's /mcp/{serverId} endpoint instead)")
    try:
        found = _find_server(backend, server, workspace)
        anyio.run(serve_stdio, backend.engine, local_access(found, end_user))
    finally:
        backend.close()


def _find_server(backend: LocalBackend, ref: str, workspace: str | None) -> McpServer:
    engine, caller = backend.engine, backend.caller
    workspaces = [w for w in engine.workspaces.list_all(caller) if workspace is None or w.slug == workspace]
    if not workspaces:
        raise WeavzFlowError(f"no workspace '{workspace}' in this project's store")
    servers = engine.mcp_servers.list_many(caller, [w.id for w in workspaces])
    matches = [s for s in servers if s.id == ref] or [s for s in servers if s.name == ref]
    if len(matches) == 1:
        return matches[0]
    if matches:
        slugs = {w.id: w.slug for w in workspaces}
        where = ", ".join(f"{slugs.get(s.workspace_id, s.workspace_id)} ({s.id})" for s in matches)
        raise WeavzFlowError(f"several MCP servers are named '{ref}': {where}; give --workspace or the id")
    names = ", ".join(sorted(s.name for s in servers)) or "none"
    raise WeavzFlowError(f"no MCP server '{ref}' in this project's store (servers: {names})")
