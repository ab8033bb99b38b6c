"""Slack's POLLING triggers over one channel's history: new messages, new mentions of a user, new reactions.

Names and props follow Activepieces' Slack piece (``new_message``, ``new_mention`` with ``user`` and ``ignoreBots``,
``new_reaction`` with ``emojis``); ``channel`` is a channel id, as for the actions. Facts, from api.slack.com:

- methods/conversations.history: ``channel``, ``oldest`` (only messages after it; exclusive without
  ``inclusive``), ``limit`` (up to 1000; 200 recommended), ``cursor``; answers ``messages`` newest first, ``has_more``
  and ``response_metadata.next_cursor``. It lists top-level messages: thread replies are not in it (only those also
  sent to the channel). A message's ``ts`` is unique within its channel and has the fixed form
  ``<10-digit seconds>.<6 digits>``, so it orders as a string and serves as the watermark.
- A bot's message carries ``bot_id`` (and ``subtype`` ``bot_message`` for integrations without a bot user):
  messaging/retrieving, reference/events/message/bot_message.
- A user is mentioned as ``<@U0123ABC>`` in the text (reference/surfaces/formatting, "Mentioning users");
  methods/auth.test answers the token's own ``user_id``, watched when ``user`` is not given.
- Reactions are listed on each message as ``reactions: [{name, users, count}]`` (methods/reactions.get; the same
  objects in history). Slack gives no time for a reaction, so ``new_reaction`` compares the reactions on the channel's
  last :data:`REACTION_WINDOW` messages with those seen last time: a reaction to an older message is not seen.

Bounds: a poll reads at most :data:`MAX_PAGES` pages of :data:`PAGE` messages, to end well within the engine's
execute deadline (more new messages than that within one interval: the oldest of them are skipped); the reactions
cursor keeps at most :data:`MAX_REACTIONS` digests of 16 hex characters (about 19 KB).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.slack_api import PAGE, get, next_cursor
from weavz_flow.integrations.trigger_base import Cursor, NativeTrigger, PollResult, TriggerEvent
from weavz_flow.integrations.trigger_watermark import Stamped, Watermark, advance

MAX_PAGES = 10
REACTION_WINDOW = 100
MAX_REACTIONS = 1000

CHANNEL = InputField("channel", "string", required=True, display_name="Channel",
                     description="The channel to watch (its id, e.g. C0123ABC).")
IGNORE_BOTS = InputField("ignoreBots", "boolean", default=False, display_name="Ignore bot messages",
                         description="Leave out messages sent by bots.")
USER = InputField("user", "string", display_name="User",
                  description="The user whose mentions fire (an id, e.g. U0123ABC); default: the connection's own.")
EMOJIS = InputField("emojis", "array", display_name="Emojis",
                    description="Only these reactions (names without colons, e.g. fire); default: any.")

SAMPLE_MESSAGE: dict[str, Any] = {
    "type": "message", "user": "U012AB3CDE", "text": "I find you punny and would like to smell your nose letter",
    "ts": "1512085950.000216", "team": "T012AB3C4", "channel": "C123ABC456",
    "blocks": [{"type": "rich_text", "block_id": "2Bz", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "I find you punny and would like to smell your nose letter"}]}]}],
}
SAMPLE_MENTION: dict[str, Any] = {**SAMPLE_MESSAGE, "text": "<@U061F7AUR> the build is green"}
SAMPLE_REACTION: dict[str, Any] = {
    "reaction": "thumbsup", "user": "U061F7AUR", "channel": "C123ABC456",
    "message": {"type": "message", "user": "U012AB3CDE", "text": "Ship it?", "ts": "1512085950.000216"},
}


def ts_time(ts: str) -> str | None:
    """A Slack ``ts`` as ISO 8601 UTC."""
    try:
        return datetime.fromtimestamp(float(ts), UTC).isoformat().replace("+00:00", "Z")
    except (ValueError, OverflowError):
        return None


def _history(ctx: ActionContext, channel: str, oldest: str | None, limit: int) -> Iterator[dict[str, Any]]:
    """The channel's messages after ``oldest`` (all, without it), newest first, at most MAX_PAGES pages."""
    query: dict[str, Any] = {"channel": channel, "limit": limit, **({"oldest": oldest} if oldest else {})}
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        body = get(ctx, "/conversations.history", {**query, **({"cursor": cursor} if cursor else {})})
        yield from (m for m in body.get("messages") or () if isinstance(m, dict) and isinstance(m.get("ts"), str))
        cursor = next_cursor(body)
        if not cursor or not body.get("has_more", True):
            return


