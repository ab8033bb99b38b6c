"""Connection bodies (weavz-api.md §1.5, §2.5; weavz-sdk-wire.md §2.3).

Credential fields exist only on the create request and go straight to the engine, which encrypts them; no response
model has a field that could carry one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr

from weavz_flow.server.wire.base import BaseUrl, ExternalId, ExternalRef, Ref, Text, WireModel, WireRequest

ConnectionType = Literal["SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "OAUTH2", "PLATFORM_OAUTH2"]
ConnectionScope = Literal["ORGANIZATION", "WORKSPACE", "USER"]


class ConnectionCreate(WireRequest):
    type: ConnectionType
    external_id: ExternalId
    display_name: ExternalId
    integration_name: Ref
    workspace_id: Ref | None = None
    end_user_id: ExternalRef | None = None
    scope: ConnectionScope | None = None
    oauth_app_id: Ref | None = None
    # Secret values stay SecretStr (masked in any repr) until the engine encrypts them.
    secret_text: SecretStr | None = None
    username: Text | None = None
    password: SecretStr | None = None
    props: dict[str, Any] | None = Field(default=None, repr=False)
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_type: Text | None = None
    expires_in: int | None = None
    # The SDK sends this one key in snake_case (weavz-sdk-wire.md §2.3).
    scope_oauth: Text | None = Field(default=None, alias="scope_oauth")
    data: dict[str, Any] | None = Field(default=None, repr=False)
    # Not a Weavz field: lets a self-hosted connection point at another provider host (GitHub Enterprise, a stub).
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


class ConnectionList(WireModel):
    connections: list[Connection] = Field(default_factory=list)
    total: int
