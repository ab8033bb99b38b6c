"""``POST /api/v1/orgs``: the self-hosting bootstrap, behind the service key only."""

from __future__ import annotations

from fastapi import APIRouter, status

from weavz_flow.server.deps import EngineDep, ServiceKeyDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.orgs import Org, OrgCreate, OrgEnvelope

router = APIRouter(prefix="/api/v1/orgs", tags=["orgs"], responses=error_responses(400, 401))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrgEnvelope)
def create_org(engine: EngineDep, _service: ServiceKeyDep, body: OrgCreate) -> OrgEnvelope:
    return OrgEnvelope(org=Org.of(engine.orgs.create(body.name)))
