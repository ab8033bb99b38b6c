"""Organization bodies: only the self-hosting bootstrap creates organizations."""

from __future__ import annotations

from weavz_flow.wire.base import Name, WireModel, WireRequest


class OrgCreate(WireRequest):
    name: Name


class Org(WireModel):
    id: str
    name: str
    created_at: str


class OrgEnvelope(WireModel):
    org: Org
