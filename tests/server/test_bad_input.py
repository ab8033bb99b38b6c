"""Bad input gets a clear 4xx in the Weavz error body and leaves the store as it was (issue 12, items 8, 9, 10, 15)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from tests.server.accounts import SERVICE_KEY, Account, LiveServer, bootstrap_account, unique
from tests.server.live_server import serve_in_thread
from tests.server.store_dump import dump_store
from tests.stubs.echo import EchoStub
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.inputs import EndUserCreate, WorkspaceCreate
from weavz_flow.errors import ApiError, WeavzFlowError
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import ServerSettings
from weavz_flow.size_limits import KIB, SizeLimits

LONE = "x\ud800y"


def _send(api: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    # json.dumps escapes a lone surrogate as \ud800: valid JSON syntax that decodes to text no store can keep.
    return api.request(method, path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["error"], str)
    return body


@pytest.fixture
def workspace(api: httpx.Client) -> dict[str, Any]:
    response = api.post("/api/v1/workspaces", json={"name": "Bad input", "slug": unique("bad")})
    assert response.status_code == 201, response.text
    return response.json()["workspace"]


@pytest.fixture
def kv_alias(api: httpx.Client, workspace: dict[str, Any]) -> str:
    response = api.post(f"/api/v1/workspaces/{workspace['id']}/integrations",
                        json={"integrationName": "kv-store", "alias": "kv"})
    assert response.status_code == 201, response.text
    return "kv"


def _bodies(ws: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body, the field the error must name) with a lone surrogate in one string each."""
    return [
        ("POST", "/api/v1/workspaces", {"name": LONE, "slug": "s"}, "name"),
        ("PATCH", f"/api/v1/workspaces/{ws}", {"name": LONE}, "name"),
        ("POST", "/api/v1/end-users", {"workspaceId": ws, "externalId": LONE}, "externalId"),
        ("POST", "/api/v1/end-users", {"workspaceId": ws, "externalId": "u", "displayName": LONE}, "displayName"),
        ("POST", "/api/v1/end-users", {"workspaceId": ws, "externalId": "u", "metadata": {"k": LONE}}, "metadata.k"),
        ("POST", "/api/v1/end-users", {"workspaceId": ws, "externalId": "u", "metadata": {LONE: 1}},
         "metadata.x\\ud800y"),
        ("POST", "/api/v1/connections", {"type": "SECRET_TEXT", "externalId": "c", "displayName": "C",
                                         "integrationName": "slack", "secretText": LONE}, "secretText"),
        ("POST", f"/api/v1/workspaces/{ws}/integrations", {"integrationName": "kv-store", "alias": "kv2",
                                                          "settings": {"note": [LONE]}}, "settings.note.0"),
        ("POST", "/api/v1/partials", {"workspaceId": ws, "integrationName": "kv-store", "name": "p",
                                      "values": {"key": LONE}}, "values.key"),
        ("POST", "/api/v1/actions/execute", {"workspaceId": ws, "integrationName": "kv-store", "actionName": "put",
                                             "input": {"key": "k", "value": LONE}}, "input.value"),
        ("POST", "/api/v1/actions/execute", {"workspaceId": ws, "integrationName": "kv-store",
                                             "actionName": "add_to_list", "input": {"key": LONE, "value": 1}},
         "input.key"),
        ("POST", "/api/v1/api-keys", {"name": LONE}, "name"),
        ("POST", "/api/v1/orgs", {"name": LONE}, "name"),
    ]


@pytest.mark.parametrize("case", range(13))
def test_lone_surrogates_are_a_400_naming_the_field_and_write_nothing(
    case: int, live_server: LiveServer, api: httpx.Client, workspace: dict[str, Any], kv_alias: str
) -> None:
    method, path, body, field = _bodies(workspace["id"])[case]
    before = dump_store(live_server.engine)
    headers = {"X-Service-Key": SERVICE_KEY} if path == "/api/v1/orgs" else {}
    response = api.request(method, path, content=json.dumps(body),
                           headers={"Content-Type": "application/json", **headers})
    error = _error(response, 400, "VALIDATION_ERROR")
    assert [f["field"] for f in error["details"]["fields"]] == [field]
    assert dump_store(live_server.engine) == before


