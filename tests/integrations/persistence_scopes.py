"""Aliases of one built-in in each persistence scope, and a second workspace: for the built-ins' isolation tests."""

from __future__ import annotations

from dataclasses import dataclass

from tests.integrations.native_engine import NativeEngine
from weavz_flow.engine.inputs import WorkspaceCreate, WorkspaceIntegrationCreate


@dataclass(frozen=True)
class Scopes:
    """Alias names: ``per_user`` (end_user scope), ``shared`` (workspace), ``tenant_a`` and ``tenant_a2`` (both
    external ``tenant-a``), ``tenant_b`` (external ``tenant-b``); ``other_workspace`` has a ``shared`` alias too."""

    other_workspace: str


def scoped_aliases(native: NativeEngine, integration: str) -> Scopes:
    engine, caller, workspace = native.engine, native.caller, native.workspace

    def alias(workspace_id: str, name: str, persistence: dict[str, str] | None) -> None:
        settings = {"persistence": persistence} if persistence else None
        engine.integrations.create(caller, workspace_id, WorkspaceIntegrationCreate(
            integration_name=integration, alias=name, settings=settings))

    alias(workspace.id, "per_user", None)
    alias(workspace.id, "shared", {"scope": "workspace"})
    alias(workspace.id, "tenant_a", {"scope": "external", "externalId": "tenant-a"})
    alias(workspace.id, "tenant_a2", {"scope": "external", "externalId": "tenant-a"})
    alias(workspace.id, "tenant_b", {"scope": "external", "externalId": "tenant-b"})
    other = engine.workspaces.create(caller, WorkspaceCreate(name="Other", slug="other"))
    alias(other.id, "shared", {"scope": "workspace"})
    return Scopes(other_workspace=other.id)
