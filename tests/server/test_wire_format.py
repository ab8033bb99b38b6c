"""The Weavz wire format: error bodies for every failure path, 201/409/404, delete shapes and list envelopes."""

from __future__ import annotations

import httpx

from tests.server.accounts import Account, unique


def _error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    return body


def test_unknown_route_and_wrong_method_answer_json(api: httpx.Client) -> None:
    _error(api.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
    body = _error(api.put("/api/v1/workspaces"), 405, "METHOD_NOT_ALLOWED")
    assert "PUT" in str(body["error"])


def test_malformed_json_is_invalid_json(api: httpx.Client) -> None:
    response = api.post("/api/v1/workspaces", content=b'{"name": "x", ', headers={"content-type": "application/json"})
    _error(response, 400, "INVALID_JSON")


def test_request_validation_names_the_fields(api: httpx.Client) -> None:
    body = _error(api.post("/api/v1/workspaces", json={"name": "only a name"}), 400, "VALIDATION_ERROR")
    assert "slug" in str(body["error"])
    assert [f["field"] for f in body["details"]["fields"]] == ["slug"]  # type: ignore[index]


def test_invalid_slug_and_alias_are_400(api: httpx.Client) -> None:
    for slug in ["", "Upper", "has space", "bang!", "-leading"]:
        _error(api.post("/api/v1/workspaces", json={"name": "W", "slug": slug}), 400, "VALIDATION_ERROR")
    ws = api.post("/api/v1/workspaces", json={"name": "W", "slug": unique("w")}).json()["workspace"]
    for alias in ["Bad", "_lead", "a@b", "x" * 65]:
        response = api.post(f"/api/v1/workspaces/{ws['id']}/integrations",
                            json={"integrationName": "kv-store", "alias": alias})
        _error(response, 400, "VALIDATION_ERROR")


def test_workspace_crud_shapes(api: httpx.Client) -> None:
    slug = unique("crud")
    created = api.post("/api/v1/workspaces", json={"name": "CRUD", "slug": slug})
    assert created.status_code == 201
    ws = created.json()["workspace"]
    assert set(ws) == {"id", "orgId", "name", "slug", "createdAt", "updatedAt"}
    _error(api.post("/api/v1/workspaces", json={"name": "Again", "slug": slug}), 409, "DUPLICATE")
    renamed = api.patch(f"/api/v1/workspaces/{ws['id']}", json={"name": "Renamed"})
    assert renamed.status_code == 200 and renamed.json()["workspace"]["name"] == "Renamed"
    _error(api.patch(f"/api/v1/workspaces/{ws['id']}", json={}), 400, "NO_UPDATES")
    listed = api.get("/api/v1/workspaces").json()
    assert set(listed) == {"workspaces", "total"}
    assert any(w["id"] == ws["id"] for w in listed["workspaces"])
    assert api.delete(f"/api/v1/workspaces/{ws['id']}").json() == {"deleted": True, "id": ws["id"]}
    _error(api.delete(f"/api/v1/workspaces/{ws['id']}"), 404, "NOT_FOUND")


def test_aliases_connections_end_users_partials(api: httpx.Client) -> None:
    ws = api.post("/api/v1/workspaces", json={"name": "Objects", "slug": unique("obj")}).json()["workspace"]["id"]

    kv = api.post(f"/api/v1/workspaces/{ws}/integrations", json={"integrationName": "kv-store"})
    assert kv.status_code == 201
    alias = kv.json()["integration"]
    assert alias["alias"] == "kv-store" and isinstance(alias["connectionStrategy"], str)
    assert alias["settings"] == {} and alias["enabledActions"] is None
    _error(api.post(f"/api/v1/workspaces/{ws}/integrations", json={"integrationName": "kv-store"}),
           409, "ALIAS_CONFLICT")
    _error(api.post(f"/api/v1/workspaces/{ws}/integrations",
                    json={"integrationName": "slack", "alias": "slack_fixed", "connectionStrategy": "fixed"}),
           400, "VALIDATION_ERROR")

    external = unique("gh")
    conn = api.post("/api/v1/connections", json={
        "type": "BASIC_AUTH", "externalId": external, "displayName": "GH", "integrationName": "github",
        "username": "octo", "password": "hunter2-secret",
    })
    assert conn.status_code == 201, conn.text
    connection = conn.json()["connection"]
    assert "hunter2-secret" not in conn.text and "password" not in connection
    _error(api.post("/api/v1/connections", json={
        "type": "BASIC_AUTH", "externalId": external, "displayName": "GH", "integrationName": "github",
        "username": "octo", "password": "x",
    }), 409, "DUPLICATE")
    # The same externalId on another integration is fine (the key is integration + externalId).
    other = api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": external, "displayName": "Slack", "integrationName": "slack",
        "secretText": "xoxb-0000",
    })
    assert other.status_code == 201
    oauth = api.post("/api/v1/connections", json={
        "type": "OAUTH2", "externalId": unique("sheets"), "displayName": "Sheets",
        "integrationName": "google-sheets", "accessToken": "ya29.token", "refreshToken": "1//refresh",
        "tokenType": "Bearer", "expiresIn": 3600, "scope_oauth": "spreadsheets",
    })
    assert oauth.status_code == 201, oauth.text
    custom = api.post("/api/v1/connections", json={
        "type": "CUSTOM_AUTH", "externalId": unique("custom"), "displayName": "Custom",
        "integrationName": "http", "props": {"apiKey": "k-123456"},
    })
    assert custom.status_code in (201, 400), custom.text
    one = api.get("/api/v1/connections", params={"id": connection["id"]})
    assert one.json() == {"connection": connection}
    listed = api.get("/api/v1/connections").json()
    assert set(listed) == {"connections", "total"} and listed["total"] >= 3
    _error(api.get("/api/v1/connections", params={"id": "no-such-id"}), 404, "CONNECTION_NOT_FOUND")

    user = api.post("/api/v1/end-users", json={"workspaceId": ws, "externalId": "u1", "email": "u1@example.com"})
    assert user.status_code == 201
    end_user = user.json()["endUser"]
    _error(api.post("/api/v1/end-users", json={"workspaceId": ws, "externalId": "u1"}), 409, "DUPLICATE")
    got = api.get(f"/api/v1/end-users/{end_user['id']}").json()
    assert set(got) == {"endUser", "connections"} and got["connections"] == []
    patched = api.patch(f"/api/v1/end-users/{end_user['id']}", json={"displayName": "User One"}).json()
    assert patched["endUser"]["displayName"] == "User One"
    users = api.get("/api/v1/end-users", params={"workspaceId": ws}).json()
    assert users["total"] == 1 and users["endUsers"][0]["id"] == end_user["id"]

    partial = api.post("/api/v1/partials", json={
        "workspaceId": ws, "integrationName": "kv-store", "integrationAlias": "kv-store", "name": "defaults",
        "values": {"key": "fixed-key"}, "enforcedKeys": ["key"], "isDefault": False,
    })
    assert partial.status_code == 201, partial.text
    p = partial.json()["partial"]
    _error(api.post("/api/v1/partials", json={
        "workspaceId": ws, "integrationName": "kv-store", "integrationAlias": "kv-store", "name": "defaults",
        "values": {},
    }), 409, "DUPLICATE")
    assert api.post(f"/api/v1/partials/{p['id']}/set-default", json={"isDefault": True}).json()["partial"][
        "isDefault"] is True
    assert api.get(f"/api/v1/partials/{p['id']}").json()["partial"]["isDefault"] is True
    assert api.get("/api/v1/partials", params={"workspaceId": ws}).json()["total"] == 1

    assert api.delete(f"/api/v1/partials/{p['id']}").json() == {"deleted": True, "id": p["id"]}
    _error(api.get(f"/api/v1/partials/{p['id']}"), 404, "PARTIAL_NOT_FOUND")
    assert api.delete(f"/api/v1/end-users/{end_user['id']}").json() == {"deleted": True, "id": end_user["id"]}
    assert api.delete(f"/api/v1/connections/{connection['id']}").json() == {"deleted": True, "id": connection["id"]}
    assert api.delete(f"/api/v1/workspaces/{ws}/integrations/{alias['id']}").json() == {
        "deleted": True, "id": alias["id"]}


