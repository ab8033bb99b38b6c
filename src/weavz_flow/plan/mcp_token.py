"""``weavz-flow mcp token``: a token for an MCP server the project declares (and apply made), by its name.

The server is found in the project's workspace files (``--workspace`` when two declare the name), then on the
backend by its natural key (workspace, name). The token is the backend's answer, returned once as a Sensitive; it is
never written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.specs import McpTokenSpec, MintedToken
from weavz_flow.config.project import Project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.suggest import did_you_mean


@dataclass(frozen=True, slots=True)
class TokenRequest:
    server: str
    workspace: str | None = None
    end_user: str | None = None  # None: a new static bearer of the server
    expires_in_s: int | None = None
    oauth: bool = False


def declaring_workspace(project: Project, server: str, workspace: str | None) -> str:
    """The slug of the workspace that declares MCP server ``server``."""
    if workspace is not None:
        ws = project.workspaces.get(workspace)
        if ws is None:
            hint = did_you_mean(workspace, project.workspaces)
            raise WeavzFlowError(f"workspace '{workspace}' is not declared in this project" + _hint(hint))
        if server not in ws.mcp_servers:
            hint = did_you_mean(server, ws.mcp_servers)
            raise WeavzFlowError(f"workspace '{workspace}' declares no MCP server '{server}'" + _hint(hint))
        return workspace
    found = sorted(slug for slug, ws in project.workspaces.items() if server in ws.mcp_servers)
    if not found:
        names = {n for ws in project.workspaces.values() for n in ws.mcp_servers}
        hint = did_you_mean(server, names) or "declare it under 'mcp_servers' in a workspace file"
        raise WeavzFlowError(f"MCP server '{server}' is not declared in this project ({hint})")
    if len(found) > 1:
        raise WeavzFlowError(f"MCP server '{server}' is declared in workspaces {', '.join(found)}; "
                             "name one with --workspace")
    return found[0]


def mint_token(project: Project, backend: Backend, request: TokenRequest) -> MintedToken:
    slug = declaring_workspace(project, request.server, request.workspace)
    live = next((w for w in backend.list_workspaces() if w.slug == slug), None)
    server = None
    if live is not None:
        server = next((s for s in backend.list_mcp_servers([live]) if s.name == request.server), None)
    if server is None:
        raise WeavzFlowError(f"MCP server '{request.server}' of workspace '{slug}' does not exist on "
                             f"{backend.description}; run `weavz-flow apply` first")
    spec = McpTokenSpec(request.end_user, request.expires_in_s, request.oauth)
    return backend.mint_mcp_token(server.id, spec)


def _hint(hint: str | None) -> str:
    return f" ({hint})" if hint else ""
