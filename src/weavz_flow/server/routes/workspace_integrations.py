"""Workspace integrations, the aliases of a workspace (weavz-api.md §2.4)."""

from __future__ import annotations

from fastapi import APIRouter, status

from weavz_flow.engine import inputs
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.base import Deleted
from weavz_flow.wire.workspace_integrations import (
    WorkspaceIntegration,
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationEnvelope,
    WorkspaceIntegrationList,
    WorkspaceIntegrationUpdate,
)

router = APIRouter(
    prefix="/api/v1/workspaces/{workspace_id}/integrations",
    tags=["workspace-integrations"],
    responses=error_responses(400, 401, 403, 404),
)


@router.get("", response_model=WorkspaceIntegrationList)
def list_workspace_integrations(engine: EngineDep, caller: CallerDep, workspace_id: str) -> WorkspaceIntegrationList:
    items = engine.integrations.list_in(caller, workspace_id)
    return WorkspaceIntegrationList(integrations=[WorkspaceIntegration.of(i) for i in items], total=len(items))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkspaceIntegrationEnvelope,
             responses=error_responses(409))
def create_workspace_integration(
    engine: EngineDep, caller: CallerDep, workspace_id: str, body: WorkspaceIntegrationCreate
) -> WorkspaceIntegrationEnvelope:
    created = engine.integrations.create(
        caller, workspace_id, body.to_engine(inputs.WorkspaceIntegrationCreate)
    )
    return WorkspaceIntegrationEnvelope(integration=WorkspaceIntegration.of(created))


@router.patch("/{integration_id}", response_model=WorkspaceIntegrationEnvelope, responses=error_responses(409))
def update_workspace_integration(
    engine: EngineDep, caller: CallerDep, workspace_id: str, integration_id: str, body: WorkspaceIntegrationUpdate
) -> WorkspaceIntegrationEnvelope:
    updated = engine.integrations.update(
        caller, workspace_id, integration_id, body.to_engine(inputs.WorkspaceIntegrationUpdate)
    )
    return WorkspaceIntegrationEnvelope(integration=WorkspaceIntegration.of(updated))


@router.delete("/{integration_id}", response_model=Deleted)
def delete_workspace_integration(
    engine: EngineDep, caller: CallerDep, workspace_id: str, integration_id: str
) -> Deleted:
    return Deleted(id=engine.integrations.delete(caller, workspace_id, integration_id))
