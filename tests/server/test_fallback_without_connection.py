"""``per_user_with_fallback`` without a ``connectionId`` (issue 15, Build 4): the live Weavz API accepts it on create
and PATCH, and it runs as ``per_user`` until a fallback is set. Through the official SDK against the live server,
with the Slack stub (accepting any token) showing which credential each call carried."""

from __future__ import annotations

from typing import Any

import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, connection_at, unique
from tests.stubs.slack import SlackStub

SHARED_TOKEN = "xoxb-fallback-shared-3333"
ALICE_TOKEN = "xoxp-fallback-alice-4444"


def _error(call: Any) -> WeavzError:
    with pytest.raises(WeavzError) as caught:
        call()
    return caught.value


def _post(sdk: WeavzClient, ws: str, end_user: str | None = None) -> Any:
    return sdk.actions.execute("slack", "send_channel_message", workspace_id=ws, end_user_id=end_user,
                               input={"channel": "C0GENERAL", "text": "hi"})


def test_fallback_without_connection_runs_as_per_user_until_one_is_set(
    sdk: WeavzClient, account: Account, any_token_slack: SlackStub,
) -> None:
    ws = sdk.workspaces.create(name="Fallback", slug=unique("fallback"))["workspace"]["id"]
    created = sdk.workspaces.add_integration(ws, integration_name="slack",
                                             connection_strategy="per_user_with_fallback")["integration"]
    assert created["connectionStrategy"] == "per_user_with_fallback" and created["connectionId"] is None

    sdk.end_users.create(workspace_id=ws, external_id="alice")
    sdk.end_users.create(workspace_id=ws, external_id="bob")
    connection_at(account, any_token_slack.url, externalId=unique("alice-slack"), displayName="Alice",
                   integrationName="slack", workspaceId=ws, endUserId="alice", secretText=ALICE_TOKEN)

    # Before a fallback: an end user's own connection runs, anyone else is told that no fallback is set.
    assert _post(sdk, ws, "alice")["success"] is True
    assert any_token_slack.last.bearer == ALICE_TOKEN
    for end_user in ("bob", None):
        refused = _error(lambda u=end_user: _post(sdk, ws, u))
        assert refused.status == 400 and refused.code == "CONNECTION_REQUIRED", refused
        assert "no fallback connection is set" in str(refused)
    assert "end user 'bob' has no connection" in str(_error(lambda: _post(sdk, ws, "bob")))
    resolved = _error(lambda: sdk.connections.resolve(integration_name="slack", workspace_id=ws, end_user_id="bob"))
    assert resolved.code == "CONNECTION_REQUIRED"
    calls = len(any_token_slack.requests)

    # Setting the fallback by PATCH: bob and callers without an end user now get the shared connection.
    shared = connection_at(account, any_token_slack.url, externalId=unique("shared-slack"), displayName="Shared",
                            integrationName="slack", workspaceId=ws, secretText=SHARED_TOKEN)
    patched = sdk.workspaces.update_integration(ws, created["id"], connection_id=shared["id"])["integration"]
    assert patched["connectionStrategy"] == "per_user_with_fallback" and patched["connectionId"] == shared["id"]
    assert len(any_token_slack.requests) == calls  # the refusals above sent nothing to the provider
    assert _post(sdk, ws, "bob")["success"] is True and any_token_slack.last.bearer == SHARED_TOKEN
    assert _post(sdk, ws)["success"] is True and any_token_slack.last.bearer == SHARED_TOKEN
    assert _post(sdk, ws, "alice")["success"] is True and any_token_slack.last.bearer == ALICE_TOKEN


def test_patch_per_user_to_fallback_without_connection(sdk: WeavzClient) -> None:
    ws = sdk.workspaces.create(name="Switch", slug=unique("switch"))["workspace"]["id"]
    per_user = sdk.workspaces.add_integration(ws, integration_name="github",
                                              connection_strategy="per_user")["integration"]
    switched = sdk.workspaces.update_integration(ws, per_user["id"],
                                                 connection_strategy="per_user_with_fallback")["integration"]
    assert switched["connectionStrategy"] == "per_user_with_fallback" and switched["connectionId"] is None
    listed = sdk.workspaces.list_integrations(ws)["integrations"]
    assert [(i["alias"], i["connectionStrategy"]) for i in listed] == [("github", "per_user_with_fallback")]


def test_fixed_without_connection_is_still_refused(sdk: WeavzClient, api: Any) -> None:
    ws = sdk.workspaces.create(name="Fixed", slug=unique("fixed"))["workspace"]["id"]
    refused = _error(lambda: sdk.workspaces.add_integration(ws, integration_name="slack",
                                                            connection_strategy="fixed"))
    assert refused.status == 400 and refused.code == "VALIDATION_ERROR" and "connectionId" in str(refused)
    fallback = sdk.workspaces.add_integration(ws, integration_name="slack",
                                              connection_strategy="per_user_with_fallback")["integration"]
    to_fixed = api.patch(f"/api/v1/workspaces/{ws}/integrations/{fallback['id']}",
                         json={"connectionStrategy": "fixed"})
    assert to_fixed.status_code == 400 and to_fixed.json()["code"] == "VALIDATION_ERROR", to_fixed.text
    still = api.get(f"/api/v1/workspaces/{ws}/integrations").json()["integrations"]
    assert [i["connectionStrategy"] for i in still] == ["per_user_with_fallback"]  # the refused PATCH wrote nothing
