from __future__ import annotations

from typing import Any

import httpx
import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.context import SleepRecorder, context
from tests.integrations.native_engine import native_engine
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.slack import ACTIONS


def run(http: httpx.Client, stub: SlackStub, action: str, values: dict[str, Any], *, token: str = SLACK_TOKEN,
        sleep: SleepRecorder | None = None) -> Any:
    ctx = context(http, "slack", action, base_url=stub.url, token=token, sleep=sleep)
    return ACTIONS[action].run(ctx, values)


def test_send_channel_message_posts_json_with_bearer_token(http: httpx.Client, slack_stub: SlackStub) -> None:
    out = run(http, slack_stub, "send_channel_message",
              {"channel": "C0ALERTS", "text": "deploy done", "thread_ts": "1.2", "unfurl_links": False})
    req = slack_stub.last
    assert (req.method, req.path) == ("POST", "/chat.postMessage")
    assert req.bearer == SLACK_TOKEN
    assert req.json == {"channel": "C0ALERTS", "text": "deploy done", "thread_ts": "1.2", "unfurl_links": False}
    assert out["ok"] is True and out["channel"] == "C0ALERTS"
    assert out["message"]["text"] == "deploy done"


def test_blocks_given_as_json_text_are_sent_as_an_array(http: httpx.Client, slack_stub: SlackStub) -> None:
    run(http, slack_stub, "send_channel_message",
        {"channel": "C0ALERTS", "text": "x", "blocks": '[{"type": "divider"}]'})
    assert slack_stub.last.json["blocks"] == [{"type": "divider"}]


def test_send_direct_message_opens_the_conversation_first(http: httpx.Client, slack_stub: SlackStub) -> None:
    out = run(http, slack_stub, "send_direct_message", {"user": "U0BOB", "text": "hi Bob"})
    assert [r.path for r in slack_stub.requests] == ["/conversations.open", "/chat.postMessage"]
    assert slack_stub.requests[0].json == {"users": "U0BOB"}
    assert slack_stub.requests[1].json == {"channel": "DU0BOB", "text": "hi Bob"}
    assert out["channel"] == "DU0BOB"


def test_update_message_maps_timestamp_to_ts(http: httpx.Client, slack_stub: SlackStub) -> None:
    out = run(http, slack_stub, "update_message",
              {"channel": "C0GENERAL", "timestamp": "1700000000.000100", "text": "edited"})
    assert slack_stub.last.path == "/chat.update"
    assert slack_stub.last.json == {"channel": "C0GENERAL", "ts": "1700000000.000100", "text": "edited"}
    assert out["text"] == "edited"


def test_get_channel_history_sends_query_with_integer_limit(http: httpx.Client, slack_stub: SlackStub) -> None:
    run(http, slack_stub, "send_channel_message", {"channel": "C0GENERAL", "text": "second"})
    out = run(http, slack_stub, "get_channel_history", {"channel": "C0GENERAL", "limit": 1.0})
    req = slack_stub.last
    assert (req.method, req.path, req.query) == ("GET", "/conversations.history",
                                                 {"channel": "C0GENERAL", "limit": "1"})
    assert [m["text"] for m in out["messages"]] == ["second"]
    assert out["has_more"] is True


def test_list_channels_passes_filters(http: httpx.Client, slack_stub: SlackStub) -> None:
    out = run(http, slack_stub, "list_channels", {"exclude_archived": True, "types": "public_channel"})
    assert slack_stub.last.query == {"exclude_archived": "true", "types": "public_channel"}
    assert {c["name"] for c in out["channels"]} == {"general", "alerts"}


def test_add_reaction_sends_emoji_as_name(http: httpx.Client, slack_stub: SlackStub) -> None:
    out = run(http, slack_stub, "add_reaction",
              {"channel": "C0GENERAL", "timestamp": "1700000000.000100", "emoji_name": "thumbsup"})
    assert slack_stub.last.json == {"channel": "C0GENERAL", "timestamp": "1700000000.000100", "name": "thumbsup"}
    assert out == {"ok": True}


