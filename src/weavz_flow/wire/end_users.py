"""End-user bodies (weavz-api.md §1.6, §2.6). Paths use the internal id; ``endUserId`` elsewhere is the externalId."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.wire.base import DisplayName, Email, ExternalId, Listing, Ref, WireModel, WireRequest
from weavz_flow.wire.connections import Connection


class EndUserUpdate(WireRequest):
    display_name: DisplayName | None = None
    email: Email | None = None
    metadata: dict[str, Any] | None = None


class EndUserCreate(EndUserUpdate):
    """What an update can change, and the end user's workspace and externalId, which only a create sets."""

    workspace_id: Ref
    external_id: ExternalId


class EndUser(WireModel):
    id: str
    workspace_id: str
    external_id: str
    display_name: str | None = None
    email: str | None = None
    metadata: dict[str, Any] | None = None
    connection_count: int = 0
    type: str = "external"
    created_at: str
    updated_at: str


class EndUserEnvelope(WireModel):
    end_user: EndUser


class EndUserWithConnections(WireModel):
    end_user: EndUser
    connections: list[Connection] = Field(default_factory=list)


class EndUserList(Listing[EndUser]):
    items_field = "end_users"
    end_users: list[EndUser] = Field(default_factory=list)
    total: int
