"""Connections (weavz-api.md §2.5). ``GET /connections?id=`` is the SDK's get; there is no GET by path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from weavz_flow.engine import inputs
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.pages import Limit, Offset
from weavz_flow.wire.base import Deleted, Ref
from weavz_flow.wire.connections import (
    Connection,
    ConnectionCreate,
    ConnectionEnvelope,
    ConnectionList,
    ConnectionResolve,
)

router = APIRouter(prefix="/api/v1/connections", tags=["connections"], responses=error_responses(400, 401, 403, 404))


@router.get("", response_model=ConnectionList | ConnectionEnvelope)
def list_connections(
    engine: EngineDep,
    caller: CallerDep,
    id: Annotated[Ref | None, Query(description="Answer {connection} for this one id")] = None,
    limit: Limit = None,
    offset: Offset = None,
    include_suspended: Annotated[bool | None, Query(alias="includeSuspended")] = None,
) -> ConnectionList | ConnectionEnvelope:
    if id is not None:
        return ConnectionEnvelope(connection=Connection.of(engine.connections.get(caller, id)))
    page = engine.connections.list_page(caller, limit=limit, offset=offset)
    return ConnectionList(connections=[Connection.of(c) for c in page.items], total=page.total)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConnectionEnvelope,
             responses=error_responses(409))
def create_connection(engine: EngineDep, caller: CallerDep, body: ConnectionCreate) -> ConnectionEnvelope:
    created = engine.connections.create(caller, body.to_engine(inputs.ConnectionCreate))
    return ConnectionEnvelope(connection=Connection.of(created))


@router.delete("/{connection_id}", response_model=Deleted)
def delete_connection(engine: EngineDep, caller: CallerDep, connection_id: str) -> Deleted:
    return Deleted(id=engine.connections.delete(caller, connection_id))


@router.post("/resolve", response_model=ConnectionEnvelope)
def resolve_connection(engine: EngineDep, caller: CallerDep, body: ConnectionResolve) -> ConnectionEnvelope:
    resolved = engine.resolve_connection(
        caller,
        integration_name=body.integration_name,
        workspace_id=body.workspace_id,
        external_id=body.external_id,
        end_user_id=body.end_user_id,
    )
    return ConnectionEnvelope(connection=Connection.of(resolved))
