"""Catalog bodies (weavz-api.md §2.2). Integration metadata is open-ended (props vary by action), so it stays a
plain object whose shape :meth:`weavz_flow.catalog.model.IntegrationInfo.metadata` defines."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.wire.base import AliasRef, CatalogRef, ExternalRef, Ref, Text, WireModel, WireRequest


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


class PropertyOptionsRequest(WireRequest):
    """``POST /api/v1/integrations/{name}/properties/options`` (weavz-sdk-wire.md §2.11 ``resolve_options``): the
    execute request's selectors, the property, and ``searchValue``."""

    property_name: Ref
    action_name: CatalogRef | None = None
    trigger_name: CatalogRef | None = None
    connection_external_id: ExternalRef | None = None
    auth_method_key: Ref | None = None  # sent by the SDK; one auth method per integration here, so not used
    workspace_id: Ref | None = None
    workspace_integration_id: Ref | None = None
    integration_alias: AliasRef | None = None
    end_user_id: ExternalRef | None = None
    input: dict[str, Any] = Field(default_factory=dict)
    partial_ids: list[str] | None = None
    search_value: Text | None = Field(default=None, max_length=1024,
                                      description="keeps the options whose label holds it, in any case")


class PropertyOption(WireModel):
    label: str
    value: Any


class PropertyOptions(WireModel):
    """``{options: [{label, value}], disabled}`` (weavz-api.md §2.2)."""

    options: list[PropertyOption] = Field(default_factory=list)
    disabled: bool = False


class Health(WireModel):
    status: str = "healthy"
