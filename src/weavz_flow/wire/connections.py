"""Connection bodies (weavz-api.md §1.5, §2.5; weavz-sdk-wire.md §2.3).

Credential fields exist only on the create request and go straight to the engine, which encrypts them; no response
model has a field that could carry one.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.wire.base import BaseUrl, ExternalId, ExternalRef, Listing, Ref, Secret, Text, WireModel, WireRequest
from weavz_flow.wire.vocabulary import ConnectionScope, ConnectionType


class CredentialFields(WireRequest):
    """The secret part of a connection, by type (weavz-api.md §1.5). Secret values stay masked in any repr until
    the engine encrypts them (or a client sends them)."""

    secret_text: Secret | None = None
    username: Text | None = None
    password: Secret | None = None
    props: dict[str, Any] | None = Field(default=None, repr=False)
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    token_type: Text | None = None
    expires_in: int | None = None
    # The SDK sends this one key in snake_case (weavz-sdk-wire.md §2.3).
    scope_oauth: Text | None = Field(default=None, alias="scope_oauth")
    data: dict[str, Any] | None = Field(default=None, repr=False)


class ConnectionCreate(CredentialFields):
    type: ConnectionType
    external_id: ExternalId
    display_name: ExternalId
    integration_name: Ref
    workspace_id: Ref | None = None
    end_user_id: ExternalRef | None = None
    scope: ConnectionScope | None = None
    oauth_app_id: Ref | None = None
    # Not a Weavz field: lets a self-hosted connection point at another provider host (GitHub Enterprise, a stub).
    base_url: BaseUrl | None = None


class ConnectionUpdate(CredentialFields):
    """Not in the Weavz API (weavz-flow serve answers 405 too): a new credential or name for a connection in place,
    for a server that has it. An explicit null ``baseUrl`` clears it."""

    display_name: ExternalId | None = None
    base_url: BaseUrl | None = None


class ConnectionResolve(WireRequest):
    integration_name: Ref
    workspace_id: Ref
    external_id: ExternalRef | None = None
    end_user_id: ExternalRef | None = None


class Connection(WireModel):
    id: str
    org_id: str | None = None
    external_id: str
    display_name: str
    integration_name: str
    type: str
    status: str = "ACTIVE"
    scope: str = "ORGANIZATION"
    workspace_id: str | None = None
    end_user_id: str | None = None
    base_url: str | None = None
    created_at: str
    updated_at: str


class ConnectionEnvelope(WireModel):
    connection: Connection


class ConnectionList(Listing[Connection]):
    items_field = "connections"
    connections: list[Connection] = Field(default_factory=list)
    total: int
