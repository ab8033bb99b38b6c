"""The integration catalog (weavz-api.md §2.2). Public: the docs say it needs no auth; a valid key adds
``registered`` (the integrations the caller's organization has connections for)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from weavz_flow.server.deps import EngineDep, OptionalCallerDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.base import Ref
from weavz_flow.wire.integrations import IntegrationEnvelope, IntegrationList

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"], responses=error_responses(400, 404))


@router.get("", response_model=IntegrationList | IntegrationEnvelope)
def list_integrations(
    engine: EngineDep,
    caller: OptionalCallerDep,
    name: Annotated[Ref | None, Query(description="Answer {integration} for this one name")] = None,
    summary: Annotated[bool, Query(description="Leave out actions (a lightweight list)")] = False,
) -> IntegrationList | IntegrationEnvelope:
    catalog = engine.catalog
    if name is not None:
        return _one(catalog.integration(name).metadata())
    registered = sorted({c.integration_name for c in engine.connections.list_all(caller)}) if caller else []
    items = [info.metadata(summary=summary) for info in sorted(catalog, key=lambda i: i.name)]
    return IntegrationList(integrations=items, total=len(items), registered=registered)


@router.get("/{name}", response_model=IntegrationEnvelope)
def get_integration(engine: EngineDep, name: str) -> IntegrationEnvelope:
    return _one(engine.catalog.integration(name).metadata())


def _one(metadata: dict[str, object]) -> IntegrationEnvelope:
    return IntegrationEnvelope(integration=metadata, integrations=[metadata], total=1)