def test_utf8_encoded_surrogates_and_nul_are_refused_too(
    live_server: LiveServer, api: httpx.Client, workspace: dict[str, Any]
) -> None:
    before = dump_store(live_server.engine)
    raw = b'{"workspaceId": "%s", "externalId": "a\xed\xa0\x80b"}' % workspace["id"].encode()
    error = _error(api.post("/api/v1/end-users", content=raw, headers={"Content-Type": "application/json"}),
                   400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0]["field"] == "externalId"
    nul = {"workspaceId": workspace["id"], "externalId": "u", "metadata": {"deep": [{"k": "a\x00b"}]}}
    error = _error(_send(api, "POST", "/api/v1/end-users", nul), 400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0]["field"] == "metadata.deep.0.k"
    _error(api.get("/api/v1/end-users", params={"workspaceId": "\x00"}), 400, "VALIDATION_ERROR")
    assert dump_store(live_server.engine) == before


def test_deep_nesting_and_unstorable_numbers_are_4xx(
    live_server: LiveServer, api: httpx.Client, workspace: dict[str, Any], kv_alias: str
) -> None:
    before = dump_store(live_server.engine)
    for depth in (100, 500, 1000, 5000):
        nested = "[" * depth + "]" * depth
        text = (f'{{"workspaceId": "{workspace["id"]}", "integrationName": "kv-store", "actionName": "put", '
                f'"input": {{"key": "k", "value": {nested}}}}}')
        response = api.post("/api/v1/actions/execute", content=text, headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (depth, response.text)
    for number in ("1e999", "-1e400", "NaN", "Infinity"):
        text = f'{{"workspaceId": "{workspace["id"]}", "externalId": "n", "metadata": {{"k": {number}}}}}'
        response = api.post("/api/v1/end-users", content=text, headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (number, response.text)
    assert dump_store(live_server.engine) == before


@pytest.mark.parametrize("path", ["/api/v1/workspaces", "/api/v1/connections", "/api/v1/end-users"])
@pytest.mark.parametrize("offset", [2**63, 2**31])
def test_page_offset_beyond_the_bound_is_a_400(
    api: httpx.Client, workspace: dict[str, Any], path: str, offset: int
) -> None:
    error = _error(api.get(path, params={"offset": offset, "workspaceId": workspace["id"]}), 400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0]["field"] == "offset"
    assert api.get(path, params={"offset": 2**31 - 1, "workspaceId": workspace["id"]}).status_code == 200


def test_method_not_allowed_lists_every_method_of_the_path(api: httpx.Client, workspace: dict[str, Any]) -> None:
    response = api.put(f"/api/v1/workspaces/{workspace['id']}")
    _error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "PATCH", "DELETE"}
    response = api.put("/api/v1/partials/some-id")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "PATCH", "DELETE"}


def test_a_row_broken_by_an_older_version_can_still_be_listed_fixed_and_deleted(
    live_server: LiveServer, api: httpx.Client, workspace: dict[str, Any]
) -> None:
    if live_server.engine.store.dialect != "sqlite":
        pytest.skip("PostgreSQL JSONB never stored a lone surrogate")
    created = api.post("/api/v1/end-users", json={"workspaceId": workspace["id"], "externalId": "old"})
    end_user = created.json()["endUser"]
    with live_server.engine.store.write() as conn:  # what an older version wrote: "\ud800" in the JSON text
        conn.execute(sa.update(t.end_users).where(t.end_users.c.id == end_user["id"])
                     .values(metadata={"note": LONE, LONE: True}))
    listed = api.get("/api/v1/end-users", params={"workspaceId": workspace["id"]})
    assert listed.status_code == 200, listed.text
    assert listed.json()["endUsers"][0]["metadata"] == {"note": "x\ufffdy", "x\ufffdy": True}
    fixed = api.patch(f"/api/v1/end-users/{end_user['id']}", json={"metadata": {"note": "ok"}})
    assert fixed.status_code == 200, fixed.text
    assert api.delete(f"/api/v1/end-users/{end_user['id']}").status_code == 200


