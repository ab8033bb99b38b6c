"""Slack: the actions beyond messaging executed through the engine (alias -> connection -> the Slack stub), asserting
the Web API method Slack received, its arguments and bearer token, and the mapped output; cursor pagination across
users.list, a Slack error, a refused token, custom_api_call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.provider_suite import AliasedEngine, provider_fixtures, refused_token_failure
from tests.stubs.base import running
from tests.stubs.slack import SLACK_TOKEN, SlackStub, SlackUploadStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(SlackStub, "slack", SLACK_TOKEN, "")


@pytest.fixture
def slack(provider_engine: AliasedEngine, stub: SlackStub) -> AliasedEngine:
    return provider_engine


def sent(stub: SlackStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests]


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["slack"].actions) == set(sdk_catalog.integration("slack").actions)


def test_list_users_reads_every_page_leaves_bots_out_and_stops_at_limit(slack: AliasedEngine,
                                                                       stub: SlackStub) -> None:
    stub.users["U0ROBOT"] = {"id": "U0ROBOT", "name": "robot", "is_bot": True, "profile": {}}
    stub.page_size = 1
    out = slack.run("list_users", {})
    assert [u["id"] for u in out["members"]] == ["U0ALICE", "U0BOB", "U0GONE"]
    assert sent(stub) == [("GET", "/users.list")] * 4
    assert stub.requests[0].query == {"limit": "200"} and "cursor" in stub.requests[1].query
    assert all(r.bearer == SLACK_TOKEN for r in stub.requests)

    stub.requests.clear()
    with_bots = slack.run("list_users", {"include_bots": True, "limit": 2})
    assert [u["id"] for u in with_bots["members"]] == ["U0ALICE", "U0BOB"]
    assert len(stub.requests) == 2  # the pages after the limit are never asked for


def test_find_user_by_handle_matches_name_or_display_name(slack: AliasedEngine, stub: SlackStub) -> None:
    stub.users["U0BOB"]["profile"]["display_name"] = "Bobby"
    assert slack.run("find_user_by_handle", {"handle": "@alice"})["user"]["id"] == "U0ALICE"
    assert slack.run("find_user_by_handle", {"handle": "bobby"})["user"]["id"] == "U0BOB"
    error = slack.error("find_user_by_handle", {"handle": "gone"})  # deleted users are no match
    assert error.code == ErrorCode.ACTION_FAILED and error.details == {"providerError": "users_not_found"}


def test_get_user_profile_of_a_user_or_of_the_token(slack: AliasedEngine, stub: SlackStub) -> None:
    out = slack.run("get_user_profile", {"user_id": "U0BOB"})
    assert (stub.last.method, stub.last.path, stub.last.query) == ("GET", "/users.profile.get", {"user": "U0BOB"})
    assert out["profile"]["email"] == "bob@example.com"
    assert slack.run("get_user_profile", {})["profile"]["display_name"] == "stub-bot"
    assert stub.last.query == {}


def test_get_message_reads_the_one_message_at_its_timestamp(slack: AliasedEngine, stub: SlackStub) -> None:
    later = slack.run("send_channel_message", {"channel": "C0GENERAL", "text": "later one"})["ts"]
    out = slack.run("get_message", {"channel": "C0GENERAL", "timestamp": "1700000000.000100"})
    assert stub.last.path == "/conversations.history"
    assert stub.last.query == {"channel": "C0GENERAL", "latest": "1700000000.000100", "inclusive": "true",
                               "limit": "1"}
    assert out == {"ok": True, "channel": "C0GENERAL", "message": stub.messages["C0GENERAL"][0]}
    assert slack.run("get_message", {"channel": "C0GENERAL", "timestamp": later})["message"]["text"] == "later one"
    missing = slack.error("get_message", {"channel": "C0GENERAL", "timestamp": "1600000000.000001"})
    assert missing.details == {"providerError": "message_not_found"}


def test_scheduled_messages_are_listed_and_deleted(slack: AliasedEngine, stub: SlackStub) -> None:
    scheduled = slack.run("schedule_message", {"channel": "C0ALERTS", "text": "soon", "post_at": 1800000500})
    listed = slack.run("list_scheduled_messages", {"channel": "C0GENERAL", "oldest": "1700000000", "limit": 10})
    assert (stub.last.method, stub.last.path) == ("POST", "/chat.scheduledMessages.list")
    assert stub.last.json == {"channel": "C0GENERAL", "oldest": "1700000000", "limit": 10}
    assert [m["id"] for m in listed["scheduled_messages"]] == ["Q0SEED"]
    assert listed["response_metadata"]["next_cursor"] == ""

    first = slack.run("list_scheduled_messages", {"limit": 1})
    rest = slack.run("list_scheduled_messages", {"limit": 1, "cursor": first["response_metadata"]["next_cursor"]})
    assert [m["id"] for m in first["scheduled_messages"] + rest["scheduled_messages"]] == [
        "Q0SEED", scheduled["scheduled_message_id"]]

    out = slack.run("delete_scheduled_message", {"channel": "C0GENERAL", "scheduled_message_id": "Q0SEED"})
    assert stub.last.path == "/chat.deleteScheduledMessage"
    assert stub.last.json == {"channel": "C0GENERAL", "scheduled_message_id": "Q0SEED"}
    assert out == {"ok": True} and [m["id"] for m in stub.scheduled] == [scheduled["scheduled_message_id"]]
    again = slack.error("delete_scheduled_message", {"channel": "C0GENERAL", "scheduled_message_id": "Q0SEED"})
    assert again.code == ErrorCode.ACTION_FAILED
    assert again.details is not None and again.details["providerError"] == "invalid_scheduled_message_id"


def test_wrong_token_is_invalid_auth_and_never_shown(slack: AliasedEngine, stub: SlackStub) -> None:
    details = refused_token_failure(slack, stub.url, "list_usergroups", {}, "invalid_auth", status=200)
    assert details["providerError"] == "invalid_auth"


def test_usergroups_are_created_updated_disabled_enabled_and_listed(slack: AliasedEngine, stub: SlackStub) -> None:
    created = slack.run("create_usergroup", {"name": "On call", "handle": "oncall", "channels": "C0ALERTS,C0GENERAL"})
    assert (stub.last.method, stub.last.path) == ("POST", "/usergroups.create")
    assert stub.last.json == {"name": "On call", "handle": "oncall", "channels": "C0ALERTS,C0GENERAL"}
    group = created["usergroup"]["id"]
    assert created["usergroup"]["prefs"]["channels"] == ["C0ALERTS", "C0GENERAL"]

    updated = slack.run("update_usergroup", {"usergroup": group, "description": "pager"})
    assert stub.last.path == "/usergroups.update" and stub.last.json == {"usergroup": group, "description": "pager"}
    assert updated["usergroup"]["description"] == "pager"

    members = slack.run("update_usergroup_users", {"usergroup": group, "users": "U0ALICE,U0BOB", "include_count": True})
    assert stub.last.path == "/usergroups.users.update"
    assert stub.last.json == {"usergroup": group, "users": "U0ALICE,U0BOB", "include_count": True}
    assert members["usergroup"]["users"] == ["U0ALICE", "U0BOB"] and members["usergroup"]["user_count"] == 2

    disabled = slack.run("disable_usergroup", {"usergroup": group})
    assert (stub.last.path, stub.last.json) == ("/usergroups.disable", {"usergroup": group})
    assert disabled["usergroup"]["date_delete"] > 0
    assert [g["id"] for g in slack.run("list_usergroups", {})["usergroups"]] == ["S0DEVS"]
    assert (stub.last.method, stub.last.path, stub.last.query) == ("GET", "/usergroups.list", {})

    assert slack.run("enable_usergroup", {"usergroup": group})["usergroup"]["date_delete"] == 0
    assert stub.last.path == "/usergroups.enable"
    listed = slack.run("list_usergroups", {"include_users": True})
    assert stub.last.query == {"include_users": "true"}
    assert {g["id"]: g["users"] for g in listed["usergroups"]} == {"S0DEVS": ["U0ALICE"], group: ["U0ALICE", "U0BOB"]}

    taken = slack.error("create_usergroup", {"name": "Developers", "handle": "devs"})
    assert taken.details is not None and taken.details["providerError"] == "name_already_exists"


def test_bookmarks_are_added_edited_listed_and_removed(slack: AliasedEngine, stub: SlackStub) -> None:
    added = slack.run("add_bookmark", {"channel": "C0ALERTS", "title": "Status", "link": "https://status.example",
                                       "emoji": ":eyes:"})
    assert (stub.last.method, stub.last.path) == ("POST", "/bookmarks.add")
    assert stub.last.json == {"channel_id": "C0ALERTS", "title": "Status", "link": "https://status.example",
                              "emoji": ":eyes:", "type": "link"}
    bookmark = added["bookmark"]["id"]

    edited = slack.run("edit_bookmark", {"channel": "C0ALERTS", "bookmark_id": bookmark, "title": "Status page"})
    assert stub.last.path == "/bookmarks.edit"
    assert stub.last.json == {"channel_id": "C0ALERTS", "bookmark_id": bookmark, "title": "Status page"}
    assert edited["bookmark"]["title"] == "Status page" and edited["bookmark"]["link"] == "https://status.example"

    listed = slack.run("list_bookmarks", {"channel": "C0ALERTS"})
    assert (stub.last.path, stub.last.json) == ("/bookmarks.list", {"channel_id": "C0ALERTS"})
    assert [b["id"] for b in listed["bookmarks"]] == [bookmark]

    assert slack.run("remove_bookmark", {"channel": "C0ALERTS", "bookmark_id": bookmark}) == {"ok": True}
    assert stub.last.json == {"channel_id": "C0ALERTS", "bookmark_id": bookmark} and stub.bookmarks["C0ALERTS"] == []
    wrong = slack.error("list_bookmarks", {"channel": "C0NOPE"})
    assert wrong.details is not None and wrong.details["providerError"] == "channel_not_found"


def test_get_file_sends_the_file_id(slack: AliasedEngine, stub: SlackStub) -> None:
    out = slack.run("get_file", {"file_id": "F0REPORT"})
    assert (stub.last.method, stub.last.path, stub.last.query) == ("GET", "/files.info", {"file": "F0REPORT"})
    assert stub.last.bearer == SLACK_TOKEN and out["file"]["name"] == "report.csv"
    missing = slack.error("get_file", {"file_id": "F0NOPE"})
    assert missing.details is not None and missing.details["providerError"] == "file_not_found"


def test_canvases_are_created_edited_listed_and_deleted(slack: AliasedEngine, stub: SlackStub) -> None:
    created = slack.run("create_canvas", {"title": "Plan", "markdown": "# Plan"})
    assert (stub.last.method, stub.last.path) == ("POST", "/canvases.create")
    assert stub.last.json == {"title": "Plan", "document_content": {"type": "markdown", "markdown": "# Plan"}}
    canvas = created["canvas_id"]

    channel_canvas = slack.run("create_channel_canvas", {"channel": "C0ALERTS", "markdown": "Runbook"})
    assert stub.last.path == "/conversations.canvases.create"
    assert stub.last.json == {"channel_id": "C0ALERTS", "document_content": {"type": "markdown", "markdown": "Runbook"}}
    assert stub.files[channel_canvas["canvas_id"]]["channels"] == ["C0ALERTS"]

    assert slack.run("edit_canvas", {"canvas_id": canvas, "operation": "insert_at_end", "markdown": "- step"}) == {
        "ok": True}
    assert stub.last.path == "/canvases.edit"
    assert stub.last.json == {"canvas_id": canvas, "changes": [
        {"operation": "insert_at_end", "document_content": {"type": "markdown", "markdown": "- step"}}]}
    slack.run("edit_canvas", {"canvas_id": canvas, "operation": "rename", "title": "Plan B"})
    assert stub.last.json["changes"] == [{"operation": "rename",
                                          "title_content": {"type": "markdown", "markdown": "Plan B"}}]
    slack.run("edit_canvas", {"canvas_id": canvas, "operation": "delete", "section_id": "temp:C:1"})
    assert stub.last.json["changes"] == [{"operation": "delete", "section_id": "temp:C:1"}]
    assert stub.files[canvas]["title"] == "Plan B" and stub.files[canvas]["sections"] == ["# Plan", "- step"]

    stub.requests.clear()
    no_section = slack.error("edit_canvas", {"canvas_id": canvas, "operation": "insert_after", "markdown": "x"})
    unknown = slack.error("edit_canvas", {"canvas_id": canvas, "operation": "append"})
    assert no_section.code == unknown.code == ErrorCode.VALIDATION_ERROR
    assert stub.requests == []  # refused before anything is sent

    listed = slack.run("list_canvases", {"channel": "C0GENERAL", "count": 10})
    assert (stub.last.method, stub.last.path) == ("GET", "/files.list")
    assert stub.last.query == {"types": "canvas", "channel": "C0GENERAL", "count": "10"}
    assert [f["id"] for f in listed["files"]] == ["F0CANVAS"] and listed["paging"]["total"] == 1

    assert slack.run("delete_canvas", {"canvas_id": canvas}) == {"ok": True}
    assert (stub.last.path, stub.last.json) == ("/canvases.delete", {"canvas_id": canvas}) and canvas not in stub.files


def test_search_messages_sends_query_sort_and_count(slack: AliasedEngine, stub: SlackStub) -> None:
    out = slack.run("search_messages", {"query": "hello", "sort": "timestamp", "count": 5})
    assert (stub.last.method, stub.last.path) == ("GET", "/search.messages")
    assert stub.last.query == {"query": "hello", "sort": "timestamp", "count": "5"}
    assert [m["ts"] for m in out["messages"]["matches"]] == ["1700000000.000100"] and out["messages"]["total"] == 1


def test_update_user_status_sets_the_profile_status(slack: AliasedEngine, stub: SlackStub) -> None:
    out = slack.run("update_user_status", {"status_text": "On holiday", "status_emoji": ":palm_tree:",
                                           "expiration": 1800000000})
    assert (stub.last.method, stub.last.path) == ("POST", "/users.profile.set")
    assert stub.last.json == {"profile": {"status_text": "On holiday", "status_emoji": ":palm_tree:",
                                          "status_expiration": 1800000000}}
    assert out["profile"]["status_text"] == "On holiday"


def test_custom_api_call_sends_the_method_as_a_form_with_the_bearer(slack: AliasedEngine, stub: SlackStub) -> None:
    out = slack.run("custom_api_call", {"method_name": "conversations.list",
                                        "params": '{"exclude_archived": true, "limit": 1}'})
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("POST", "/conversations.list", SLACK_TOKEN)
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert req.form == {"exclude_archived": "true", "limit": "1"}
    assert out["status"] == 200 and len(out["body"]["channels"]) == 1
    assert out["body"]["response_metadata"]["next_cursor"]

    blocks: dict[str, Any] = {"channel": "C0ALERTS", "blocks": [{"type": "divider"}]}
    slack.run("custom_api_call", {"method_name": "chat.postMessage", "params": blocks})
    assert stub.last.form == {"channel": "C0ALERTS", "blocks": '[{"type": "divider"}]'}  # nested values as JSON text

    failed = slack.error("custom_api_call", {"method_name": "chat.delete", "params": {"channel": "C0GENERAL"}})
    assert failed.code == ErrorCode.ACTION_FAILED
    assert failed.details is not None and failed.details["providerError"] == "message_not_found"

    stub.requests.clear()
    for bad in ({"method_name": "../evil"}, {"method_name": "https://evil.example/api"},
                {"method_name": "auth.test", "use_user_token": True}, {"method_name": "auth.test", "params": "[1]"}):
        assert slack.error("custom_api_call", bad).code == ErrorCode.VALIDATION_ERROR
    assert stub.requests == []


@pytest.fixture(scope="module")
def upload_host() -> Iterator[SlackUploadStub]:
    with running(SlackUploadStub()) as served:
        yield served


def test_upload_file_gets_an_upload_url_sends_the_bytes_without_the_token_and_completes(
    slack: AliasedEngine, stub: SlackStub, upload_host: SlackUploadStub
) -> None:
    upload_host.reset()
    stub.upload_base = upload_host.url
    out = slack.run("upload_file", {"channels": "C0GENERAL,C0ALERTS", "filename": "notes.txt", "content": "héllo",
                                    "title": "Notes"})
    assert sent(stub) == [("GET", "/files.getUploadURLExternal"), ("POST", "/files.completeUploadExternal")]
    assert stub.requests[0].query == {"filename": "notes.txt", "length": "6"}  # bytes, not characters
    file_id = out["files"][0]["id"]
    assert stub.requests[1].json == {"files": [{"id": file_id, "title": "Notes"}], "channels": "C0GENERAL,C0ALERTS"}
    assert all(r.bearer == SLACK_TOKEN for r in stub.requests)
    upload = upload_host.last
    assert (upload.method, upload.path, upload.body) == ("POST", f"/upload/v1/{file_id}", "héllo".encode())
    assert "authorization" not in upload.headers  # the token stays with slack.com
    assert out == {"ok": True, "files": [{"id": file_id, "title": "Notes"}]}
    assert stub.files[file_id]["channels"] == ["C0GENERAL", "C0ALERTS"]

    from_url = slack.run("upload_file", {"channels": "C0GENERAL", "filename": "notes.txt",
                                         "file_url": f"{upload_host.url}/source/notes.txt"})
    assert upload_host.requests[-2].path == "/source/notes.txt" and "authorization" not in upload_host.last.headers
    assert upload_host.last.body == b"notes from a URL"
    assert stub.requests[-1].json["files"][0]["title"] == "notes.txt"  # the filename when no title is given
    assert stub.files[from_url["files"][0]["id"]]["size"] == len(b"notes from a URL")

    stub.requests.clear()
    both = slack.error("upload_file", {"channels": "C0GENERAL", "filename": "x", "content": "a", "file_url": "b"})
    neither = slack.error("upload_file", {"channels": "C0GENERAL", "filename": "x"})
    assert both.code == neither.code == ErrorCode.VALIDATION_ERROR and stub.requests == []
