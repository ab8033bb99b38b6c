"""Workspace bodies (weavz-api.md §2.3)."""

from __future__ import annotations

from pydantic import Field

from weavz_flow.wire.base import Listing, Name, Slug, WireModel, WireRequest


class WorkspaceCreate(WireRequest):
    name: Name
    slug: Slug


class WorkspaceUpdate(WireRequest):
    name: Name | None = None
    slug: Slug | None = None


class Workspace(WireModel):
    id: str
    org_id: str
    name: str
    slug: str
    created_at: str
    updated_at: str


class WorkspaceEnvelope(WireModel):
    workspace: Workspace


class WorkspaceList(Listing[Workspace]):
    items_field = "workspaces"
    workspaces: list[Workspace] = Field(default_factory=list)
    total: int
