"""The managed objects as the engine returns them: immutable pydantic values, camelCase when dumped by alias.

None of these can hold a credential. Field names follow the Weavz wire names (weavz-api.md §1), so a server can
dump them straight into its response bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from weavz_flow.engine.applied_partial import PartialReason
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire import partials as wire_partials


class EngineModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class Organization(EngineModel):
    id: str
    name: str
    created_at: str
    updated_at: str


class ApiKey(EngineModel):
    id: str
    org_id: str
    name: str
    key_prefix: str
    permissions: dict[str, Any] | None = None  # None = unrestricted (org-wide)
    last_used_at: str | None = None
    expires_at: str | None = None
    created_at: str


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """A new key and its plain value, which exists only here: the store keeps its sha256."""

    api_key: ApiKey
    plain_key: Sensitive[str]


class Workspace(EngineModel):
    id: str
    org_id: str
    name: str
    slug: str
    created_at: str
    updated_at: str


class WorkspaceIntegration(EngineModel):
    id: str
    org_id: str
    workspace_id: str
    integration_name: str
    alias: str
    display_name: str | None = None
    connection_strategy: str
    connection_id: str | None = None
    enabled_actions: list[str] | None = None  # None = every action
    settings: dict[str, Any]
    sort_order: int = 0
    # Read-only echoes of the pinned connection.
    connection_status: str | None = None
    connection_display_name: str | None = None
    connection_external_id: str | None = None
    created_at: str
    updated_at: str


class Connection(EngineModel):
    id: str
    org_id: str
    external_id: str
    display_name: str
    integration_name: str
    type: str
    status: str
    scope: str
    workspace_id: str | None = None
    end_user_id: str | None = None  # the owning end user's externalId
    base_url: str | None = None  # not a Weavz field: a provider host override (GitHub Enterprise, a stub)
    # Keyed HMAC of the credential: equal credentials give equal fingerprints under one store's key. For plan diffs.
    credential_fingerprint: str
    created_at: str
    updated_at: str


class EndUser(EngineModel):
    id: str
    org_id: str
    workspace_id: str
    external_id: str
    display_name: str | None = None
    email: str | None = None
    metadata: dict[str, Any] | None = None
    connection_count: int = 0
    type: str = "external"
    created_at: str
    updated_at: str


class Partial(wire_partials.Partial, EngineModel):
    """The wire's partial (its fields are declared once, in weavz_flow.wire.partials); a stored one always has its
    alias. Dumped in Python's names, as the other engine values."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=False)

    workspace_integration_id: str
    integration_alias: str


class ExecutionPartial(EngineModel):
    """One partial an execution applied, and why (see :class:`weavz_flow.engine.applied_partial.PartialReason`)."""

    id: str
    name: str
    reason: PartialReason


class Execution(EngineModel):
    """The record of one execute. ``input`` has credential strings and enforced values masked."""

    id: str
    org_id: str
    workspace_id: str
    api_key_id: str | None = None
    integration_name: str
    action_name: str
    workspace_integration_id: str | None = None
    integration_alias: str | None = None
    connection_id: str | None = None
    end_user_id: str | None = None
    partial_ids: list[str]
    enforced_keys: list[str]
    applied_partials: list[ExecutionPartial] | None = None  # None on records made before it was kept
    input: dict[str, Any] | None = None
    status: str  # success | failed
    duration_ms: float
    error_code: str | None = None
    error_message: str | None = None
    output: Any = None
    output_truncated: bool = False
    idempotency_key: str | None = None
    created_at: str


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the total count of the unpaged list."""

    items: list[T]
    total: int
