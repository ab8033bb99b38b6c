"""``GET /health``: liveness, without auth."""

from __future__ import annotations

from fastapi import APIRouter

from weavz_flow.wire.integrations import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health()
