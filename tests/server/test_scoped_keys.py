"""What a workspace-scoped key may create and what it may learn (README "Security model").

A W1-only key creates connections W2 cannot see, and an object of W2 answers it exactly as an id that never existed:
same status, code, message shape, no workspace id. An explicit workspaceId outside its scope stays 403
SCOPE_DENIED, decided before any lookup, so it is the same answer for an existing and a nonexistent workspace.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.server.accounts import Account, unique


@dataclass
class Org:
    admin: httpx.Client
    w1: httpx.Client
    w2: httpx.Client
    ws1: str
    ws2: str


@pytest.fixture
def org(account: Account) -> Iterator[Org]:
    with account.client() as admin:
        ws1, ws2 = (admin.post("/api/v1/workspaces", json={"name": n, "slug": unique(n)}).json()["workspace"]["id"]
                    for n in ("w1", "w2"))
        keys = [admin.post("/api/v1/api-keys", json={
            "name": f"k{i}", "permissions": {"scope": "workspace", "workspaceIds": [ws]}}).json()["plainKey"]
            for i, ws in enumerate((ws1, ws2))]
        with account.client(keys[0]) as w1, account.client(keys[1]) as w2:
            yield Org(admin, w1, w2, ws1, ws2)


def _slack(api: httpx.Client, **body: Any) -> httpx.Response:
    return api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("slack"), "displayName": "Bot", "integrationName": "slack",
        "secretText": "xoxb-scoped-key-test-token-00", **body})


# -- item 2: what a scoped key may create ----------------------------------------------------------------------------

def test_a_scoped_key_creates_a_workspace_connection_that_other_workspaces_cannot_see(org: Org) -> None:
    created = _slack(org.w1, workspaceId=org.ws1)
    assert created.status_code == 201, created.text
    connection = created.json()["connection"]
    assert connection["scope"] == "WORKSPACE" and connection["workspaceId"] == org.ws1
    assert connection["id"] not in [c["id"] for c in org.w2.get("/api/v1/connections").json()["connections"]]
    assert org.w2.get("/api/v1/connections", params={"id": connection["id"]}).status_code == 404
    used = org.w2.post("/api/v1/connections/resolve", json={
        "integrationName": "slack", "workspaceId": org.ws2, "externalId": connection["externalId"]})
    assert used.status_code == 404 and used.json()["code"] == "CONNECTION_NOT_FOUND"
    pinned = org.w2.post(f"/api/v1/workspaces/{org.ws2}/integrations", json={
        "integrationName": "slack", "connectionStrategy": "fixed", "connectionId": connection["id"]})
    assert pinned.status_code == 404 and pinned.json()["code"] == "CONNECTION_NOT_FOUND"
    # W1 itself still sees and uses it.
    assert org.w1.get("/api/v1/connections", params={"id": connection["id"]}).status_code == 200


def test_a_scoped_key_cannot_create_an_organization_connection(org: Org) -> None:
    before = org.admin.get("/api/v1/connections").json()["total"]
    for body in ({"workspaceId": org.ws1, "scope": "ORGANIZATION"}, {}):
        refused = _slack(org.w1, **body)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "SCOPE_DENIED"
    assert org.admin.get("/api/v1/connections").json()["total"] == before
    # An org-wide key keeps the Weavz default.
    assert _slack(org.admin, workspaceId=org.ws1).json()["connection"]["scope"] == "ORGANIZATION"


def test_a_scoped_key_creates_user_connections_in_its_workspace(org: Org) -> None:
    assert org.w1.post("/api/v1/end-users", json={"workspaceId": org.ws1, "externalId": "alice"}).status_code == 201
    created = _slack(org.w1, workspaceId=org.ws1, endUserId="alice")
    assert created.status_code == 201, created.text
    assert created.json()["connection"]["scope"] == "USER"


# -- item 3: out of scope answers as nonexistent ---------------------------------------------------------------------

def _same_as_missing(response: httpx.Response, missing: httpx.Response, real_id: str, fake_id: str,
                     ws_other: str) -> None:
    assert response.status_code == missing.status_code == 404, (response.text, missing.text)
    assert response.text.replace(real_id, "ID") == missing.text.replace(fake_id, "ID")
    assert ws_other not in response.text


def test_objects_of_another_workspace_answer_as_nonexistent(org: Org) -> None:
    assert org.admin.post("/api/v1/end-users", json={"workspaceId": org.ws2, "externalId": "bob"}).status_code == 201
    end_user = org.admin.get("/api/v1/end-users", params={"workspaceId": org.ws2}).json()["endUsers"][0]["id"]
    alias = org.admin.post(f"/api/v1/workspaces/{org.ws2}/integrations", json={
        "integrationName": "slack", "connectionStrategy": "per_user"})
    assert alias.status_code == 201, alias.text
    partial = org.admin.post("/api/v1/partials", json={
        "workspaceId": org.ws2, "integrationName": "slack", "name": "p", "values": {"channel": "C0X"}})
    assert partial.status_code == 201, partial.text
    partial_id = partial.json()["partial"]["id"]
    connection = _slack(org.admin, workspaceId=org.ws2, scope="WORKSPACE").json()["connection"]["id"]
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("GET", "/api/v1/end-users/{}", end_user, None),
        ("PATCH", "/api/v1/end-users/{}", end_user, {"displayName": "x"}),
        ("DELETE", "/api/v1/end-users/{}", end_user, None),
        ("GET", "/api/v1/partials/{}", partial_id, None),
        ("PATCH", "/api/v1/partials/{}", partial_id, {"description": "x"}),
        ("POST", "/api/v1/partials/{}/set-default", partial_id, {"isDefault": True}),
        ("DELETE", "/api/v1/partials/{}", partial_id, None),
        ("GET", "/api/v1/connections?id={}", connection, None),
        ("DELETE", "/api/v1/connections/{}", connection, None),
    ]
    for method, path, real, body in calls:
        fake = str(uuid.uuid4())
        answer = org.w1.request(method, path.format(real), json=body)
        missing = org.w1.request(method, path.format(fake), json=body)
        _same_as_missing(answer, missing, real, fake, org.ws2)
    pin = {"integrationName": "slack", "alias": "pinned", "connectionStrategy": "fixed"}
    fake = str(uuid.uuid4())
    aliases = f"/api/v1/workspaces/{org.ws1}/integrations"
    _same_as_missing(org.w1.post(aliases, json={**pin, "connectionId": connection}),
                     org.w1.post(aliases, json={**pin, "connectionId": fake}), connection, fake, org.ws2)
    # Nothing was changed or deleted on the way.
    assert org.admin.get(f"/api/v1/end-users/{end_user}").json()["endUser"]["displayName"] is None
    assert org.admin.get(f"/api/v1/partials/{partial_id}").json()["partial"]["isDefault"] is False
    assert org.admin.get("/api/v1/connections", params={"id": connection}).status_code == 200


def test_an_explicit_workspace_out_of_scope_is_the_same_403_whether_it_exists_or_not(org: Org) -> None:
    fake = str(uuid.uuid4())
    for path in ("/api/v1/workspaces/{}", "/api/v1/workspaces/{}/integrations", "/api/v1/end-users?workspaceId={}"):
        real = org.w1.get(path.format(org.ws2))
        missing = org.w1.get(path.format(fake))
        assert real.status_code == missing.status_code == 403
        assert real.json()["code"] == "SCOPE_DENIED"
        assert real.text.replace(org.ws2, "ID") == missing.text.replace(fake, "ID")
