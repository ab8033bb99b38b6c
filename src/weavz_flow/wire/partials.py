"""Input partial bodies (weavz-api.md §1.7, §2.7). Scope fields cannot change after create."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.wire.base import (
    AliasRef,
    CatalogRef,
    Description,
    Identified,
    Listing,
    PartialName,
    Ref,
    Stamped,
    WireModel,
    WireRequest,
)


class PartialScope(WireRequest):
    """Where a partial applies: set by its create, never changed after."""

    workspace_id: Ref
    integration_name: Ref
    workspace_integration_id: Ref | None = None
    integration_alias: AliasRef | None = None
    action_name: CatalogRef | None = None
    trigger_name: CatalogRef | None = None


class PartialContent(WireRequest):
    """What a partial holds; :class:`PartialUpdate` changes any of it."""

    name: PartialName
    description: Description | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    enforced_keys: list[Ref] = Field(default_factory=list)
    is_default: bool = False


class PartialCreate(PartialScope, PartialContent):
    pass


class PartialUpdate(WireRequest):
    """A PATCH of :class:`PartialContent`: only the fields sent change."""

    name: PartialName | None = None
    description: Description | None = None
    values: dict[str, Any] | None = None
    enforced_keys: list[Ref] | None = None
    is_default: bool | None = None


class SetDefault(WireRequest):
    is_default: bool


# The bases in this order give the answer's key order: ids, scope, content, times.
class Partial(Stamped, PartialContent, PartialScope, Identified):
    """A partial as the API answers it: its scope and content, and what the server adds."""


class PartialEnvelope(WireModel):
    partial: Partial


class PartialList(Listing[Partial]):
    items_field = "partials"
    partials: list[Partial] = Field(default_factory=list)
    total: int