@pytest.mark.parametrize(
    ("action", "values", "path"),
    [
        ("delete_message", {"channel": "C0GENERAL", "timestamp": "1700000000.000100"}, "/chat.delete"),
        ("get_thread_replies", {"channel": "C0GENERAL", "thread_ts": "1700000000.000100"}, "/conversations.replies"),
        ("find_user_by_email", {"email": "bob@example.com"}, "/users.lookupByEmail"),
        ("find_user_by_id", {"user_id": "U0ALICE"}, "/users.info"),
        ("get_message_permalink", {"channel": "C0GENERAL", "timestamp": "1.5"}, "/chat.getPermalink"),
        ("create_channel", {"name": "new-one"}, "/conversations.create"),
        ("set_channel_topic", {"channel": "C0GENERAL", "topic": "t"}, "/conversations.setTopic"),
        ("invite_user_to_channel", {"channel": "C0GENERAL", "user": "U0BOB"}, "/conversations.invite"),
        ("send_ephemeral_message", {"channel": "C0GENERAL", "user": "U0BOB", "text": "psst"}, "/chat.postEphemeral"),
        ("schedule_message", {"channel": "C0GENERAL", "text": "later", "post_at": 1800000000.0},
         "/chat.scheduleMessage"),
    ],
)
def test_further_actions_reach_their_method(
    http: httpx.Client, slack_stub: SlackStub, action: str, values: dict[str, Any], path: str
) -> None:
    out = run(http, slack_stub, action, values)
    assert slack_stub.last.path == path
    assert out["ok"] is True


def test_ok_false_becomes_action_failed_with_the_slack_error(http: httpx.Client, slack_stub: SlackStub) -> None:
    with pytest.raises(ApiError) as caught:
        run(http, slack_stub, "send_channel_message", {"channel": "C0NOPE", "text": "x"})
    err = caught.value
    assert err.code == ErrorCode.ACTION_FAILED and err.status == 400
    assert err.details is not None
    assert err.details["providerStatus"] == 200
    assert err.details["providerMessage"] == "channel_not_found"
    assert err.details["providerError"] == "channel_not_found"
    assert "channel_not_found" in err.message


def test_wrong_token_is_invalid_auth_and_the_token_never_shows(http: httpx.Client, slack_stub: SlackStub) -> None:
    secret = "xoxb-canary-secret-987654321"
    with pytest.raises(ApiError) as caught:
        run(http, slack_stub, "list_channels", {}, token=secret)
    assert caught.value.details is not None and caught.value.details["providerError"] == "invalid_auth"
    assert secret not in repr(caught.value.to_body()) + str(caught.value) + repr(caught.value)


def test_429_with_retry_after_is_retried_and_succeeds(http: httpx.Client, slack_stub: SlackStub) -> None:
    slack_stub.fail_next(429, n=2, retry_after=3)
    sleep = SleepRecorder()
    out = run(http, slack_stub, "send_channel_message", {"channel": "C0ALERTS", "text": "eventually"}, sleep=sleep)
    assert out["ok"] is True
    assert sleep.waits == [3.0, 3.0]
    assert [r.path for r in slack_stub.requests] == ["/chat.postMessage"] * 3
    assert sum(1 for m in slack_stub.messages["C0ALERTS"] if m["text"] == "eventually") == 1


def test_invalid_input_is_a_validation_error_naming_the_field(store: Store, sdk_catalog: Catalog,
                                                              slack_stub: SlackStub) -> None:
    # The engine checks the input against the catalog's schema once, before the action sends anything.
    with native_engine(store, sdk_catalog, "slack") as engine:
        conn = engine.connection("slack", "bot", SLACK_TOKEN, slack_stub.url)
        error = engine.error("slack", "send_channel_message", {"text": "no channel"}, connection_external_id=conn)
        assert engine.execute("slack", "send_channel_message", {"channel": "C0ALERTS", "text": "sent"},
                              connection_external_id=conn)["ok"] is True
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.details is not None
    assert error.details["fields"][0]["field"] == "channel"
    assert [r.path for r in slack_stub.requests] == ["/chat.postMessage"]  # the valid call only
