"""The execute request and its success body (weavz-api.md §2.1, weavz-sdk-wire.md §2.5)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from weavz_flow.server.wire.base import AliasRef, ExternalRef, IdempotencyKey, Ref, WireModel, WireRequest


class ExecuteRequest(WireRequest):
    integration_name: Ref
    action_name: Ref
    input: dict[str, Any] = Field(default_factory=dict)
    workspace_id: Ref
    connection_external_id: ExternalRef | None = None
    workspace_integration_id: Ref | None = None
    integration_alias: AliasRef | None = None
    end_user_id: ExternalRef | None = None
    # None (absent) means the alias's default partials; [] means none at all.
    partial_ids: list[str] | None = None
    idempotency_key: IdempotencyKey | None = None


class ExecuteResult(WireModel):
    success: bool = True
    output: Any = None
    duration: float = Field(description="milliseconds")
