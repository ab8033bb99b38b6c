"""The official Python SDK, with only ``base_url`` changed, drives the whole configuration and execute path.

Workspace -> shared connection -> one alias per connection strategy -> end user with their own connection ->
an enforced, default partial per alias -> execute with and without ``endUserId``. The Slack stub (helper-4's, here
accepting any token) shows which credential and which channel each call carried.
"""

from __future__ import annotations

from typing import Any

import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, unique
from tests.stubs.slack import SlackStub

SHARED_TOKEN = "xoxb-shared-bot-token-1111"
USER_TOKEN = "xoxp-alice-user-token-2222"
ENFORCED_CHANNEL = "C0ALERTS"


def _connection_at(account: Account, stub: SlackStub, **body: Any) -> dict[str, Any]:
    """A connection whose provider host is the stub. ``baseUrl`` is not a Weavz field, so the SDK cannot send it,
    and an alias may not point a credential at another host (README "Security model"): plain HTTP here."""
    with account.client() as api:
        created = api.post("/api/v1/connections", json={**body, "type": "SECRET_TEXT", "baseUrl": stub.url})
    assert created.status_code == 201, created.text
    return created.json()["connection"]


def _configure(sdk: WeavzClient, account: Account, stub: SlackStub) -> dict[str, Any]:
    workspace = sdk.workspaces.create(name="SDK acceptance", slug=unique("sdk"))["workspace"]
    ws = workspace["id"]
    shared = _connection_at(account, stub, externalId=unique("slack-shared"), displayName="Shared bot",
                            integrationName="slack", workspaceId=ws, secretText=SHARED_TOKEN)
    assert "secretText" not in shared and SHARED_TOKEN not in str(shared)

    aliases = {}
    for alias, strategy, connection_id in [
        ("slack_fixed", "fixed", shared["id"]),
        ("slack_per_user", "per_user", None),
        ("slack_fallback", "per_user_with_fallback", shared["id"]),
    ]:
        created = sdk.workspaces.add_integration(
            ws, integration_name="slack", integration_alias=alias, connection_strategy=strategy,
            connection_id=connection_id,
        )["integration"]
        assert created["alias"] == alias
        assert created["connectionStrategy"] == strategy
        assert isinstance(created["settings"], dict)
        assert created["createdAt"] and created["updatedAt"]
        aliases[alias] = created

    end_user = sdk.end_users.create(workspace_id=ws, external_id="alice", display_name="Alice")["endUser"]
    user_conn = _connection_at(account, stub, externalId=unique("slack-alice"), displayName="Alice's Slack",
                               integrationName="slack", workspaceId=ws, endUserId="alice", secretText=USER_TOKEN)
    assert user_conn["endUserId"] == "alice"
    fetched = sdk.end_users.get(end_user["id"])
    assert fetched["endUser"]["externalId"] == "alice"
    assert [c["id"] for c in fetched["connections"]] == [user_conn["id"]]

    for alias in aliases:
        partial = sdk.partials.create(
            ws, "slack", "alerts-only", integration_alias=alias, action_name="send_channel_message",
            values={"channel": ENFORCED_CHANNEL}, enforced_keys=["channel"],
        )["partial"]
        assert partial["isDefault"] is False
        assert sdk.partials.set_default(partial["id"], True)["partial"]["isDefault"] is True
    return {"workspace": workspace, "shared": shared, "aliases": aliases, "end_user": end_user}


# (alias, endUserId or None) -> the token the provider must see; None means CONNECTION_REQUIRED.
EXPECTED = [
    ("slack_fixed", None, SHARED_TOKEN),
    ("slack_fixed", "alice", SHARED_TOKEN),
    ("slack_per_user", "alice", USER_TOKEN),
    ("slack_per_user", None, None),
    ("slack_fallback", "alice", USER_TOKEN),
    ("slack_fallback", None, SHARED_TOKEN),
]


