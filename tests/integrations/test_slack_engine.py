"""Slack: the actions beyond messaging executed through the engine (alias -> connection -> the Slack stub), asserting
the Web API method Slack received, its arguments and bearer token, and the mapped output; cursor pagination across
users.list, a Slack error, a refused token, custom_api_call."""

from __future__ import annotations

import pytest

from tests.integrations.provider_suite import AliasedEngine, provider_fixtures, refused_token_failure
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(SlackStub, "slack", SLACK_TOKEN, "")


@pytest.fixture
def slack(provider_engine: AliasedEngine, stub: SlackStub) -> AliasedEngine:
    return provider_engine


def sent(stub: SlackStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests]


def test_every_catalog_action_but_upload_file_is_native(sdk_catalog: Catalog) -> None:
    assert set(sdk_catalog.integration("slack").actions) - set(NATIVE_INTEGRATIONS["slack"].actions) == {"upload_file"}


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
