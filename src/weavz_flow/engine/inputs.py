"""What callers send to create or change the managed objects.

snake_case fields with camelCase aliases, so a server may validate its request bodies straight into these. Update
models are PATCHes: only the fields a caller set (``model_fields_set``) change, and an explicit ``None`` clears.
Credential fields are :class:`pydantic.SecretStr` (or hidden from repr) so that no repr or log shows them.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic.alias_generators import to_camel

from weavz_flow.text_check import check_text
from weavz_flow.wire import partials as wire_partials
from weavz_flow.wire.base import invalid_request


class EngineInput(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data: Any) -> Any:
        # Every string a caller sends, key or value, nested or not, must be storable text (see text_check); the
        # ApiError passes through pydantic as is, naming the field, instead of failing later in the store as a 500.
        if isinstance(data, dict):
            check_text(data, "")
        return data

    @model_validator(mode="wrap")
    @classmethod
    def _refused_as_api_error(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # An input that derives from a wire request has its constraints: a local caller who breaks one gets the
        # server's 400, not a pydantic error.
        try:
            return handler(data)
        except ValidationError as exc:
            raise invalid_request(exc.errors()) from None

    def is_set(self, name: str) -> bool:
        return name in self.model_fields_set


class ApiKeyCreate(EngineInput):
    name: str
    expires_at: str | None = None  # ISO 8601; none = never expires
    # {"scope": "org"} or {"scope": "workspace", "workspaceIds": [...]}; None = org-wide
    permissions: dict[str, Any] | None = None


class WorkspaceCreate(EngineInput):
    name: str
    slug: str


class WorkspaceUpdate(EngineInput):
    name: str | None = None
    slug: str | None = None


class WorkspaceIntegrationCreate(EngineInput):
    integration_name: str
    alias: str | None = None  # defaults to integration_name
    connection_strategy: str | None = None  # defaults to fixed with a connection_id, else per_user
    connection_id: str | None = None
    display_name: str | None = None
    enabled_actions: list[str] | None = None
    settings: dict[str, Any] | None = None
    sort_order: int | None = None


class WorkspaceIntegrationUpdate(EngineInput):
    alias: str | None = None
    connection_strategy: str | None = None
    connection_id: str | None = None
    display_name: str | None = None
    enabled_actions: list[str] | None = None
    settings: dict[str, Any] | None = None
    sort_order: int | None = None


class CredentialInput(EngineInput):
    """The secret part of a connection, by type (weavz-api.md §1.5)."""

    secret_text: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    props: dict[str, Any] | None = Field(default=None, repr=False)
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_type: str | None = None
    expires_in: int | None = None
    scope_oauth: str | None = Field(default=None, alias="scope_oauth")  # snake_case on the wire, as the SDK sends it
    data: dict[str, Any] | None = Field(default=None, repr=False)

    def credential(self, type: str) -> dict[str, Any]:
        """The plain credential as it is encrypted and fingerprinted."""
        return {
            "type": type,
            "secretText": _reveal(self.secret_text),
            "username": self.username,
            "password": _reveal(self.password),
            "props": self.props,
            "accessToken": _reveal(self.access_token),
            "refreshToken": _reveal(self.refresh_token),
            "tokenType": self.token_type,
            "expiresIn": self.expires_in,
            "scope": self.scope_oauth,
            "data": self.data,
        }


class ConnectionCreate(CredentialInput):
    type: str
    external_id: str
    display_name: str
    integration_name: str
    workspace_id: str | None = None
    end_user_id: str | None = None  # the end user's externalId (needs workspace_id)
    scope: str | None = None  # ORGANIZATION (default) | WORKSPACE | USER
    oauth_app_id: str | None = None
    base_url: str | None = None


class ConnectionUpdate(CredentialInput):
    """Not in the Weavz API: rotates a credential or renames a connection in place, keeping its id."""

    display_name: str | None = None
    status: str | None = None
    base_url: str | None = None


class EndUserCreate(EngineInput):
    workspace_id: str
    external_id: str
    display_name: str | None = None
    email: str | None = None
    metadata: dict[str, Any] | None = None


class EndUserUpdate(EngineInput):
    display_name: str | None = None
    email: str | None = None
    metadata: dict[str, Any] | None = None


class PartialCreate(wire_partials.PartialCreate, EngineInput):
    """The wire's request: a partial's fields are declared once, in weavz_flow.wire.partials."""


class PartialUpdate(wire_partials.PartialUpdate, EngineInput):
    """The wire's PATCH: only the fields a caller set change."""


def _reveal(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
