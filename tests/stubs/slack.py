"""A Slack Web API stub: ``/<method>`` (or ``/api/<method>``), arguments from query, form or JSON body.

Answers as Slack does: HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": "<code>"}``; a wrong token is
``invalid_auth``; an unknown method ``unknown_method``. Seed data: channels ``C0GENERAL`` (general) and ``C0ALERTS``
(alerts), users ``U0ALICE`` (alice@example.com), ``U0BOB`` (bob@example.com) and the deleted ``U0GONE``, and one message
in general.
conversations.list and users.list page with ``limit`` and an opaque ``cursor`` (``response_metadata.next_cursor``,
empty on the last page); ``stub.page_size`` caps a page below ``limit``, as Slack may return fewer than asked.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

SLACK_TOKEN = "xoxb-stub-token-0123456789"


class SlackStub(ProviderStub):
    name = "slack"
    token = SLACK_TOKEN

    def seed(self) -> None:
        self.channels: dict[str, dict[str, Any]] = {
            "C0GENERAL": {"id": "C0GENERAL", "name": "general", "is_channel": True, "is_archived": False,
                          "is_private": False, "topic": {"value": ""}},
            "C0ALERTS": {"id": "C0ALERTS", "name": "alerts", "is_channel": True, "is_archived": False,
                         "is_private": False, "topic": {"value": ""}},
            "C0OLD": {"id": "C0OLD", "name": "old", "is_channel": True, "is_archived": True,
                      "is_private": False, "topic": {"value": ""}},
        }
        self.users: dict[str, dict[str, Any]] = {
            "U0ALICE": {"id": "U0ALICE", "name": "alice", "real_name": "Alice Liddell",
                        "profile": {"email": "alice@example.com"}},
            "U0BOB": {"id": "U0BOB", "name": "bob", "real_name": "Bob Builder",
                      "profile": {"email": "bob@example.com"}},
            "U0GONE": {"id": "U0GONE", "name": "gone", "deleted": True, "profile": {"email": "gone@example.com"}},
        }
        self.page_size: int | None = None  # None: a page holds up to ``limit``
        self.messages: dict[str, list[dict[str, Any]]] = {
            "C0GENERAL": [{"type": "message", "user": "U0ALICE", "text": "hello", "ts": "1700000000.000100"}],
        }
        self._clock = 1700000100

    def error_body(self, status: int, message: str) -> Any:
        return {"ok": False, "error": "ratelimited" if status == 429 else message.replace(" ", "_")}

    def auth_error(self) -> Response:
        return JSONResponse({"ok": False, "error": "invalid_auth"})

    def handle(self, request: RecordedRequest) -> Response:
        method = request.path.removeprefix("/api").lstrip("/")
        handler = self._methods().get(method)
        if handler is None:
            return _fail("unknown_method")
        return JSONResponse(handler(request.params()))

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": lambda p: self._need_channel(p) or {"ok": True, "message_ts": self._ts()},
            "chat.scheduleMessage": lambda p: self._need_channel(p) or {
                "ok": True, "channel": p["channel"], "scheduled_message_id": "Q0001", "post_at": p.get("post_at")},
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "conversations.open": self._open,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.list": self._list,
            "conversations.create": lambda p: {"ok": True, "channel": {"id": "C0NEW", "name": p.get("name"),
                                                                        "is_private": bool(p.get("is_private"))}},
            "conversations.setTopic": lambda p: self._need_channel(p) or {
                "ok": True, "channel": {**self.channels[p["channel"]], "topic": {"value": p.get("topic")}}},
            "conversations.invite": lambda p: self._need_channel(p) or {"ok": True,
                                                                        "channel": self.channels[p["channel"]]},
            "reactions.add": self._react,
            "users.lookupByEmail": self._by_email,
            "users.list": self._users,
            "users.info": lambda p: {"ok": True, "user": self.users[p["user"]]} if p.get("user") in self.users
            else {"ok": False, "error": "user_not_found"},
            "auth.test": lambda p: {"ok": True, "user_id": "U0BOT", "team": "stub"},
        }

    def _ts(self) -> str:
        self._clock += 1
        return f"{self._clock}.000200"

    def _need_channel(self, p: dict[str, Any]) -> dict[str, Any] | None:
        if p.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return None

    def _find(self, p: dict[str, Any], key: str) -> dict[str, Any] | None:
        for message in self.messages.get(str(p.get("channel")), []):
            if message["ts"] == p.get(key):
                return message
        return None

    def _post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        missing = self._need_channel(p)
        if missing:
            return missing
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        message: dict[str, Any] = {"type": "message", "user": "U0BOT", "text": p.get("text", ""), "ts": self._ts()}
        for key in ("blocks", "thread_ts"):
            if p.get(key) is not None:
                message[key] = p[key]
        self.messages.setdefault(p["channel"], []).append(message)
        return {"ok": True, "channel": p["channel"], "ts": message["ts"], "message": message}

    def _update(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._find(p, "ts")
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message["text"] = p.get("text", message["text"])
        return {"ok": True, "channel": p["channel"], "ts": message["ts"], "text": message["text"], "message": message}

    def _delete(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._find(p, "ts")
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        self.messages[p["channel"]].remove(message)
        return {"ok": True, "channel": p["channel"], "ts": p["ts"]}

    def _permalink(self, p: dict[str, Any]) -> dict[str, Any]:
        missing = self._need_channel(p)
        if missing:
            return missing
        ts = str(p.get("message_ts", "")).replace(".", "")
        return {"ok": True, "channel": p["channel"], "permalink": f"https://stub.slack.com/archives/{p['channel']}/p{ts}"}

    def _open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        channel = "D" + user
        self.channels.setdefault(channel, {"id": channel, "is_im": True, "user": user, "is_archived": False})
        return {"ok": True, "channel": {"id": channel}}

    def _history(self, p: dict[str, Any]) -> dict[str, Any]:
        missing = self._need_channel(p)
        if missing:
            return missing
        limit = int(p.get("limit") or 100)
        newest_first = list(reversed(self.messages.get(p["channel"], [])))
        return {"ok": True, "messages": newest_first[:limit], "has_more": len(newest_first) > limit}

    def _replies(self, p: dict[str, Any]) -> dict[str, Any]:
        parent = self._find(p, "ts")
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        replies = [m for m in self.messages[p["channel"]] if m.get("thread_ts") == p["ts"]]
        return {"ok": True, "messages": [parent, *replies], "has_more": False}

    def _list(self, p: dict[str, Any]) -> dict[str, Any]:
        channels = [c for c in self.channels.values() if not c.get("is_im")]
        if str(p.get("exclude_archived")).lower() == "true":
            channels = [c for c in channels if not c["is_archived"]]
        return self._paged(p, "channels", channels)

    def _users(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._paged(p, "members", list(self.users.values()))

    def _paged(self, p: dict[str, Any], key: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        try:
            start = int(base64.b64decode(str(p["cursor"])).decode().removeprefix("next:")) if p.get("cursor") else 0
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        limit = int(p.get("limit") or 100)
        size = min(limit, self.page_size) if self.page_size else limit
        end = start + size
        cursor = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
        return {"ok": True, key: list(items[start:end]), "response_metadata": {"next_cursor": cursor}}

    def _react(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._find(p, "timestamp")
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if not p.get("name"):
            return {"ok": False, "error": "invalid_name"}
        reactions = message.setdefault("reactions", [])
        if any(r["name"] == p["name"] for r in reactions):
            return {"ok": False, "error": "already_reacted"}
        reactions.append({"name": p["name"], "users": ["U0BOT"], "count": 1})
        return {"ok": True}

    def _by_email(self, p: dict[str, Any]) -> dict[str, Any]:
        for user in self.users.values():
            if user["profile"]["email"] == p.get("email"):
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}


def _fail(error: str) -> Response:
    return JSONResponse({"ok": False, "error": error})
