"""``X-Weavz-Flow-Redact``: the values a weavz-flow client names as secret never reach the server's records or its
answers; a malformed header is a 400 that runs nothing and never quotes it; the OpenAPI document lists it."""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest
import sqlalchemy as sa

from tests.server.accounts import LiveServer, unique
from tests.stubs.slack import SlackStub
from weavz_flow.engine import tables as t
from weavz_flow.wire.actions import (
    MAX_REDACT_HEADER_CHARS,
    MAX_REDACT_VALUES,
    REDACT_HEADER,
    RedactHeaderError,
    decode_redactions,
    encode_redactions,
)


def _slack_workspace(api: httpx.Client, stub: SlackStub) -> str:
    workspace = api.post("/api/v1/workspaces", json={"name": "Redact", "slug": unique("redact")}).json()["workspace"]
    conn = api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("bot"), "displayName": "bot", "integrationName": "slack",
        "secretText": "xoxb-redact-header-test", "workspaceId": workspace["id"], "baseUrl": stub.url})
    assert conn.status_code == 201, conn.text
    alias = api.post(f"/api/v1/workspaces/{workspace['id']}/integrations", json={
        "integrationName": "slack", "alias": "slack", "connectionStrategy": "fixed",
        "connectionId": conn.json()["connection"]["id"]})
    assert alias.status_code == 201, alias.text
    return workspace["id"]


def _execute(workspace_id: str, text: str) -> dict[str, object]:
    return {"integrationName": "slack", "actionName": "send_channel_message", "workspaceId": workspace_id,
            "input": {"channel": "C0GENERAL", "text": text}, "idempotencyKey": unique("key")}


def _stored(server: LiveServer, workspace_id: str) -> str:
    server.engine.executions.flush()
    with server.engine.store.read() as conn:
        rows = [*conn.execute(sa.select(t.executions).where(t.executions.c.workspace_id == workspace_id)).all(),
                *conn.execute(sa.select(t.idempotency_records)).all()]
    return "\n".join(repr(tuple(r)) for r in rows)


def test_named_values_reach_the_provider_but_not_the_record_nor_the_answer(
        api: httpx.Client, live_server: LiveServer, any_token_slack: SlackStub) -> None:
    workspace_id = _slack_workspace(api, any_token_slack)
    secret = f"flowsecret-{uuid.uuid4().hex}"
    answer = api.post("/api/v1/actions/execute", json=_execute(workspace_id, f"token {secret} {secret.upper()}"),
                      headers={REDACT_HEADER: encode_redactions([secret]) or ""})
    assert answer.status_code == 200, answer.text
    assert any_token_slack.last.params()["text"] == f"token {secret} {secret.upper()}"  # the call itself is intact
    stored = _stored(live_server, workspace_id)
    assert "token [REDACTED] [REDACTED]" in stored
    for text in (answer.text, stored):
        assert secret.lower() not in text.lower()


def test_without_the_header_nothing_is_redacted_that_the_server_does_not_know(
        api: httpx.Client, live_server: LiveServer, any_token_slack: SlackStub) -> None:
    # The header is what tells the server; hosted Weavz ignores it, and a caller that sends none changes nothing.
    workspace_id = _slack_workspace(api, any_token_slack)
    answer = api.post("/api/v1/actions/execute", json=_execute(workspace_id, "plain words"))
    assert answer.status_code == 200, answer.text
    assert "plain words" in _stored(live_server, workspace_id)


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("header", [
    "not base64 !!",
    _b64({"not": "a list"}),
    _b64(["fine", 3]),
    _b64([f"value-{i:04d}" for i in range(MAX_REDACT_VALUES + 1)]),
    "A" * 12289,
], ids=["not-base64", "not-a-list", "not-strings", "too-many", "too-long"])
def test_a_malformed_header_is_a_400_that_runs_nothing_and_quotes_nothing(
        api: httpx.Client, any_token_slack: SlackStub, header: str) -> None:
    workspace_id = _slack_workspace(api, any_token_slack)
    before = len(any_token_slack.requests)
    answer = api.post("/api/v1/actions/execute", json=_execute(workspace_id, "hi"), headers={REDACT_HEADER: header})
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["code"] == "VALIDATION_ERROR" and REDACT_HEADER in body["error"]
    assert header[:40] not in answer.text
    assert len(any_token_slack.requests) == before


def test_the_openapi_document_lists_the_header_as_optional(api: httpx.Client) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/api/v1/actions/execute"]["post"]
    [param] = [p for p in operation.get("parameters", []) if p["name"] == REDACT_HEADER]
    assert param["in"] == "header" and not param.get("required", False)


def test_the_client_encoding_round_trips_and_refuses_what_the_server_would() -> None:
    values = ["tok-ünïcode-✓", 'quote " and \\ backslash', "tok-ünïcode-✓"]
    assert decode_redactions(encode_redactions(values)) == tuple(sorted(set(values)))
    assert encode_redactions(["", ""]) is None  # nothing to send: no header
    with pytest.raises(RedactHeaderError):
        encode_redactions([f"value-{i:04d}" for i in range(MAX_REDACT_VALUES + 1)])
    with pytest.raises(RedactHeaderError):
        encode_redactions(["x" * MAX_REDACT_HEADER_CHARS])
