"""API keys (weavz-api.md §2.11): organization administration, so an org-wide key or the service key."""

from __future__ import annotations

from fastapi import APIRouter, status

from weavz_flow.engine import inputs
from weavz_flow.server.deps import AdminCallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.api_keys import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList
from weavz_flow.wire.base import Deleted

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"], responses=error_responses(400, 401, 403, 404))


@router.get("", response_model=ApiKeyList)
def list_api_keys(engine: EngineDep, caller: AdminCallerDep) -> ApiKeyList:
    page = engine.api_keys.list_page(caller)
    return ApiKeyList(api_keys=[ApiKey.of(k) for k in page.items], total=page.total)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(engine: EngineDep, caller: AdminCallerDep, body: ApiKeyCreate) -> ApiKeyCreated:
    request = inputs.ApiKeyCreate(
        name=body.name,
        expires_at=body.expires_at.isoformat() if body.expires_at else None,
        permissions=body.permissions.model_dump(by_alias=True, exclude_none=True) if body.permissions else None,
    )
    created = engine.api_keys.create(caller, request)
    return ApiKeyCreated(api_key=ApiKey.of(created.api_key), plain_key=created.plain_key.reveal())


@router.delete("/{key_id}", response_model=Deleted)
def delete_api_key(engine: EngineDep, caller: AdminCallerDep, key_id: str) -> Deleted:
    return Deleted(id=engine.api_keys.delete(caller, key_id))