def test_a_provider_answer_with_a_lone_surrogate_is_answered_not_a_500(
    live_server: LiveServer, api: httpx.Client, workspace: dict[str, Any], echo_stub: EchoStub
) -> None:
    made = api.post(f"/api/v1/workspaces/{workspace['id']}/integrations", json={"integrationName": "http"})
    assert made.status_code == 201, made.text
    response = api.post("/api/v1/actions/execute", json={
        "workspaceId": workspace["id"], "integrationName": "http", "actionName": "send_request",
        "input": {"method": "GET", "url": f"{echo_stub.url}/surrogate", "headers": {}, "queryParams": {},
                  "authType": "NONE"}})
    assert response.status_code == 200, response.text
    assert response.json()["output"]["body"] == {"text": "a\ufffdb"}


# -- size limits --------------------------------------------------------------------------------------------------

SMALL = SizeLimits.of(request_body_bytes=256 * KIB, kv_value_bytes=4 * KIB, file_bytes=8 * KIB,
                      metadata_bytes=2 * KIB, secret_bytes=2 * KIB)


@pytest.fixture(scope="module")
def small_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engine = Engine.open(database_url, key_file=tmp_path_factory.mktemp("small") / "secret.key", size_limits=SMALL)
    try:
        app = create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))
        with serve_in_thread(app) as url:
            yield LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
    finally:
        engine.close()


@pytest.fixture
def small(small_server: LiveServer) -> Iterator[tuple[LiveServer, httpx.Client, str]]:
    account = bootstrap_account(small_server)
    with account.client() as client:
        ws = client.post("/api/v1/workspaces", json={"name": "Small", "slug": unique("small")}).json()["workspace"]
        for integration in ("kv-store", "storage"):
            made = client.post(f"/api/v1/workspaces/{ws['id']}/integrations", json={"integrationName": integration})
            assert made.status_code == 201, made.text
        yield small_server, client, ws["id"]


def test_a_body_over_the_limit_is_413_whether_or_not_it_declares_its_length(
    small: tuple[LiveServer, httpx.Client, str],
) -> None:
    server, client, _ = small
    before = dump_store(server.engine)
    big = b'{"name": "' + b"a" * (SMALL.request_body_bytes + 1) + b'", "slug": "big"}'
    error = _error(client.post("/api/v1/workspaces", content=big, headers={"Content-Type": "application/json"}),
                   413, "PAYLOAD_TOO_LARGE")
    assert error["details"]["limit"] == SMALL.request_body_bytes

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        yield b'{"name": "'
        for _ in range(64):
            yield b"a" * (16 * KIB)
        yield b'", "slug": "big"}'

    with httpx.Client(base_url=server.url, headers=dict(client.headers), timeout=30) as fresh:
        _error(fresh.post("/api/v1/workspaces", content=chunks(), headers={"Content-Type": "application/json"}),
               413, "PAYLOAD_TOO_LARGE")
    assert dump_store(server.engine) == before


def _execute(client: httpx.Client, ws: str, integration: str, action: str, data: dict[str, Any]) -> httpx.Response:
    return client.post("/api/v1/actions/execute", json={"workspaceId": ws, "integrationName": integration,
                                                        "actionName": action, "input": data})


