"""End users (weavz-api.md §2.6): paths take the internal id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from weavz_flow.engine import inputs
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.pages import Limit, Offset
from weavz_flow.wire.base import Deleted, Ref
from weavz_flow.wire.connections import Connection
from weavz_flow.wire.end_users import (
    EndUser,
    EndUserCreate,
    EndUserEnvelope,
    EndUserList,
    EndUserUpdate,
    EndUserWithConnections,
)

router = APIRouter(prefix="/api/v1/end-users", tags=["end-users"], responses=error_responses(400, 401, 403, 404))


@router.get("", response_model=EndUserList)
def list_end_users(
    engine: EngineDep,
    caller: CallerDep,
    workspace_id: Annotated[Ref, Query(alias="workspaceId")],
    limit: Limit = None,
    offset: Offset = None,
) -> EndUserList:
    page = engine.end_users.list_page(caller, workspace_id, limit=limit, offset=offset)
    return EndUserList(end_users=[EndUser.of(u) for u in page.items], total=page.total)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EndUserEnvelope, responses=error_responses(409))
def create_end_user(engine: EngineDep, caller: CallerDep, body: EndUserCreate) -> EndUserEnvelope:
    created = engine.end_users.create(caller, body.to_engine(inputs.EndUserCreate))
    return EndUserEnvelope(end_user=EndUser.of(created))


@router.get("/{end_user_id}", response_model=EndUserWithConnections)
def get_end_user(engine: EngineDep, caller: CallerDep, end_user_id: str) -> EndUserWithConnections:
    end_user, connections = engine.end_users.get(caller, end_user_id)
    return EndUserWithConnections(end_user=EndUser.of(end_user), connections=[Connection.of(c) for c in connections])


@router.patch("/{end_user_id}", response_model=EndUserEnvelope)
def update_end_user(engine: EngineDep, caller: CallerDep, end_user_id: str, body: EndUserUpdate) -> EndUserEnvelope:
    updated = engine.end_users.update(caller, end_user_id, body.to_engine(inputs.EndUserUpdate))
    return EndUserEnvelope(end_user=EndUser.of(updated))


@router.delete("/{end_user_id}", response_model=Deleted)
def delete_end_user(engine: EngineDep, caller: CallerDep, end_user_id: str) -> Deleted:
    return Deleted(id=engine.end_users.delete(caller, end_user_id))
