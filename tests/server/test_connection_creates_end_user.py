"""``POST /api/v1/connections`` with an ``endUserId`` that names no end user yet creates it in the workspace (issue 15,
Build 4; weavz-api.md §1.6), in the connection's transaction: a refused connection leaves no end user behind."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, unique
from tests.stubs.slack import SlackStub


def _end_users(sdk: WeavzClient, ws: str) -> dict[str, dict[str, Any]]:
    return {u["externalId"]: u for u in sdk.end_users.list(ws)["endUsers"]}


def _slack(sdk: WeavzClient, ws: str, end_user: str, external_id: str | None = None, **extra: Any) -> Any:
    return sdk.connections.create(type="SECRET_TEXT", external_id=external_id or unique("slack"), display_name="S",
                                  integration_name="slack", workspace_id=ws, end_user_id=end_user,
                                  secret_text="xoxp-carol-5555", **extra)


def test_a_connection_creates_the_end_user_it_names(sdk: WeavzClient, api: httpx.Client,
                                                     any_token_slack: SlackStub) -> None:
    ws = sdk.workspaces.create(name="Auto users", slug=unique("auto"))["workspace"]["id"]
    made = _slack(sdk, ws, "carol")["connection"]
    assert made["endUserId"] == "carol" and "userId" not in made
    assert made["scope"] == "USER" and made["workspaceId"] == ws
    carol = _end_users(sdk, ws)["carol"]
    assert carol["workspaceId"] == ws and carol["connectionCount"] == 1
    got = sdk.end_users.get(carol["id"])
    assert [c["id"] for c in got["connections"]] == [made["id"]]

    # A second connection finds the same end user.
    again = _slack(sdk, ws, "carol")["connection"]
    assert again["endUserId"] == "carol"
    assert list(_end_users(sdk, ws)) == ["carol"] and _end_users(sdk, ws)["carol"]["connectionCount"] == 2

    # The end user is a real one: a per_user alias runs with its connection (here one that reaches the stub).
    own = api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("dora-slack"), "displayName": "Dora", "integrationName": "slack",
        "workspaceId": ws, "endUserId": "dora", "secretText": "xoxp-dora-6666", "baseUrl": any_token_slack.url})
    assert own.status_code == 201 and own.json()["connection"]["endUserId"] == "dora", own.text
    sdk.workspaces.add_integration(ws, integration_name="slack", connection_strategy="per_user")
    ran = sdk.actions.execute("slack", "send_channel_message", workspace_id=ws, end_user_id="dora",
                              input={"channel": "C0GENERAL", "text": "hi"})
    assert ran["success"] is True and any_token_slack.last.bearer == "xoxp-dora-6666"


def test_a_refused_connection_creates_no_end_user(sdk: WeavzClient, api: httpx.Client) -> None:
    ws = sdk.workspaces.create(name="No leftovers", slug=unique("left"))["workspace"]["id"]
    taken = unique("taken")
    _slack(sdk, ws, "erin", external_id=taken)

    # Refused inside the transaction, after the end user was created in it: a duplicate externalId.
    with pytest.raises(WeavzError) as duplicate:
        _slack(sdk, ws, "frank", external_id=taken)
    assert duplicate.value.status == 409
    # Refused before: a credential missing for the type, an unknown integration.
    for body in ({"type": "SECRET_TEXT", "integrationName": "slack"},
                 {"type": "SECRET_TEXT", "integrationName": "no-such-thing", "secretText": "s"}):
        refused = api.post("/api/v1/connections", json={**body, "externalId": unique("x"), "displayName": "X",
                                                        "workspaceId": ws, "endUserId": "frank"})
        assert refused.status_code in (400, 404), refused.text
    assert list(_end_users(sdk, ws)) == ["erin"]


def test_without_workspace_the_error_is_as_before(api: httpx.Client) -> None:
    refused = api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("x"), "displayName": "X", "integrationName": "slack",
        "endUserId": "gina", "secretText": "s"})
    assert refused.status_code == 400 and refused.json()["code"] == "VALIDATION_ERROR", refused.text
    assert "workspaceId is required with endUserId" in refused.json()["error"]


def test_a_scoped_key_creates_end_users_only_in_its_workspace(sdk: WeavzClient, api: httpx.Client,
                                                               account: Account) -> None:
    mine = sdk.workspaces.create(name="Mine", slug=unique("mine"))["workspace"]["id"]
    other = sdk.workspaces.create(name="Other", slug=unique("other"))["workspace"]["id"]
    key = api.post("/api/v1/api-keys", json={
        "name": "scoped", "permissions": {"scope": "workspace", "workspaceIds": [mine]}}).json()["plainKey"]
    with account.client(key) as scoped:
        body = {"type": "SECRET_TEXT", "displayName": "H", "integrationName": "slack", "endUserId": "hana",
                "secretText": "s"}
        denied = scoped.post("/api/v1/connections", json={**body, "externalId": unique("h"), "workspaceId": other})
        assert denied.status_code == 403 and denied.json()["code"] == "SCOPE_DENIED", denied.text
        allowed = scoped.post("/api/v1/connections", json={**body, "externalId": unique("h"), "workspaceId": mine})
        assert allowed.status_code == 201 and allowed.json()["connection"]["endUserId"] == "hana", allowed.text
    assert _end_users(sdk, other) == {} and list(_end_users(sdk, mine)) == ["hana"]