def test_execute_kv_store_round_trip_and_error_codes(api: httpx.Client) -> None:
    ws = api.post("/api/v1/workspaces", json={"name": "KV", "slug": unique("kv")}).json()["workspace"]["id"]
    api.post(f"/api/v1/workspaces/{ws}/integrations", json={
        "integrationName": "kv-store", "settings": {"persistence": {"scope": "workspace"}}})
    put = api.post("/api/v1/actions/execute", json={
        "integrationName": "kv-store", "actionName": "put", "input": {"key": "greeting", "value": "hello"},
        "workspaceId": ws})
    assert put.status_code == 200, put.text
    assert put.json()["success"] is True and isinstance(put.json()["duration"], int | float)
    got = api.post("/api/v1/actions/execute", json={
        "integrationName": "kv-store", "actionName": "get", "input": {"key": "greeting"}, "workspaceId": ws})
    assert got.status_code == 200 and "hello" in got.text
    _error(api.post("/api/v1/actions/execute", json={
        "integrationName": "kv-stor", "actionName": "get", "workspaceId": ws}), 404, "INTEGRATION_NOT_FOUND")
    _error(api.post("/api/v1/actions/execute", json={
        "integrationName": "kv-store", "actionName": "gett", "workspaceId": ws}), 404, "ACTION_NOT_FOUND")
    _error(api.post("/api/v1/actions/execute", json={
        "integrationName": "kv-store", "actionName": "put", "input": {}, "workspaceId": ws}), 400, "VALIDATION_ERROR")
    _error(api.post("/api/v1/actions/execute", json={"integrationName": "kv-store", "actionName": "get"}),
           400, "VALIDATION_ERROR")


