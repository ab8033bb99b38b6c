"""Option sources against the provider stubs, without the engine: what each provider is asked, how its pages are
followed, and the bound on a listing (integrations/options.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.integrations.context import context
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import github, google_sheets, google_sheets_api, slack
from weavz_flow.integrations.options import MAX_OPTIONS, MAX_PAGES, collect, property_options
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS


def test_every_declared_property_is_an_input_of_its_action(sdk_catalog: object) -> None:
    for name in ("slack", "github", "google-sheets", "airtable"):
        native = NATIVE_INTEGRATIONS[name]
        assert native.options, name
        for action, props in native.options.items():
            fields = native.actions[action].info.field_names
            assert set(props) <= set(fields), (name, action, set(props) - set(fields))


def test_a_declaration_names_each_property_once() -> None:
    with pytest.raises(ValueError, match="repeated"):
        property_options({slack.CHANNELS: ["a.channel"], slack.USERS: ["a.channel"]})
    with pytest.raises(ValueError, match="bad"):
        property_options({slack.CHANNELS: ["no_property"]})


def test_slack_pages_are_followed_to_the_last(http: httpx.Client, slack_stub: SlackStub) -> None:
    for i in range(5):
        slack_stub.channels[f"C{i}"] = {"id": f"C{i}", "name": f"team-{i}", "is_archived": False}
    slack_stub.page_size = 2
    ctx = context(http, "slack", "send_channel_message", base_url=slack_stub.url, token=SLACK_TOKEN)
    listed = collect(slack.CHANNELS, ctx, {}, None)
    assert listed.complete and [o.value for o in listed.options] == [
        "C0GENERAL", "C0ALERTS", "C0", "C1", "C2", "C3", "C4"]
    cursors = [r.query.get("cursor") for r in slack_stub.requests]
    assert cursors[0] is None and all(cursors[1:]) and len(cursors) == 4
    assert [o.label for o in collect(slack.CHANNELS, ctx, {}, "TEAM-3").options] == ["#team-3"]


def test_a_listing_stops_at_its_bound(http: httpx.Client, slack_stub: SlackStub) -> None:
    for i in range(MAX_PAGES + 5):
        slack_stub.channels[f"C{i:03}"] = {"id": f"C{i:03}", "name": f"c{i:03}", "is_archived": False}
    slack_stub.page_size = 1
    ctx = context(http, "slack", "send_channel_message", base_url=slack_stub.url, token=SLACK_TOKEN)
    listed = collect(slack.CHANNELS, ctx, {}, None)
    assert not listed.complete and len(listed.options) == MAX_PAGES and len(slack_stub.requests) == MAX_PAGES
    slack_stub.reset()
    for i in range(MAX_OPTIONS + 10):
        slack_stub.channels[f"C{i:05}"] = {"id": f"C{i:05}", "name": f"c{i:05}", "is_archived": False}
    capped = collect(slack.CHANNELS, ctx, {}, None)
    assert not capped.complete and len(capped.options) == MAX_OPTIONS


def test_a_provider_error_is_raised_as_the_action_would(http: httpx.Client, slack_stub: SlackStub) -> None:
    ctx = context(http, "slack", "send_direct_message", base_url=slack_stub.url, token="xoxb-wrong-token-99")
    with pytest.raises(ApiError) as caught:
        collect(slack.USERS, ctx, {}, None)
    assert caught.value.code == ErrorCode.ACTION_FAILED and caught.value.details["providerError"] == "invalid_auth"


def test_github_reads_only_rel_next_never_its_url(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.page_size = 2
    ctx = context(http, "github", "create_issue", base_url=github_stub.url, token=GITHUB_TOKEN)
    listed = collect(github.REPOSITORIES, ctx, {}, None)
    assert [o.value for o in listed.options] == ["acme/api", "acme/web", "octocat/hello-world"]
    assert [(r.path, r.query["page"], r.query["per_page"]) for r in github_stub.requests] == [
        ("/user/repos", "1", "100"), ("/user/repos", "2", "100")]


def test_sheets_ask_drive_on_the_connections_host(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    ctx = context(http, "google-sheets", "append_row", base_url=sheets_stub.url + "/v4", token=SHEETS_TOKEN)
    listed = collect(google_sheets.SPREADSHEETS, ctx, {}, "budget")
    assert [(o.label, o.value) for o in listed.options] == [("Budget 2026", "budget")]
    drive = sheets_stub.last
    assert drive.path == "/drive/v3/files" and drive.bearer == SHEETS_TOKEN
    assert drive.query["fields"] == "nextPageToken,files(id,name)"
    tabs = collect(google_sheets.TABS, ctx, {"spreadsheet_dropdown": "budget"}, None)
    assert [o.value for o in tabs.options] == ["Q1"] and sheets_stub.last.path == "/v4/spreadsheets/budget"
    # Without an override, Drive is Google's own host (the request is not sent here).
    default = context(http, "google-sheets", "append_row", base_url=None, token=SHEETS_TOKEN)
    assert google_sheets_api.drive_files_url(default) == google_sheets_api.DRIVE_FILES_URL
