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
from weavz_flow.wire import connections as wire_connections
from weavz_flow.wire import end_users as wire_end_users
from weavz_flow.wire import partials as wire_partials
from weavz_flow.wire import workspace_integrations as wire_workspace_integrations
from weavz_flow.wire import workspaces as wire_workspaces


class EngineModel(BaseModel):
    # Dumped in Python's names by default, also where a value derives from the wire's answer (which dumps by alias):
    # this base comes last among a value's bases, so its configuration wins.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, serialize_by_alias=False)


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


class Workspace(wire_workspaces.Workspace, EngineModel):
    """The wire's workspace (weavz_flow.wire.workspaces)."""


class WorkspaceIntegration(wire_workspace_integrations.WorkspaceIntegration, EngineModel):
    """The wire's workspace integration (weavz_flow.wire.workspace_integrations); ``enabled_actions`` None is every
    action, and the ``connection_*`` fields echo the pinned connection."""


class Connection(wire_connections.Connection, EngineModel):
    """The wire's connection (weavz_flow.wire.connections), which a stored one always has every part of, and its
    fingerprint, which the API does not show."""

    org_id: str
    status: str
    scope: str
    # Keyed HMAC of the credential: equal credentials give equal fingerprints under one store's key. For plan diffs.
    credential_fingerprint: str


class EndUser(wire_end_users.EndUser, EngineModel):
    """The wire's end user (weavz_flow.wire.end_users) and its organization."""

    org_id: str


class Partial(wire_partials.Partial, EngineModel):
    """The wire's partial (its fields are declared once, in weavz_flow.wire.partials); a stored one always has its
    alias."""

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
    source: str | None = None  # the surface that called (wire/vocabulary.py ExecuteSource); None on older records


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the total count of the unpaged list."""

    items: list[T]
    total: int
