"""Enforced keys hold against every REST caller: ``partialIds: []`` or a list without it does not drop a default
partial that enforces keys, and a partial the caller names cannot unlock its value. The Slack stub shows the channel
each call reached; the execution record says which partials applied and why."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.accounts import Account, LiveServer, unique
from tests.stubs.slack import SlackStub
from weavz_flow.engine.applied_partial import PartialReason
from weavz_flow.engine.caller import Caller
from weavz_flow.redact import REDACTED

LOCKED = "C0ALERTS"


def _workspace(api: httpx.Client, slack: SlackStub) -> tuple[str, dict[str, str]]:
    ws = api.post("/api/v1/workspaces", json={"name": "Locked", "slug": unique("locked")}).json()["workspace"]["id"]
    conn = api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("bot"), "displayName": "Bot", "integrationName": "slack",
        "workspaceId": ws, "secretText": "xoxb-locked-bot-0000", "baseUrl": slack.url}).json()["connection"]
    made = api.post(f"/api/v1/workspaces/{ws}/integrations", json={
        "integrationName": "slack", "alias": "slack_bot", "connectionStrategy": "fixed", "connectionId": conn["id"]})
    assert made.status_code == 201, made.text
    ids = {}
    for name, values, enforced, default in [
        ("alerts", {"channel": LOCKED}, ["channel"], True),
        ("elsewhere", {"channel": "C0GENERAL", "text": "from elsewhere"}, ["channel", "text"], False),
        ("prefill", {"text": "pre-filled"}, [], False),
    ]:
        created = api.post("/api/v1/partials", json={
            "workspaceId": ws, "integrationName": "slack", "integrationAlias": "slack_bot", "name": name,
            "actionName": "send_channel_message", "values": values, "enforcedKeys": enforced, "isDefault": default})
        assert created.status_code == 201, created.text
        ids[name] = created.json()["partial"]["id"]
    return ws, ids


def _send(api: httpx.Client, ws: str, partial_ids: Any, text: str) -> None:
    body: dict[str, Any] = {"integrationName": "slack", "actionName": "send_channel_message", "workspaceId": ws,
                            "integrationAlias": "slack_bot", "input": {"channel": "C0GENERAL", "text": text}}
    if partial_ids is not ...:
        body["partialIds"] = partial_ids
    done = api.post("/api/v1/actions/execute", json=body)
    assert done.status_code == 200, done.text


def _posts(slack: SlackStub) -> list[dict[str, Any]]:
    return [r.params() for r in slack.requests if r.path.endswith("chat.postMessage")]


def test_rest_partial_ids_cannot_drop_an_enforcing_default(
    api: httpx.Client, account: Account, live_server: LiveServer, any_token_slack: SlackStub,
) -> None:
    ws, ids = _workspace(api, any_token_slack)
    _send(api, ws, [], "empty list")
    _send(api, ws, [ids["prefill"]], "a list without it")
    _send(api, ws, ["elsewhere"], "a partial enforcing another channel")
    _send(api, ws, [ids["elsewhere"], ids["alerts"]], "both, the enforcing default named")
    _send(api, ws, ..., "no partialIds")
    posts = _posts(any_token_slack)
    assert [p["channel"] for p in posts] == [LOCKED] * 5
    # The caller's own text stands (not enforced), except where the partial it named enforces text.
    assert [p["text"] for p in posts] == ["empty list", "a list without it", "from elsewhere", "from elsewhere",
                                          "no partialIds"]

    records = live_server.engine.executions.list_page(Caller.system(account.org_id), workspace_id=ws).items
    why = [[(p.name, p.reason) for p in r.applied_partials or []] for r in reversed(records)]
    assert why == [
        [("alerts", PartialReason.DEFAULT_ENFORCED)],
        [("alerts", PartialReason.DEFAULT_ENFORCED), ("prefill", PartialReason.REQUESTED)],
        [("alerts", PartialReason.DEFAULT_ENFORCED), ("elsewhere", PartialReason.REQUESTED)],
        [("alerts", PartialReason.REQUESTED), ("elsewhere", PartialReason.REQUESTED)],
        [("alerts", PartialReason.DEFAULT)],
    ]
    # The record masks enforced values, whichever partial enforced them.
    assert all(r.enforced_keys[0] == "channel" and (r.input or {})["channel"] == REDACTED for r in records)