@pytest.mark.parametrize(("integration", "action", "data", "field"), [
    ("kv-store", "put", {"key": "k", "value": "v" * (4 * KIB)}, "value"),
    ("kv-store", "put", {"key": "k" * 401, "value": 1}, "key"),
    ("kv-store", "add_to_list", {"key": "list", "value": "v" * (4 * KIB)}, "value"),
    ("storage", "write_file", {"path": "f.txt", "content": "c" * (8 * KIB + 1)}, "content"),
    ("storage", "write_file", {"path": "p" * 1001, "content": "c"}, "path"),
    ("storage", "write_file", {"path": "p", "content": "c", "contentType": "t" * 201}, "contentType"),
])
def test_stored_values_over_their_limit_are_refused(
    small: tuple[LiveServer, httpx.Client, str], integration: str, action: str, data: dict[str, Any], field: str
) -> None:
    server, client, ws = small
    before = dump_store(server.engine, skip_tables=frozenset({"executions"}))
    error = _error(_execute(client, ws, integration, action, data), 400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0]["field"] == field
    assert dump_store(server.engine, skip_tables=frozenset({"executions"})) == before


def test_a_list_that_would_grow_past_the_kv_limit_is_refused(small: tuple[LiveServer, httpx.Client, str]) -> None:
    _, client, ws = small
    for _ in range(3):
        assert _execute(client, ws, "kv-store", "add_to_list", {"key": "l", "value": "v" * KIB}).status_code == 200
    _error(_execute(client, ws, "kv-store", "add_to_list", {"key": "l", "value": "v" * KIB}), 400, "VALIDATION_ERROR")
    got = _execute(client, ws, "kv-store", "get", {"key": "l"})
    assert len(got.json()["output"]["value"]) == 3


def test_metadata_and_secrets_over_their_limit_are_refused(small: tuple[LiveServer, httpx.Client, str]) -> None:
    server, client, ws = small
    before = dump_store(server.engine)
    meta = client.post("/api/v1/end-users", json={"workspaceId": ws, "externalId": "m",
                                                  "metadata": {"k": "m" * (2 * KIB)}})
    assert _error(meta, 400, "VALIDATION_ERROR")["details"]["fields"][0]["field"] == "metadata"
    secret = client.post("/api/v1/connections", json={"type": "SECRET_TEXT", "externalId": "s", "displayName": "S",
                                                      "integrationName": "slack", "secretText": "s" * (2 * KIB)})
    error = _error(secret, 400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0]["field"] == "credential"
    assert "s" * 100 not in secret.text  # the refusal never echoes the secret
    assert dump_store(server.engine) == before


def test_size_limits_come_from_the_environment() -> None:
    limits = SizeLimits.from_env({"WEAVZ_FLOW_LIMIT_KV_VALUE_BYTES": "4194304", "WEAVZ_FLOW_LIMIT_JSON_DEPTH": "10"})
    assert (limits.kv_value_bytes, limits.json_depth) == (4 * 1024 * KIB, 10)
    assert limits.request_body_bytes == SizeLimits().request_body_bytes
    with pytest.raises(WeavzFlowError, match="WEAVZ_FLOW_LIMIT_FILE_BYTES"):
        SizeLimits.from_env({"WEAVZ_FLOW_LIMIT_FILE_BYTES": "ten"})
    with pytest.raises(WeavzFlowError, match="at least 1"):
        SizeLimits.from_env({"WEAVZ_FLOW_LIMIT_FILE_BYTES": "0"})


# -- no 5xx leaves a write behind ---------------------------------------------------------------------------------


def _failing_after_a_write(engine: Engine, fail: Callable[[], Any]) -> FastAPI:
    """The real app plus one route that writes through a real service and then fails the way a bug would."""
    app = create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))

    def write_then_fail(org_id: str, slug: str) -> Any:
        engine.workspaces.create(Caller(org_id=org_id), WorkspaceCreate(name="Half done", slug=slug))
        return fail()

    app.add_api_route("/test/write-then-fail/{org_id}/{slug}", write_then_fail, methods=["POST"])
    return app