def _by_bot(message: Mapping[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


def _stamped(channel: str, message: dict[str, Any]) -> Stamped:
    return Stamped(message["ts"], message["ts"], {**message, "channel": channel}, occurred_at=ts_time(message["ts"]))


# Whether a message is an event: (input, cursor, message) -> bool.
MessageFilter = Callable[[Mapping[str, Any], Cursor, Mapping[str, Any]], bool]


@dataclass(frozen=True)
class ChannelMessages:
    """New messages of a channel that pass ``keep``; the watermark is the latest ``ts`` seen."""

    info: TriggerInfo
    keep: MessageFilter
    context: Callable[[ActionContext, Mapping[str, Any]], Cursor] = lambda ctx, input: {}  # kept in the cursor

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        latest = next(_history(ctx, input["channel"], None, 1), None)
        seen = [_stamped(input["channel"], latest)] if latest else []
        return {**self.context(ctx, input), **Watermark().after(seen).cursor()}

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        watermark = Watermark.of(cursor)
        messages = list(_history(ctx, input["channel"], watermark.mark, PAGE))
        seen = [_stamped(input["channel"], m) for m in messages]
        events, after = advance(watermark, seen)
        wanted = {m["ts"] for m in messages if self.keep(input, cursor, m)}
        return PollResult([e for e in events if e.id in wanted], {**cursor, **after.cursor()})


def _message_kept(input: Mapping[str, Any], cursor: Cursor, message: Mapping[str, Any]) -> bool:
    return not (input.get("ignoreBots") and _by_bot(message))


def _mention_kept(input: Mapping[str, Any], cursor: Cursor, message: Mapping[str, Any]) -> bool:
    return _message_kept(input, cursor, message) and f"<@{cursor.get('user')}>" in str(message.get("text") or "")


def _watched_user(ctx: ActionContext, input: Mapping[str, Any]) -> Cursor:
    user = input.get("user") or get(ctx, "/auth.test", {}).get("user_id")
    if not user:
        raise invalid_input(ctx, "user", "is required: the connection's token names no user")
    return {"user": str(user)}


@dataclass(frozen=True)
class ChannelReactions:
    """New reactions on the channel's last messages: (message, emoji, user) triples not in the cursor's digests."""

    info: TriggerInfo

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        return {"seen": [digest for digest, _ in self._reactions(ctx, input)][-MAX_REACTIONS:]}

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        seen = set(cursor.get("seen") or ())
        now = self._reactions(ctx, input)
        events = [event for digest, event in now if digest not in seen]
        return PollResult(events, {"seen": [digest for digest, _ in now][-MAX_REACTIONS:]})

    def _reactions(self, ctx: ActionContext, input: Mapping[str, Any]) -> list[tuple[str, TriggerEvent]]:
        """Every reaction on the window's messages, oldest message first, as (digest, event)."""
        channel = input["channel"]
        emojis = {str(e).strip(":") for e in input.get("emojis") or ()}
        window = list(islice(_history(ctx, channel, None, REACTION_WINDOW), REACTION_WINDOW))
        found: list[tuple[str, TriggerEvent]] = []
        for message in reversed(window):
            for reaction in message.get("reactions") or ():
                name = str(reaction.get("name"))
                if emojis and name not in emojis:
                    continue
                for user in reaction.get("users") or ():
                    key = f"{message['ts']}:{name}:{user}"
                    data = {"reaction": name, "user": user, "channel": channel, "message": {
                        k: message[k] for k in ("type", "user", "text", "ts", "thread_ts") if k in message}}
                    found.append((hashlib.sha256(key.encode()).hexdigest()[:16], TriggerEvent(key, data)))
        return found


def _trigger_info(name: str, display_name: str, description: str, fields: tuple[InputField, ...],
                  sample: Mapping[str, Any]) -> TriggerInfo:
    return TriggerInfo(integration="slack", name=name, display_name=display_name, description=description,
                       fields=fields, type="POLLING", sample_data=sample)


TRIGGERS: dict[str, NativeTrigger] = {
    "new_message": ChannelMessages(
        _trigger_info("new_message", "New Message Posted to Channel",
                      "Fires when a message is posted to the channel.", (CHANNEL, IGNORE_BOTS), SAMPLE_MESSAGE),
        _message_kept),
    "new_mention": ChannelMessages(
        _trigger_info("new_mention", "New Mention", "Fires when a message in the channel mentions the user.",
                      (CHANNEL, USER, IGNORE_BOTS), SAMPLE_MENTION),
        _mention_kept, _watched_user),
    "new_reaction": ChannelReactions(
        _trigger_info("new_reaction", "New Reaction",
                      "Fires when someone reacts to one of the channel's recent messages.", (CHANNEL, EMOJIS),
                      SAMPLE_REACTION)),
}
