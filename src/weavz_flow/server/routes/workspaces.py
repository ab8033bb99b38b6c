"""Workspaces (weavz-api.md §2.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from weavz_flow.engine import inputs
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.pages import Offset, WorkspaceLimit
from weavz_flow.wire.base import Deleted
from weavz_flow.wire.workspaces import (
    Workspace,
    WorkspaceCreate,
    WorkspaceEnvelope,
    WorkspaceList,
    WorkspaceUpdate,
)

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"], responses=error_responses(400, 401, 403, 404))


@router.get("", response_model=WorkspaceList)
def list_workspaces(
    engine: EngineDep,
    caller: CallerDep,
    limit: WorkspaceLimit = None,
    offset: Offset = None,
    include_suspended: Annotated[bool | None, Query(alias="includeSuspended")] = None,
) -> WorkspaceList:
    page = engine.workspaces.list_page(caller, limit=limit, offset=offset)
    return WorkspaceList(workspaces=[Workspace.of(w) for w in page.items], total=page.total)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkspaceEnvelope,
             responses=error_responses(409))
def create_workspace(engine: EngineDep, caller: CallerDep, body: WorkspaceCreate) -> WorkspaceEnvelope:
    created = engine.workspaces.create(caller, body.to_engine(inputs.WorkspaceCreate))
    return WorkspaceEnvelope(workspace=Workspace.of(created))


@router.get("/{workspace_id}", response_model=WorkspaceEnvelope)
def get_workspace(engine: EngineDep, caller: CallerDep, workspace_id: str) -> WorkspaceEnvelope:
    return WorkspaceEnvelope(workspace=Workspace.of(engine.workspaces.get(caller, workspace_id)))


@router.patch("/{workspace_id}", response_model=WorkspaceEnvelope, responses=error_responses(409))
def update_workspace(
    engine: EngineDep, caller: CallerDep, workspace_id: str, body: WorkspaceUpdate
) -> WorkspaceEnvelope:
    updated = engine.workspaces.update(caller, workspace_id, body.to_engine(inputs.WorkspaceUpdate))
    return WorkspaceEnvelope(workspace=Workspace.of(updated))


@router.delete("/{workspace_id}", response_model=Deleted)
def delete_workspace(engine: EngineDep, caller: CallerDep, workspace_id: str) -> Deleted:
    return Deleted(id=engine.workspaces.delete(caller, workspace_id))