def test_integration_catalog_is_public(account: Account) -> None:
    anonymous = httpx.get(f"{account.url}/api/v1/integrations", params={"summary": "true"}, timeout=60)
    assert anonymous.status_code == 200
    body = anonymous.json()
    assert set(body) == {"integrations", "total", "registered"}
    assert body["total"] == len(body["integrations"]) > 1000
    assert body["registered"] == []
    one = httpx.get(f"{account.url}/api/v1/integrations", params={"name": "slack"})
    assert one.json()["integration"]["name"] == "slack"
    assert one.json()["integrations"][0]["name"] == "slack"
    assert httpx.get(f"{account.url}/api/v1/integrations/kv-store").json()["integration"]["name"] == "kv-store"
    _error(httpx.get(f"{account.url}/api/v1/integrations", params={"name": "slak"}), 404, "INTEGRATION_NOT_FOUND")
    with account.client() as api:
        api.post("/api/v1/connections", json={"type": "SECRET_TEXT", "externalId": unique("r"),
                                              "displayName": "R", "integrationName": "slack", "secretText": "xoxb-1"})
        registered = api.get("/api/v1/integrations", params={"summary": "true"}).json()["registered"]
    assert registered == ["slack"]


def test_nul_characters_are_400_not_500(api: httpx.Client) -> None:
    _error(api.get("/api/v1/workspaces/%00"), 400, "VALIDATION_ERROR")
    _error(api.get("/api/v1/end-users", params={"workspaceId": "\x00"}), 400, "VALIDATION_ERROR")
    _error(api.post("/api/v1/workspaces", json={"name": "a\x00b", "slug": "nul"}), 400, "VALIDATION_ERROR")


def test_invalid_expiry_is_400(api: httpx.Client) -> None:
    _error(api.post("/api/v1/api-keys", json={"name": "k", "expiresAt": "not a date"}), 400, "VALIDATION_ERROR")
