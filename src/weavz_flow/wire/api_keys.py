"""API key bodies (weavz-api.md §2.11). The plain key appears once, in the create response, and nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from weavz_flow.wire.base import Name, WireModel, WireRequest


class ApprovalPermissions(WireModel):
    decide: bool = False  # may approve, reject or cancel approval requests (weavz-api.md §2.11)


class ApiKeyPermissions(WireModel):
    scope: Literal["org", "workspace"] = "org"
    workspace_ids: list[str] | None = None
    # Left out of answers when not given, so a key made without it reads back exactly as it was made.
    approvals: ApprovalPermissions | None = Field(default=None, exclude_if=lambda v: v is None)


class ApiKeyCreate(WireRequest):
    name: Name
    expires_at: datetime | None = Field(default=None, description="ISO 8601; no expiry when omitted")
    permissions: ApiKeyPermissions | None = None


class ApiKey(WireModel):
    id: str
    org_id: str
    name: str
    key_prefix: str
    permissions: ApiKeyPermissions | None = None
    last_used_at: str | None = None
    expires_at: str | None = None
    created_at: str


class ApiKeyCreated(WireModel):
    api_key: ApiKey
    plain_key: str


class ApiKeyList(WireModel):
    api_keys: list[ApiKey] = Field(default_factory=list)
    total: int