def test_sdk_drives_configuration_and_execution(sdk: WeavzClient, account: Account, any_token_slack: SlackStub) -> None:
    setup = _configure(sdk, account, any_token_slack)
    ws = setup["workspace"]["id"]
    for alias, end_user, token in EXPECTED:
        before = len(any_token_slack.requests)
        kwargs: dict[str, Any] = {"integration_alias": alias}
        if end_user is not None:
            kwargs["end_user_id"] = end_user
        if token is None:
            with pytest.raises(WeavzError) as caught:
                sdk.actions.execute("slack", "send_channel_message", workspace_id=ws,
                                    input={"channel": "C0GENERAL", "text": "hi"}, **kwargs)
            assert caught.value.code == "CONNECTION_REQUIRED"
            assert caught.value.status == 400
            assert len(any_token_slack.requests) == before, "nothing may reach the provider"
            continue
        result = sdk.actions.execute("slack", "send_channel_message", workspace_id=ws,
                                     input={"channel": "C0GENERAL", "text": f"via {alias}"}, **kwargs)
        assert result["success"] is True
        assert isinstance(result["duration"], int | float)
        assert result["output"]["ok"] is True
        received = any_token_slack.last
        assert received.path.endswith("chat.postMessage")
        assert received.bearer == token, (alias, end_user)
        # The caller asked for C0GENERAL; the enforced default partial wins.
        assert received.params()["channel"] == ENFORCED_CHANNEL
        assert received.params()["text"] == f"via {alias}"


def test_sdk_reads_back_what_it_configured(sdk: WeavzClient, account: Account, any_token_slack: SlackStub) -> None:
    setup = _configure(sdk, account, any_token_slack)
    ws = setup["workspace"]["id"]
    listed = sdk.workspaces.list_integrations(ws)
    assert listed["total"] == 3
    fixed = next(i for i in listed["integrations"] if i["alias"] == "slack_fixed")
    assert fixed["connectionExternalId"] == setup["shared"]["externalId"]
    assert sdk.connections.get(setup["shared"]["id"])["connection"]["id"] == setup["shared"]["id"]
    partials = sdk.partials.list(ws, integration_alias="slack_per_user")
    assert partials["total"] == 1 and partials["partials"][0]["enforcedKeys"] == ["channel"]
    users = sdk.end_users.list(ws)
    assert users["total"] == 1 and users["endUsers"][0]["externalId"] == "alice"
    updated = sdk.workspaces.update_integration(
        ws, setup["aliases"]["slack_per_user"]["id"], connection_strategy="per_user_with_fallback",
        connection_id=setup["shared"]["id"],
    )
    assert updated["integration"]["connectionStrategy"] == "per_user_with_fallback"
    catalog_entry = sdk.integrations.get("slack")["integration"]
    assert "send_channel_message" in catalog_entry["actions"]
    assert catalog_entry["actions"]["send_channel_message"]["props"]["channel"]["required"] is True
    removed = sdk.workspaces.remove_integration(ws, setup["aliases"]["slack_fallback"]["id"])
    assert removed == {"deleted": True, "id": setup["aliases"]["slack_fallback"]["id"]}
    assert sdk.workspaces.delete(ws) == {"deleted": True, "id": ws}
    with pytest.raises(WeavzError) as caught:
        sdk.workspaces.delete(ws)
    assert caught.value.status == 404 and caught.value.code == "NOT_FOUND"


def test_sdk_resolves_connections(sdk: WeavzClient) -> None:
    ws = sdk.workspaces.create(name="Resolve", slug=unique("resolve"))["workspace"]["id"]
    shared = sdk.connections.create(
        type="SECRET_TEXT", external_id=unique("gh-shared"), display_name="Shared", integration_name="github",
        workspace_id=ws, secret_text="ghp_shared_0000",
    )["connection"]
    sdk.workspaces.add_integration(ws, integration_name="github", connection_strategy="per_user_with_fallback",
                                   connection_id=shared["id"])
    sdk.end_users.create(workspace_id=ws, external_id="bob")
    own = sdk.connections.create(
        type="SECRET_TEXT", external_id=unique("gh-bob"), display_name="Bob", integration_name="github",
        workspace_id=ws, end_user_id="bob", secret_text="ghp_bob_1111",
    )["connection"]
    assert sdk.connections.resolve(integration_name="github", workspace_id=ws)["connection"]["id"] == shared["id"]
    by_user = sdk.connections.resolve(integration_name="github", workspace_id=ws, end_user_id="bob")
    assert by_user["connection"]["id"] == own["id"]
    by_external = sdk.connections.resolve(integration_name="github", workspace_id=ws, external_id=own["externalId"])
    assert by_external["connection"]["id"] == own["id"]
    with pytest.raises(WeavzError) as caught:
        sdk.connections.resolve(integration_name="github", workspace_id=ws, external_id="no-such-connection")
    assert caught.value.status == 404
