"""Catalog bodies (weavz-api.md §2.2). Integration metadata is open-ended (props vary by action), so it stays a
plain object whose shape :meth:`weavz_flow.catalog.model.IntegrationInfo.metadata` defines."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.wire.base import WireModel


class IntegrationList(WireModel):
    integrations: list[dict[str, Any]] = Field(default_factory=list)
    total: int
    registered: list[str] = Field(default_factory=list)


class IntegrationEnvelope(WireModel):
    integration: dict[str, Any]
    # The docs' httpx and fetch examples read ``integrations[0]`` from ``?name=`` while the SDK reads
    # ``integration``; answering both keeps every documented client working.
    integrations: list[dict[str, Any]] = Field(default_factory=list)
    total: int = 1


class Health(WireModel):
    status: str = "healthy"
