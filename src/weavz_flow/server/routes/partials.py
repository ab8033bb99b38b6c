"""Input partials (weavz-api.md §2.7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from weavz_flow.engine import inputs
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.base import Deleted, Ref
from weavz_flow.wire.partials import (
    Partial,
    PartialCreate,
    PartialEnvelope,
    PartialList,
    PartialUpdate,
    SetDefault,
)

router = APIRouter(prefix="/api/v1/partials", tags=["partials"], responses=error_responses(400, 401, 403, 404))


@router.get("", response_model=PartialList)
def list_partials(
    engine: EngineDep,
    caller: CallerDep,
    workspace_id: Annotated[Ref, Query(alias="workspaceId")],
    integration_name: Annotated[Ref | None, Query(alias="integrationName")] = None,
    workspace_integration_id: Annotated[Ref | None, Query(alias="workspaceIntegrationId")] = None,
    integration_alias: Annotated[Ref | None, Query(alias="integrationAlias")] = None,
    action_name: Annotated[Ref | None, Query(alias="actionName")] = None,
    trigger_name: Annotated[Ref | None, Query(alias="triggerName")] = None,
) -> PartialList:
    items = engine.partials.list_in(
        caller,
        workspace_id,
        integration_name=integration_name,
        workspace_integration_id=workspace_integration_id,
        integration_alias=integration_alias,
        action_name=action_name,
        trigger_name=trigger_name,
    )
    return PartialList(partials=[Partial.of(p) for p in items], total=len(items))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PartialEnvelope, responses=error_responses(409))
def create_partial(engine: EngineDep, caller: CallerDep, body: PartialCreate) -> PartialEnvelope:
    return PartialEnvelope(partial=Partial.of(engine.partials.create(caller, body.to_engine(inputs.PartialCreate))))


@router.get("/{partial_id}", response_model=PartialEnvelope)
def get_partial(engine: EngineDep, caller: CallerDep, partial_id: str) -> PartialEnvelope:
    return PartialEnvelope(partial=Partial.of(engine.partials.get(caller, partial_id)))


@router.patch("/{partial_id}", response_model=PartialEnvelope, responses=error_responses(409))
def update_partial(engine: EngineDep, caller: CallerDep, partial_id: str, body: PartialUpdate) -> PartialEnvelope:
    updated = engine.partials.update(caller, partial_id, body.to_engine(inputs.PartialUpdate))
    return PartialEnvelope(partial=Partial.of(updated))


@router.delete("/{partial_id}", response_model=Deleted)
def delete_partial(engine: EngineDep, caller: CallerDep, partial_id: str) -> Deleted:
    return Deleted(id=engine.partials.delete(caller, partial_id))


@router.post("/{partial_id}/set-default", response_model=PartialEnvelope)
def set_default_partial(engine: EngineDep, caller: CallerDep, partial_id: str, body: SetDefault) -> PartialEnvelope:
    return PartialEnvelope(partial=Partial.of(engine.partials.set_default(caller, partial_id, body.is_default)))
