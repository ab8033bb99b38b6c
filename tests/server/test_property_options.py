"""Dynamic property options (issue 15, Build 4) through the official SDK's ``integrations.resolve_options`` against the
live server and the provider stubs: Slack channels and users, GitHub repositories, Google spreadsheets and their tabs.
The connection is resolved as an execute would resolve it (alias, strategy, end user, enforced partials); searchValue
filters; the provider's pages are followed (the stubs cap their pages at one item)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, LiveServer, connection_at, unique
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from tests.stubs.slack import SlackStub

SHARED_TOKEN = "xoxb-options-shared-7777"
ALICE_TOKEN = "xoxp-options-alice-8888"


@pytest.fixture
def ws(sdk: WeavzClient) -> str:
    return str(sdk.workspaces.create(name="Options", slug=unique("options"))["workspace"]["id"])


def _connection(account: Account, url: str, **body: Any) -> dict[str, Any]:
    return connection_at(account, url, displayName="C", externalId=unique("conn"), **body)


def _error(call: Callable[[], Any]) -> WeavzError:
    with pytest.raises(WeavzError) as caught:
        call()
    return caught.value


def _pairs(answer: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(o["label"], o["value"]) for o in answer["options"]]


@pytest.fixture
def slack_ws(sdk: WeavzClient, account: Account, ws: str, any_token_slack: SlackStub) -> str:
    """A per_user Slack alias; alice has her own connection, bob none."""
    sdk.workspaces.add_integration(ws, integration_name="slack", connection_strategy="per_user")
    sdk.end_users.create(workspace_id=ws, external_id="alice")
    sdk.end_users.create(workspace_id=ws, external_id="bob")
    _connection(account, any_token_slack.url, integrationName="slack", workspaceId=ws, endUserId="alice",
                secretText=ALICE_TOKEN)
    any_token_slack.page_size = 1
    return ws


def test_slack_channels_with_the_end_users_connection(sdk: WeavzClient, slack_ws: str,
                                                      any_token_slack: SlackStub) -> None:
    answer = sdk.integrations.resolve_options("slack", property_name="channel", action_name="send_channel_message",
                                              workspace_id=slack_ws, end_user_id="alice")
    assert _pairs(answer) == [("#general", "C0GENERAL"), ("#alerts", "C0ALERTS")]  # the archived one left out
    assert answer["disabled"] is False
    listings = [r for r in any_token_slack.requests if r.path.endswith("/conversations.list")]
    assert len(listings) == 2 and {r.bearer for r in listings} == {ALICE_TOKEN}  # one channel a page
    assert "cursor" not in listings[0].query and listings[1].query["cursor"]
    assert listings[0].query["exclude_archived"] == "true" and listings[0].query["limit"] == "200"

    searched = sdk.integrations.resolve_options("slack", property_name="channel", action_name="add_reaction",
                                                workspace_id=slack_ws, end_user_id="alice", search_value="ALE")
    assert _pairs(searched) == [("#alerts", "C0ALERTS")]
    assert sdk.integrations.resolve_options("slack", property_name="channel", action_name="add_reaction",
                                            workspace_id=slack_ws, end_user_id="alice",
                                            search_value="nothing")["options"] == []


def test_slack_users(sdk: WeavzClient, slack_ws: str, any_token_slack: SlackStub) -> None:
    answer = sdk.integrations.resolve_options("slack", property_name="user", action_name="send_direct_message",
                                              workspace_id=slack_ws, end_user_id="alice")
    assert _pairs(answer) == [("Alice Liddell", "U0ALICE"), ("Bob Builder", "U0BOB")]  # the deleted user left out
    assert _pairs(sdk.integrations.resolve_options(
        "slack", property_name="user_id", action_name="find_user_by_id", workspace_id=slack_ws,
        end_user_id="alice", search_value="liddell")) == [("Alice Liddell", "U0ALICE")]
    assert {r.path for r in any_token_slack.requests} == {"/users.list"}


def test_per_user_resolution_is_the_executes(sdk: WeavzClient, slack_ws: str, any_token_slack: SlackStub) -> None:
    def options(**kw: Any) -> Any:
        return sdk.integrations.resolve_options("slack", property_name="channel",
                                                action_name="send_channel_message", workspace_id=slack_ws, **kw)

    for kw, code, status in [({"end_user_id": "bob"}, "CONNECTION_REQUIRED", 400),
                             ({}, "CONNECTION_REQUIRED", 400),
                             ({"end_user_id": "ghost"}, "END_USER_NOT_FOUND", 404)]:
        refused = _error(lambda kw=kw: options(**kw))
        assert (refused.code, refused.status) == (code, status), refused
        execute = _error(lambda kw=kw: sdk.actions.execute(
            "slack", "send_channel_message", workspace_id=slack_ws, input={"channel": "C0GENERAL", "text": "x"}, **kw))
        assert (execute.code, str(execute)) == (refused.code, str(refused))  # the same words as execute's
    assert any_token_slack.requests == []


def test_an_enforced_property_offers_only_its_value(sdk: WeavzClient, slack_ws: str,
                                                    any_token_slack: SlackStub) -> None:
    alias = sdk.workspaces.list_integrations(slack_ws)["integrations"][0]
    sdk.partials.create(slack_ws, "slack", "alerts only", workspace_integration_id=alias["id"],
                        values={"channel": "C0ALERTS"}, enforced_keys=["channel"], is_default=True)
    answer = sdk.integrations.resolve_options("slack", property_name="channel", action_name="send_channel_message",
                                              workspace_id=slack_ws, end_user_id="alice", input={"channel": "C0X"})
    assert _pairs(answer) == [("#alerts", "C0ALERTS")] and answer["disabled"] is True


def test_properties_without_options(sdk: WeavzClient, slack_ws: str, live_server: LiveServer,
                                    any_token_slack: SlackStub) -> None:
    def options(prop: str, action: str = "send_channel_message") -> Any:
        return sdk.integrations.resolve_options("slack", property_name=prop, action_name=action,
                                                workspace_id=slack_ws, end_user_id="alice")

    text = _error(lambda: options("text"))
    assert (text.code, text.status) == ("NOT_DYNAMIC", 400)
    assert "property 'text' of 'slack.send_channel_message' has no dynamic options" in str(text)
    unknown = _error(lambda: options("chanel"))
    assert unknown.code == "NOT_DYNAMIC" and "has no property 'chanel'" in str(unknown)
    assert unknown.details["propertiesWithOptions"] == ["channel"]
    # Every slack action runs here now; one without a channel property has no options for it.
    assert "channel" not in live_server.engine.catalog.integration("slack").actions["search_messages"].field_names
    assert _error(lambda: options("channel", "search_messages")).code == "NOT_DYNAMIC"
    assert _error(lambda: sdk.integrations.resolve_options("slack", property_name="channel",
                                                           action_name="nope", workspace_id=slack_ws)).status == 404
    assert any_token_slack.requests == []


def test_request_shape_errors(api: Any, slack_ws: str) -> None:
    path = "/api/v1/integrations/slack/properties/options"
    for body, field in [({"propertyName": "channel", "workspaceId": slack_ws}, "actionName"),
                        ({"propertyName": "channel", "triggerName": "new_message", "workspaceId": slack_ws},
                         "actionName"),
                        ({"propertyName": "channel", "actionName": "send_channel_message"}, "workspaceId"),
                        ({"actionName": "send_channel_message", "workspaceId": slack_ws}, "propertyName")]:
        refused = api.post(path, json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "VALIDATION_ERROR", refused.text
        assert field in refused.text
    assert api.post(path, json={"propertyName": "channel", "actionName": "send_channel_message",
                                "workspaceId": slack_ws}, headers={"Authorization": "Bearer wvz_nope"}
                    ).status_code == 401


def test_github_repositories(sdk: WeavzClient, account: Account, ws: str, github_stub: GitHubStub) -> None:
    shared = _connection(account, github_stub.url, integrationName="github", workspaceId=ws, secretText=GITHUB_TOKEN)
    sdk.workspaces.add_integration(ws, integration_name="github", connection_strategy="fixed",
                                   connection_id=shared["id"])
    github_stub.page_size = 1
    answer = sdk.integrations.resolve_options("github", property_name="repository", action_name="create_issue",
                                              workspace_id=ws)
    names = ["acme/api", "acme/web", "octocat/hello-world"]
    assert _pairs(answer) == [(n, n) for n in names]
    pages = [r for r in github_stub.requests if r.path == "/user/repos"]
    assert [r.query["page"] for r in pages] == ["1", "2", "3"] and {r.bearer for r in pages} == {GITHUB_TOKEN}
    assert _pairs(sdk.integrations.resolve_options("github", property_name="repository", action_name="list_issues",
                                                   workspace_id=ws, search_value="ACME")) == [(n, n) for n in names[:2]]

    github_stub.fail_next(404)
    failed = _error(lambda: sdk.integrations.resolve_options("github", property_name="repository",
                                                             action_name="get_issue", workspace_id=ws))
    assert (failed.code, failed.status) == ("OPTIONS_FAILED", 400) and "GitHub repositories" in str(failed)
    assert GITHUB_TOKEN not in str(failed) and GITHUB_TOKEN not in str(failed.details)


def test_google_spreadsheets_and_their_tabs(sdk: WeavzClient, account: Account, ws: str,
                                            sheets_stub: SheetsStub) -> None:
    _connection(account, sheets_stub.url, type="OAUTH2", integrationName="google-sheets", workspaceId=ws,
                accessToken=SHEETS_TOKEN)
    sheets_stub.page_size = 1

    def options(prop: str, **kw: Any) -> Any:
        return sdk.integrations.resolve_options("google-sheets", property_name=prop, action_name="append_row",
                                                workspace_id=ws, connection_external_id=None, **kw)

    # No alias: the workspace's connection is named explicitly, as execute allows.
    external_id = sdk.connections.list()["connections"][-1]["externalId"]
    books = sdk.integrations.resolve_options("google-sheets", property_name="spreadsheet_dropdown",
                                             action_name="append_row", workspace_id=ws,
                                             connection_external_id=external_id)
    assert _pairs(books) == [("Team roster", "sheet-1"), ("Budget 2026", "budget")]
    drive = [r for r in sheets_stub.requests if r.path == "/drive/v3/files"]
    assert len(drive) == 2 and drive[1].query["pageToken"] == "1" and {r.bearer for r in drive} == {SHEETS_TOKEN}
    assert "mimeType='application/vnd.google-apps.spreadsheet'" in drive[0].query["q"]

    tabs = sdk.integrations.resolve_options("google-sheets", property_name="sheet_dropdown",
                                            action_name="append_row", workspace_id=ws,
                                            connection_external_id=external_id, input={"spreadsheetId": "sheet-1"})
    assert _pairs(tabs) == [("Sheet1", "Sheet1"), ("Log Book", "Log Book")]
    assert sheets_stub.last.path == "/spreadsheets/sheet-1" and sheets_stub.last.query["fields"] == "sheets.properties"
    assert _pairs(sdk.integrations.resolve_options(
        "google-sheets", property_name="sheetName", action_name="get_row", workspace_id=ws,
        connection_external_id=external_id, input={"spreadsheet_dropdown": "sheet-1"}, search_value="book",
    )) == [("Log Book", "Log Book")]
    needs = _error(lambda: sdk.integrations.resolve_options(
        "google-sheets", property_name="sheet_dropdown", action_name="read_range", workspace_id=ws,
        connection_external_id=external_id))
    assert needs.code == "VALIDATION_ERROR" and "input.spreadsheetId" in str(needs)
    assert _error(lambda: options("spreadsheet_dropdown")).code == "CONNECTION_REQUIRED"  # no alias, none named