def _raise() -> Any:
    raise RuntimeError("a bug after the write")


def _unencodable() -> Any:
    return {"text": LONE}  # the response cannot be encoded as UTF-8 JSON


@pytest.mark.parametrize("fail", [_raise, _unencodable], ids=["exception", "unencodable-response"])
def test_a_server_error_after_a_write_leaves_nothing_written(
    database_url: str, tmp_path: Path, fail: Callable[[], Any]
) -> None:
    engine = Engine.open(database_url, key_file=tmp_path / "secret.key")
    try:
        with serve_in_thread(_failing_after_a_write(engine, fail)) as url:
            account: Account = bootstrap_account(LiveServer(url=url, engine=engine, service_key=SERVICE_KEY))
            before = dump_store(engine)
            with httpx.Client(base_url=url, timeout=30) as http:
                response = http.post(f"/test/write-then-fail/{account.org_id}/{unique('half')}")
            _error(response, 500, "INTERNAL_ERROR")
            assert dump_store(engine) == before
            # The same write in a request that succeeds does commit.
            with account.client() as api:
                made = api.post("/api/v1/workspaces", json={"name": "Whole", "slug": unique("whole")})
            assert made.status_code == 201
            assert dump_store(engine) != before
    finally:
        engine.close()


# -- the OpenAPI document says what the server accepts ------------------------------------------------------------


def test_openapi_describes_the_bounds_the_server_enforces(api: httpx.Client, workspace: dict[str, Any]) -> None:
    doc = api.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    name = schemas["WorkspaceCreate"]["properties"]["name"]
    assert name["minLength"] == 1 and name["maxLength"] == 200 and "\\x00" in name["pattern"]
    assert "\\x00" in schemas["EndUserCreate"]["properties"]["workspaceId"]["pattern"]
    sort_order = schemas["WorkspaceIntegrationCreate"]["properties"]["sortOrder"]["anyOf"][0]
    assert sort_order["maximum"] == 2**31 - 1
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/end-users"]["get"]["parameters"]}
    assert params["offset"]["anyOf"][0]["maximum"] == 2**31 - 1 and params["limit"]["anyOf"][0]["maximum"] == 1000
    assert doc["info"]["x-weavz-size-limits"]["request_body_bytes"] == 10 * 1024 * 1024
    # ... and the server refuses what the document excludes, as a 400 naming the field.
    for body, field in (({"name": "", "slug": "e"}, "name"), ({"name": "   ", "slug": "e"}, "name"),
                        ({"name": "n" * 201, "slug": "e"}, "name"), ({"name": "ok", "slug": "Not A Slug"}, "slug")):
        error = _error(api.post("/api/v1/workspaces", json=body), 400, "VALIDATION_ERROR")
        assert error["details"]["fields"][0]["field"] == field, error
    too_big = {"integrationName": "kv-store", "alias": "big-order", "sortOrder": 2**31}
    _error(api.post(f"/api/v1/workspaces/{workspace['id']}/integrations", json=too_big), 400, "VALIDATION_ERROR")


def test_a_value_too_long_for_its_column_is_a_400_from_the_engine_too(
    live_server: LiveServer, account: Account, workspace: dict[str, Any]
) -> None:
    if live_server.engine.store.dialect != "postgresql":
        pytest.skip("SQLite keeps a string of any length in a VARCHAR column")
    before = dump_store(live_server.engine)
    caller = Caller(org_id=account.org_id)
    with pytest.raises(ApiError) as refused:  # past the wire models: what a local caller could send
        live_server.engine.end_users.create(caller, EndUserCreate(workspace_id=workspace["id"], external_id="long",
                                                                  display_name="d" * 300))
    assert refused.value.code == "VALIDATION_ERROR" and refused.value.status == 400
    assert dump_store(live_server.engine) == before
