"""Input partial bodies (weavz-api.md §1.7, §2.7). Scope fields cannot change after create."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.server.wire.base import (
    AliasRef,
    CatalogRef,
    Description,
    PartialName,
    Ref,
    WireModel,
    WireRequest,
)


class PartialCreate(WireRequest):
    workspace_id: Ref
    integration_name: Ref
    name: PartialName
    workspace_integration_id: Ref | None = None
    integration_alias: AliasRef | None = None
    action_name: CatalogRef | None = None
    trigger_name: CatalogRef | None = None
    description: Description | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    enforced_keys: list[Ref] = Field(default_factory=list)
    is_default: bool = False


class PartialUpdate(WireRequest):
    name: PartialName | None = None
    description: Description | None = None
    values: dict[str, Any] | None = None
    enforced_keys: list[Ref] | None = None
    is_default: bool | None = None


class SetDefault(WireRequest):
    is_default: bool


class Partial(WireModel):
    id: str
    org_id: str
    workspace_id: str
    integration_name: str
    workspace_integration_id: str | None = None
    integration_alias: str | None = None
    action_name: str | None = None
    trigger_name: str | None = None
    name: str
    description: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    enforced_keys: list[str] = Field(default_factory=list)
    is_default: bool = False
    created_at: str
    updated_at: str


class PartialEnvelope(WireModel):
    partial: Partial


class PartialList(WireModel):
    partials: list[Partial] = Field(default_factory=list)
    total: int
