"""Slack's polling triggers against the Slack stub over real HTTP: messages after the watermark oldest first, pages,
bots left out, mentions of a user, reactions compared with the last poll, failures that keep the cursor."""

from __future__ import annotations

import httpx
import pytest

from tests.integrations.polling import Poller
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.slack import INTEGRATION

GENERAL = "C0GENERAL"


@pytest.fixture
def poller(http: httpx.Client, slack_stub: SlackStub) -> Poller:
    return Poller(http, INTEGRATION, slack_stub.url, SLACK_TOKEN, {"channel": GENERAL})


def test_the_integration_lists_its_three_polling_triggers() -> None:
    triggers = INTEGRATION.catalog_entry().triggers
    assert sorted(triggers) == ["new_mention", "new_message", "new_reaction"]
    assert all(t.type == "POLLING" and t.required == ("channel",) and t.sample_data for t in triggers.values())


def test_new_messages_fire_oldest_first_and_once(poller: Poller, slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_message")  # the seed message exists already
    first, second = slack_stub.say(GENERAL, "one"), slack_stub.say(GENERAL, "two")
    slack_stub.say("C0ALERTS", "elsewhere")
    result = poller.poll("new_message", cursor)
    assert [e.id for e in result.events] == [first["ts"], second["ts"]]
    assert result.events[0].data["text"] == "one" and result.events[0].data["channel"] == GENERAL
    assert result.events[0].occurred_at is not None and result.events[0].occurred_at.endswith("Z")
    assert slack_stub.last.query["oldest"] == cursor["since"]
    assert poller.poll("new_message", result.cursor).events == []


def test_a_poll_reads_every_page_of_new_messages(poller: Poller, slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_message")
    slack_stub.page_size = 2
    texts = [f"m{n}" for n in range(5)]
    for text in texts:
        slack_stub.say(GENERAL, text)
    slack_stub.requests.clear()
    assert [e.data["text"] for e in poller.poll("new_message", cursor).events] == texts
    assert len(slack_stub.requests) == 3


def test_bot_messages_are_left_out_when_asked(poller: Poller, slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_message", ignoreBots=True)
    slack_stub.say(GENERAL, "beep", bot=True)
    human = slack_stub.say(GENERAL, "hi")
    result = poller.poll("new_message", cursor, ignoreBots=True)
    assert [e.id for e in result.events] == [human["ts"]]
    assert poller.poll("new_message", result.cursor, ignoreBots=True).events == []


def test_mentions_of_the_given_user_fire(poller: Poller, slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_mention", user="U0BOB")
    slack_stub.say(GENERAL, "no mention here")
    slack_stub.say(GENERAL, "<@U0ALICE> not bob")
    wanted = slack_stub.say(GENERAL, "ping <@U0BOB>")
    result = poller.poll("new_mention", cursor, user="U0BOB")
    assert [e.id for e in result.events] == [wanted["ts"]]


def test_mentions_default_to_the_connections_own_user(poller: Poller, slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_mention")
    assert cursor["user"] == "U0BOT"  # auth.test's user_id, asked once at baseline
    wanted = slack_stub.say(GENERAL, "<@U0BOT> deploy?")
    slack_stub.requests.clear()
    assert [e.id for e in poller.poll("new_mention", cursor).events] == [wanted["ts"]]
    assert [r.path for r in slack_stub.requests] == ["/conversations.history"]


def test_new_reactions_fire_once_and_existing_ones_never(poller: Poller, slack_stub: SlackStub) -> None:
    seed_ts = slack_stub.messages[GENERAL][0]["ts"]
    slack_stub.react_as(GENERAL, seed_ts, "eyes", "U0BOB")
    cursor = poller.baseline("new_reaction")
    later = slack_stub.say(GENERAL, "ship it?")
    slack_stub.react_as(GENERAL, later["ts"], "rocket", "U0ALICE")
    slack_stub.react_as(GENERAL, seed_ts, "eyes", "U0ALICE")
    result = poller.poll("new_reaction", cursor)
    assert [(e.data["reaction"], e.data["user"], e.data["message"]["ts"]) for e in result.events] == [
        ("eyes", "U0ALICE", seed_ts), ("rocket", "U0ALICE", later["ts"])]  # oldest message first
    assert poller.poll("new_reaction", result.cursor).events == []


def test_reactions_can_be_limited_to_some_emojis(poller: Poller, slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_reaction", emojis=["fire"])
    message = slack_stub.say(GENERAL, "hot take")
    slack_stub.react_as(GENERAL, message["ts"], "thumbsdown", "U0BOB")
    slack_stub.react_as(GENERAL, message["ts"], "fire", "U0BOB")
    events = poller.poll("new_reaction", cursor, emojis=[":fire:"]).events
    assert [e.data["reaction"] for e in events] == ["fire"]


@pytest.mark.parametrize("name", ["new_message", "new_mention", "new_reaction"])
def test_a_failed_poll_raises_and_the_old_cursor_still_finds_the_events(poller: Poller, slack_stub: SlackStub,
                                                                        name: str) -> None:
    cursor = poller.baseline(name)
    message = slack_stub.say(GENERAL, "<@U0BOT> while down")
    slack_stub.react_as(GENERAL, message["ts"], "fire", "U0BOB")
    slack_stub.fail_next(503)
    with pytest.raises(ApiError) as caught:
        poller.poll(name, cursor)
    assert caught.value.code == ErrorCode.ACTION_FAILED
    assert len(poller.poll(name, cursor).events) == 1


def test_a_missing_channel_and_a_refused_token_fail_without_the_token(poller: Poller,
                                                                      slack_stub: SlackStub) -> None:
    cursor = poller.baseline("new_message")
    with pytest.raises(ApiError) as missing:
        poller.poll("new_message", cursor, channel="C0NOPE")
    assert (missing.value.details or {})["providerError"] == "channel_not_found"
    canary = "xoxb-CANARY-trigger-token-never-shown"
    with pytest.raises(ApiError) as refused:
        poller.poll("new_message", cursor, token=canary)
    assert (refused.value.details or {})["providerError"] == "invalid_auth"
    assert canary not in f"{refused.value} {refused.value!r} {refused.value.to_body()}"
