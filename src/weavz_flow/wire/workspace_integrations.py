"""Workspace integration (alias) bodies (weavz-api.md §2.4, weavz-sdk-wire.md §2.2).

The SDK's ``WorkspaceIntegration`` model needs a string ``connectionStrategy``, an object ``settings`` and ISO
``createdAt``/``updatedAt`` on every item, built-ins included.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.wire.base import Alias, DisplayName, Int32, Listing, Ref, WireModel, WireRequest
from weavz_flow.wire.vocabulary import Strategy


class WorkspaceIntegrationUpdate(WireRequest):
    alias: Alias | None = None
    connection_strategy: Strategy | None = None
    connection_id: Ref | None = None
    display_name: DisplayName | None = None
    enabled_actions: list[Ref] | None = None
    settings: dict[str, Any] | None = None
    sort_order: Int32 | None = None


class WorkspaceIntegrationCreate(WorkspaceIntegrationUpdate):
    """What an update can change, and the integration, which only a create sets."""

    integration_name: Ref


class WorkspaceIntegration(WireModel):
    id: str
    workspace_id: str
    org_id: str
    integration_name: str
    alias: str
    display_name: str | None = None
    connection_strategy: str
    connection_id: str | None = None
    enabled_actions: list[str] | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    sort_order: int = 0
    connection_status: str | None = None
    connection_display_name: str | None = None
    connection_external_id: str | None = None
    created_at: str
    updated_at: str


class WorkspaceIntegrationEnvelope(WireModel):
    integration: WorkspaceIntegration


class WorkspaceIntegrationList(Listing[WorkspaceIntegration]):
    items_field = "integrations"
    integrations: list[WorkspaceIntegration] = Field(default_factory=list)
    total: int
