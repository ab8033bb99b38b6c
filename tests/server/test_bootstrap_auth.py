"""Bootstrap with the service key, and the 401/403 rules of API keys."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from tests.server.accounts import Account, LiveServer, bootstrap_account, unique
from weavz_flow.engine import tables as t


def test_health_needs_no_auth(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


def test_service_key_creates_an_org_and_its_first_key(live_server: LiveServer) -> None:
    account = bootstrap_account(live_server, name="acme")
    assert account.api_key.startswith("wvz_")
    with account.client() as api:
        listed = api.get("/api/v1/api-keys")
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1
    assert body["apiKeys"][0]["orgId"] == account.org_id
    assert body["apiKeys"][0]["keyPrefix"] == account.api_key[:8]
    assert "plainKey" not in body["apiKeys"][0]


def test_wrong_service_key_is_401(live_server: LiveServer) -> None:
    response = httpx.post(f"{live_server.url}/api/v1/orgs", json={"name": "x"}, headers={"X-Service-Key": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_api_key_cannot_create_orgs(account: Account) -> None:
    with account.client() as api:
        response = api.post("/api/v1/orgs", json={"name": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_service_key_without_org_id_cannot_act_for_an_org(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/api/v1/workspaces", headers={"X-Service-Key": live_server.service_key})
    assert response.status_code == 401
    assert "X-Org-ID" in response.json()["error"]


def test_missing_wrong_and_deleted_keys_are_401(account: Account) -> None:
    assert httpx.get(f"{account.url}/api/v1/workspaces").status_code == 401
    with account.client("wvz_not-a-real-key") as wrong:
        response = wrong.get("/api/v1/workspaces")
    assert response.status_code == 401
    assert response.json() == {"error": response.json()["error"], "code": "UNAUTHORIZED"}
    with account.client() as api:
        created = api.post("/api/v1/api-keys", json={"name": "short-lived"})
        assert created.status_code == 201
        key = created.json()
        with account.client(key["plainKey"]) as second:
            assert second.get("/api/v1/workspaces").status_code == 200
        deleted = api.delete(f"/api/v1/api-keys/{key['apiKey']['id']}")
        assert deleted.json() == {"deleted": True, "id": key["apiKey"]["id"]}
        with account.client(key["plainKey"]) as second:
            assert second.get("/api/v1/workspaces").status_code == 401


def test_expired_key_is_401(account: Account, live_server: LiveServer) -> None:
    with account.client() as api:
        created = api.post("/api/v1/api-keys", json={"name": "old", "expiresAt": "2999-01-01T00:00:00Z"})
    assert created.status_code == 201
    with live_server.engine.store.write() as conn:  # time passes
        conn.execute(sa.update(t.api_keys).where(t.api_keys.c.id == created.json()["apiKey"]["id"])
                     .values(expires_at="2000-01-01T00:00:00.000000Z"))
    with account.client(created.json()["plainKey"]) as expired:
        assert expired.get("/api/v1/workspaces").status_code == 401


def test_a_key_that_would_be_born_expired_is_400_and_not_created(account: Account) -> None:
    with account.client() as api:
        before = api.get("/api/v1/api-keys").json()["total"]
        for past in ("2000-01-01T00:00:00Z", "2020-06-01T12:00:00+02:00"):
            refused = api.post("/api/v1/api-keys", json={"name": "old", "expiresAt": past})
            assert refused.status_code == 400, refused.text
            assert refused.json()["code"] == "VALIDATION_ERROR"
            assert refused.json()["details"]["fields"][0]["field"] == "expiresAt"
            assert "past" in refused.json()["error"]
        assert api.get("/api/v1/api-keys").json()["total"] == before


def test_an_org_key_with_workspace_ids_is_400_not_an_org_wide_key(account: Account) -> None:
    with account.client() as api:
        ws = api.post("/api/v1/workspaces", json={"name": "W", "slug": unique("w")}).json()["workspace"]["id"]
        before = api.get("/api/v1/api-keys").json()["total"]
        refused = api.post("/api/v1/api-keys", json={
            "name": "confused", "permissions": {"scope": "org", "workspaceIds": [ws]}})
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "VALIDATION_ERROR"
        assert refused.json()["details"]["fields"][0]["field"] == "permissions.workspaceIds"
        assert api.get("/api/v1/api-keys").json()["total"] == before
        assert api.post("/api/v1/api-keys", json={"name": "org", "permissions": {"scope": "org"}}).status_code == 201


def test_workspace_scoped_key_is_denied_outside_its_workspaces(account: Account) -> None:
    with account.client() as api:
        mine = api.post("/api/v1/workspaces", json={"name": "Mine", "slug": unique("mine")}).json()["workspace"]
        other = api.post("/api/v1/workspaces", json={"name": "Other", "slug": unique("other")}).json()["workspace"]
        scoped = api.post("/api/v1/api-keys", json={
            "name": "scoped", "permissions": {"scope": "workspace", "workspaceIds": [mine["id"]]},
        })
        assert scoped.status_code == 201, scoped.text
        assert scoped.json()["apiKey"]["permissions"] == {"scope": "workspace", "workspaceIds": [mine["id"]]}
    with account.client(scoped.json()["plainKey"]) as limited:
        assert limited.get(f"/api/v1/workspaces/{mine['id']}").status_code == 200
        denied = limited.get(f"/api/v1/workspaces/{other['id']}")
        assert denied.status_code == 403
        assert denied.json()["code"] == "SCOPE_DENIED"
        listed = limited.get("/api/v1/workspaces").json()
        assert [w["id"] for w in listed["workspaces"]] == [mine["id"]]
        # Organization administration needs an org-wide key.
        keys = limited.get("/api/v1/api-keys")
        assert keys.status_code == 403
        assert keys.json()["code"] == "SCOPE_DENIED"
        execute = limited.post("/api/v1/actions/execute", json={
            "integrationName": "kv-store", "actionName": "get", "input": {"key": "k"}, "workspaceId": other["id"],
        })
        assert execute.status_code == 403
        assert execute.json()["code"] == "SCOPE_DENIED"


def test_other_orgs_objects_are_invisible(live_server: LiveServer) -> None:
    first, second = bootstrap_account(live_server), bootstrap_account(live_server)
    with first.client() as api:
        ws = api.post("/api/v1/workspaces", json={"name": "First", "slug": unique("first")}).json()["workspace"]
    with second.client() as api:
        response = api.get(f"/api/v1/workspaces/{ws['id']}")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
