"""Hostile JSON to every write endpoint of a live server: never a 5xx, and a 4xx leaves the store as it was.

The write operations come from the server's own OpenAPI document, so a new endpoint is fuzzed without touching this
file. Each example takes a plausible body for the operation (required fields filled from its schema, ids of real
objects where the names say so) and puts one hostile value at one place: a lone surrogate, a NUL, nesting 1,000 levels
deep, a number no store can keep, an oversized string, in a value or as a key. "The store as it was" is a dump of every
table's rows through SQLAlchemy before and after (tests/server/store_dump.py); an execute that fails as an action
keeps its execution record, which is the one row a 4xx may add. Bounded for CI; ``WEAVZ_FLOW_FUZZ_EXAMPLES`` runs
more examples per operation.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.accounts import Account, LiveServer, unique
from tests.server.store_dump import dump_store

EXAMPLES_ENV = "WEAVZ_FLOW_FUZZ_EXAMPLES"
EXAMPLES_PER_OPERATION = int(os.environ.get(EXAMPLES_ENV, "6"))
WRITE_METHODS = ("post", "put", "patch", "delete")
MARK = "__hostile__"  # where the hostile fragment goes in the serialized body

# Fragments of JSON text, spliced in raw: what json.dumps would never write (or would refuse to).
RAW_FRAGMENTS = st.sampled_from([
    "[" * 1000 + "]" * 1000,
    '{"a":' * 1000 + "1" + "}" * 1000,
    "1e999", "-1e400", "NaN", "Infinity", "9" * 5000, str(2**64), str(-(2**63) - 1), "1" + "0" * 400,
])
# Strings that json.dumps escapes (\ud800, \u0000) into valid JSON syntax the decoder turns back into bad text.
BAD_TEXT = st.one_of(
    st.sampled_from(["\ud800", "a\udfffb", "\udc00\ud800", "\x00", "a\x00", "\ud83d"]),
    st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=4),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=3), st.text(max_size=3)),
)
OVERSIZED = st.sampled_from([300, 70 * 1024, 1100 * 1024]).map(lambda n: "o" * n)


@dataclass(frozen=True)
class Hostile:
    raw: str | None  # a JSON text fragment, or
    value: Any  # a value json.dumps will serialize
    as_key: bool  # put it in as a key of an object instead of a value


HOSTILE = st.one_of(
    RAW_FRAGMENTS.map(lambda raw: Hostile(raw, None, False)),
    st.builds(Hostile, st.none(), BAD_TEXT, st.booleans()),
    st.builds(Hostile, st.none(), OVERSIZED, st.booleans()),
    st.builds(Hostile, st.none(), st.sampled_from([2**63, -(2**63) - 1, 2**31, 10**30]), st.just(False)),
)


@dataclass(frozen=True)
class Fixtures:
    """Ids of real objects, for path parameters and fields that refer to them."""

    workspace_id: str
    alias_id: str
    end_user_id: str
    end_user_external_id: str
    connection_id: str
    partial_id: str
    mcp_server_id: str
    mcp_tool_id: str
    oauth_app_id: str


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in doc["paths"].items() for method, op in ops.items()
            if method in WRITE_METHODS]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:  # X | None: the X
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(doc, options[0]) if options else schema
    return schema


KNOWN = {
    "integrationName": "kv-store", "actionName": "put", "type": "SECRET_TEXT", "secretText": "s3cret",
    "input": {"key": "k", "value": 1}, "values": {"key": "k"},
}


def _plausible(name: str, schema: dict[str, Any], fx: Fixtures) -> Any:
    refs = {"workspaceId": fx.workspace_id, "workspaceIntegrationId": fx.alias_id,
            "endUserId": fx.end_user_external_id}
    if name in refs:
        return refs[name]
    if name in KNOWN:
        return KNOWN[name]
    if name in ("slug", "alias"):
        return unique("fz")
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return unique("fz")
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return {}


def _body(doc: dict[str, Any], op: dict[str, Any], fx: Fixtures) -> tuple[dict[str, Any], dict[str, Any]]:
    """A plausible body for the operation and its (resolved) property schemas."""
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return {}, {}
    schema = _resolve(doc, content["schema"])
    properties = {k: _resolve(doc, v) for k, v in schema.get("properties", {}).items()}
    body = {k: _plausible(k, properties[k], fx) for k in schema.get("required", [])}
    return body, properties


def _path(path: str, method: str, fx: Fixtures) -> str:
    ids = {"workspace_id": fx.workspace_id, "integration_id": fx.alias_id, "end_user_id": fx.end_user_id,
           "connection_id": fx.connection_id, "partial_id": fx.partial_id, "key_id": str(uuid.uuid4()),
           "server_id": fx.mcp_server_id, "tool_id": fx.mcp_tool_id, "token_id": str(uuid.uuid4()),
           "name": KNOWN["integrationName"],  # an integration that sends nothing beyond loopback
           "app_id": fx.oauth_app_id, "policy_id": str(uuid.uuid4()), "approval_id": str(uuid.uuid4()),
           "event_id": str(uuid.uuid4()), "trigger_source_id": str(uuid.uuid4()), "token": str(uuid.uuid4()),
           "path": unique("fz")}
    if method == "delete":  # delete nothing real: the fixtures must last the whole run
        ids = dict.fromkeys(ids, str(uuid.uuid4()))
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"a path parameter the fuzz test does not know: {path}"
    return path


def _place(body: dict[str, Any], properties: dict[str, Any], target: str, nested: bool, hostile: Hostile) -> str:
    """The serialized body with the hostile value at ``target`` (inside it, for an object field, if ``nested``)."""
    value: Any = MARK if hostile.raw is not None else hostile.value
    holder: dict[str, Any] = dict(body)
    if nested or hostile.as_key or target not in properties:
        inner = {value: 1} if hostile.as_key and isinstance(value, str) else {"x": value}
        holder[target] = inner if properties.get(target, {}).get("type") != "array" else [inner]
    else:
        holder[target] = value
    text = json.dumps(holder)  # ensure_ascii: lone surrogates and NUL go out as \ud800 and \u0000 escapes
    return text.replace(json.dumps(MARK), hostile.raw) if hostile.raw is not None else text


@pytest.fixture
def fixtures(api: httpx.Client) -> Fixtures:
    def made(response: httpx.Response, key: str) -> dict[str, Any]:
        assert response.status_code == 201, response.text
        return response.json()[key]

    ws = made(api.post("/api/v1/workspaces", json={"name": "Fuzz", "slug": unique("fuzz")}), "workspace")
    alias = made(api.post(f"/api/v1/workspaces/{ws['id']}/integrations", json={"integrationName": "kv-store"}),
                 "integration")
    end_user = made(api.post("/api/v1/end-users", json={"workspaceId": ws["id"], "externalId": unique("eu")}),
                    "endUser")
    connection = made(api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("c"), "displayName": "C", "integrationName": "slack",
        "secretText": "xoxb-fuzz"}), "connection")
    partial = made(api.post("/api/v1/partials", json={"workspaceId": ws["id"], "integrationName": "kv-store",
                                                      "name": unique("p"), "values": {"key": "k"}}), "partial")
    server = made(api.post("/api/v1/mcp/servers", json={"name": unique("mcp"), "workspaceId": ws["id"],
                                                         "authMode": "bearer"}), "server")
    tool = made(api.post(f"/api/v1/mcp/servers/{server['id']}/tools",
                         json={"integrationName": "kv-store", "actionName": "get"}), "tool")
    oauth_app = made(api.post("/api/v1/oauth-apps", json={"integrationName": "github", "clientId": "fuzz"}),
                     "oauthApp")
    return Fixtures(ws["id"], alias["id"], end_user["id"], end_user["externalId"], connection["id"], partial["id"],
                    server["id"], tool["id"], oauth_app["id"])


def test_hostile_json_to_every_write_endpoint(
    live_server: LiveServer, account: Account, api: httpx.Client, fixtures: Fixtures
) -> None:
    doc = api.get("/openapi.json").json()
    operations = _operations(doc)
    assert len(operations) >= 15
    api.get("/api/v1/workspaces")  # the key's last-use stamp is written now, not during the run

    for method, path, op in operations:
        _fuzz(live_server, api, doc, method, path, op, fixtures)


def _fuzz(live_server: LiveServer, api: httpx.Client, doc: dict[str, Any], method: str, path: str,
          op: dict[str, Any], fixtures: Fixtures) -> None:
    body, properties = _body(doc, op, fixtures)
    targets = sorted(properties) or ["x"]
    url = _path(path, method, fixtures)
    headers = {"Content-Type": "application/json"}
    if path == "/api/v1/orgs":
        headers["X-Service-Key"] = live_server.service_key

    @given(target=st.sampled_from(targets), nested=st.booleans(), hostile=HOSTILE)
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(target: str, nested: bool, hostile: Hostile) -> None:
        before = dump_store(live_server.engine)
        content = _place(body, properties, target, nested, hostile)
        response = api.request(method, url, content=content, headers=headers)
        assert response.status_code < 500, (method, url, content[:200], response.text)
        if response.status_code >= 400:
            error = response.json()
            assert isinstance(error["error"], str) and isinstance(error["code"], str), response.text
            after = dump_store(live_server.engine)
            if path == "/api/v1/actions/execute":  # a failed run keeps its record; nothing else may change
                earlier = before.pop("executions")
                new = [row for row in after.pop("executions") if row not in earlier]
                assert all("failed" in row for row in new), new
            assert after == before, (method, url, content[:200], response.text)

    check()
