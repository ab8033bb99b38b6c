"""Test-side views of the live server: the server itself and organizations bootstrapped on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from weavz_flow.engine.engine import Engine

SERVICE_KEY = "svc-test-0123456789abcdef"


@dataclass(frozen=True, slots=True)
class LiveServer:
    url: str
    engine: Engine
    service_key: str


@dataclass(frozen=True, slots=True)
class Account:
    """One organization on the live server and an org-wide API key for it."""

    url: str
    org_id: str
    api_key: str

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key or self.api_key}"}, timeout=30)


def bootstrap_account(server: LiveServer, name: str = "test-org") -> Account:
    """What an operator does on a fresh server: service key -> organization -> its first API key."""
    headers = {"X-Service-Key": server.service_key}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        org = http.post("/api/v1/orgs", json={"name": name}, headers=headers)
        assert org.status_code == 201, org.text
        org_id = org.json()["org"]["id"]
        key = http.post("/api/v1/api-keys", json={"name": "admin"}, headers={**headers, "X-Org-ID": org_id})
        assert key.status_code == 201, key.text
    return Account(url=server.url, org_id=org_id, api_key=key.json()["plainKey"])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def connection_at(account: Account, base_url: str, **body: Any) -> dict[str, Any]:
    """A connection whose provider host is ``base_url`` (a stub): ``baseUrl`` is not a Weavz field, so the SDK cannot
    send it, and an alias may not point a credential at another host (README "Security model"). SECRET_TEXT unless
    ``type`` says otherwise."""
    with account.client() as api:
        created = api.post("/api/v1/connections", json={"type": "SECRET_TEXT", **body, "baseUrl": base_url})
    assert created.status_code == 201, created.text
    return dict(created.json()["connection"])
