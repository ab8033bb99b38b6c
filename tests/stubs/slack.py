"""A Slack Web API stub: ``/<method>`` (or ``/api/<method>``), arguments from query, form or JSON body.

Answers as Slack does: HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": "<code>"}``; a wrong token is
``invalid_auth``; an unknown method ``unknown_method``. Seed data: channels ``C0GENERAL`` (general) and ``C0ALERTS``
(alerts), users ``U0ALICE`` (alice@example.com), ``U0BOB`` (bob@example.com) and the deleted ``U0GONE``, and one message
in general; user group ``S0DEVS`` (devs: Alice), a bookmark ``Bk0DOCS`` in general, the scheduled message ``Q0SEED`` in
general, the file ``F0REPORT`` and the canvas ``F0CANVAS`` (shared in general). The token's own profile is the bot's.
conversations.list, users.list and chat.scheduledMessages.list page with ``limit`` and an opaque ``cursor``
(``response_metadata.next_cursor``, empty on the last page); ``stub.page_size`` caps a page below ``limit``, as
Slack may return fewer than asked. conversations.history lists newest first, after ``oldest`` and before ``latest``
(``inclusive`` includes them), in pages the same way with ``has_more``; ``say`` and ``react_as`` post and react as
a user would.
"""

from __future__ import annotations

import base64
import json
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
        self.own_profile: dict[str, Any] = {"display_name": "stub-bot", "real_name": "Stub Bot", "status_text": "",
                                            "status_emoji": "", "status_expiration": 0}
        self.scheduled: list[dict[str, Any]] = [
            {"id": "Q0SEED", "channel_id": "C0GENERAL", "post_at": 1800000000, "date_created": 1700000000,
             "text": "later"}]
        self.usergroups: dict[str, dict[str, Any]] = {
            "S0DEVS": {"id": "S0DEVS", "team_id": "T0STUB", "name": "Developers", "handle": "devs",
                       "description": "", "date_delete": 0, "users": ["U0ALICE"], "user_count": 1,
                       "prefs": {"channels": [], "groups": []}}}
        self.bookmarks: dict[str, list[dict[str, Any]]] = {
            "C0GENERAL": [{"id": "Bk0DOCS", "channel_id": "C0GENERAL", "title": "Docs", "link": "https://docs.example",
                           "emoji": ":books:", "type": "link"}]}
        self.files: dict[str, dict[str, Any]] = {
            "F0REPORT": {"id": "F0REPORT", "name": "report.csv", "title": "Report", "filetype": "csv",
                         "mimetype": "text/csv", "size": 12, "channels": ["C0GENERAL"]},
            "F0CANVAS": {"id": "F0CANVAS", "name": "Runbook", "title": "Runbook", "filetype": "quip",
                         "pretty_type": "Canvas", "channels": ["C0GENERAL"], "sections": ["# Runbook"]},
        }
        self._serial = 0
        self.upload_base = ""  # files.getUploadURLExternal's upload host: a SlackUploadStub's URL, set by the test
        self.pending_uploads: dict[str, dict[str, Any]] = {}

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
            "chat.scheduleMessage": self._schedule,
            "chat.scheduledMessages.list": self._scheduled_list,
            "chat.deleteScheduledMessage": self._delete_scheduled,
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
            "users.profile.get": self._profile,
            "users.profile.set": self._set_profile,
            "usergroups.list": self._usergroups,
            "usergroups.create": self._usergroup_create,
            "usergroups.update": lambda p: self._usergroup_change(p, p),
            "usergroups.enable": lambda p: self._usergroup_change(p, {"date_delete": 0}),
            "usergroups.disable": lambda p: self._usergroup_change(p, {"date_delete": 1700000500}),
            "usergroups.users.update": self._usergroup_users,
            "bookmarks.add": self._bookmark_add,
            "bookmarks.list": lambda p: self._need_channel_id(p) or {
                "ok": True, "bookmarks": self.bookmarks.get(p["channel_id"], [])},
            "bookmarks.edit": self._bookmark_edit,
            "bookmarks.remove": self._bookmark_remove,
            "files.info": lambda p: {"ok": True, "file": self._public(self.files[p["file"]])}
            if p.get("file") in self.files else {"ok": False, "error": "file_not_found"},
            "files.list": self._files,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "canvases.create": lambda p: self._canvas_create(p, []),
            "conversations.canvases.create": self._channel_canvas,
            "canvases.edit": self._canvas_edit,
            "canvases.delete": lambda p: {"ok": True} if self.files.pop(str(p.get("canvas_id")), None)
            else {"ok": False, "error": "canvas_not_found"},
            "search.messages": self._search,
            "auth.test": lambda p: {"ok": True, "user_id": "U0BOT", "team": "stub"},
        }

    def _ts(self) -> str:
        self._clock += 1
        return f"{self._clock}.000200"

    # --- what users do (for the polling triggers' tests) -----------------------------------------------------
    def say(self, channel: str, text: str, *, user: str = "U0ALICE", bot: bool = False) -> dict[str, Any]:
        """A message posted to ``channel`` by ``user`` (or by a bot, with ``bot_id``)."""
        message: dict[str, Any] = {"type": "message", "text": text, "ts": self._ts(),
                                   **({"bot_id": "B0BOT", "subtype": "bot_message"} if bot else {"user": user})}
        self.messages.setdefault(channel, []).append(message)
        return message

    def react_as(self, channel: str, ts: str, name: str, user: str) -> None:
        """``user`` adds the reaction ``name`` to the message ``ts``."""
        message = self._find({"channel": channel, "ts": ts}, "ts")
        assert message is not None
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reactions.append({"name": name, "users": [user], "count": 1})
        elif user not in reaction["users"]:
            reaction["users"].append(user)
            reaction["count"] += 1

    def _need_channel(self, p: dict[str, Any]) -> dict[str, Any] | None:
        if p.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return None

    def _need_channel_id(self, p: dict[str, Any]) -> dict[str, Any] | None:
        return self._need_channel({"channel": p.get("channel_id")})

    def _id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:04d}"

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
        newest_first = list(reversed(self.messages.get(p["channel"], [])))
        inclusive = _flag(p.get("inclusive"))
        if p.get("latest"):
            latest = float(p["latest"])
            newest_first = [m for m in newest_first
                            if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        if p.get("oldest"):
            oldest = float(p["oldest"])
            newest_first = [m for m in newest_first
                            if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)]
        page = self._paged(p, "messages", newest_first)
        return {**page, "has_more": bool(page.get("response_metadata", {}).get("next_cursor"))}

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


    # --- scheduled messages, profiles -------------------------------------------------------------------------------
    def _schedule(self, p: dict[str, Any]) -> dict[str, Any]:
        missing = self._need_channel(p)
        if missing:
            return missing
        item = {"id": self._id("Q"), "channel_id": p["channel"], "post_at": int(p.get("post_at") or 0),
                "date_created": self._clock, "text": p.get("text", "")}
        self.scheduled.append(item)
        return {"ok": True, "channel": p["channel"], "scheduled_message_id": item["id"], "post_at": item["post_at"],
                "message": {"type": "message", "text": item["text"], "user": "U0BOT"}}

    def _scheduled_list(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("channel") and self._need_channel(p):
            return {"ok": False, "error": "invalid_channel"}
        items = [m for m in self.scheduled if not p.get("channel") or m["channel_id"] == p["channel"]]
        items = [m for m in items if (not p.get("oldest") or m["post_at"] >= float(p["oldest"]))
                 and (not p.get("latest") or m["post_at"] <= float(p["latest"]))]
        return self._paged(p, "scheduled_messages", items)

    def _delete_scheduled(self, p: dict[str, Any]) -> dict[str, Any]:
        for item in self.scheduled:
            if item["id"] == p.get("scheduled_message_id") and item["channel_id"] == p.get("channel"):
                self.scheduled.remove(item)
                return {"ok": True}
        return {"ok": False, "error": "invalid_scheduled_message_id"}

    def _profile(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("user"):
            return {"ok": True, "profile": self.own_profile}
        user = self.users.get(str(p["user"]))
        return {"ok": True, "profile": user["profile"]} if user else {"ok": False, "error": "user_not_found"}

    def _set_profile(self, p: dict[str, Any]) -> dict[str, Any]:
        profile = _object(p.get("profile"))
        if profile is None:
            return {"ok": False, "error": "invalid_profile"}
        self.own_profile.update(profile)
        return {"ok": True, "profile": self.own_profile}

    # --- user groups ----------------------------------------------------------------------------------------------
    def _usergroups(self, p: dict[str, Any]) -> dict[str, Any]:
        groups = [g for g in self.usergroups.values() if not g["date_delete"]]
        if not _flag(p.get("include_users")):
            groups = [{k: v for k, v in g.items() if k != "users"} for g in groups]
        return {"ok": True, "usergroups": groups}

    def _usergroup_create(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("name"):
            return {"ok": False, "error": "invalid_name"}
        if any(g["name"] == p["name"] or g["handle"] == p.get("handle") for g in self.usergroups.values()):
            return {"ok": False, "error": "name_already_exists"}
        group = {"id": self._id("S"), "team_id": "T0STUB", "name": p["name"], "handle": p.get("handle", ""),
                 "description": p.get("description", ""), "date_delete": 0, "users": [], "user_count": 0,
                 "prefs": {"channels": _ids(p.get("channels")), "groups": []}}
        self.usergroups[group["id"]] = group
        return {"ok": True, "usergroup": group}

    def _usergroup_change(self, p: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(p.get("usergroup")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        for key in ("name", "handle", "description", "date_delete"):
            if key in change:
                group[key] = change[key]
        if "channels" in change:
            group["prefs"]["channels"] = _ids(change["channels"])
        return {"ok": True, "usergroup": group}

    def _usergroup_users(self, p: dict[str, Any]) -> dict[str, Any]:
        users = _ids(p.get("users"))
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "invalid_users"}
        group = self.usergroups.get(str(p.get("usergroup")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        group.update(users=users, user_count=len(users))
        return {"ok": True, "usergroup": group if _flag(p.get("include_count"))
                else {k: v for k, v in group.items() if k != "user_count"}}

    # --- bookmarks ------------------------------------------------------------------------------------------------
    def _bookmark_add(self, p: dict[str, Any]) -> dict[str, Any]:
        missing = self._need_channel_id(p)
        if missing:
            return missing
        if p.get("type") != "link" or not p.get("title"):
            return {"ok": False, "error": "invalid_bookmark_type" if p.get("type") != "link" else "invalid_title"}
        bookmark = {"id": self._id("Bk"), "channel_id": p["channel_id"], "type": "link",
                    **{k: p.get(k) for k in ("title", "link", "emoji", "parent_id") if p.get(k) is not None}}
        self.bookmarks.setdefault(p["channel_id"], []).append(bookmark)
        return {"ok": True, "bookmark": bookmark}

    def _bookmark(self, p: dict[str, Any]) -> dict[str, Any] | None:
        return next((b for b in self.bookmarks.get(str(p.get("channel_id")), []) if b["id"] == p.get("bookmark_id")),
                    None)

    def _bookmark_edit(self, p: dict[str, Any]) -> dict[str, Any]:
        bookmark = self._bookmark(p)
        if bookmark is None:
            return {"ok": False, "error": "not_found"}
        bookmark.update({k: p[k] for k in ("title", "link", "emoji") if p.get(k) is not None})
        return {"ok": True, "bookmark": bookmark}

    def _bookmark_remove(self, p: dict[str, Any]) -> dict[str, Any]:
        bookmark = self._bookmark(p)
        if bookmark is None:
            return {"ok": False, "error": "not_found"}
        self.bookmarks[p["channel_id"]].remove(bookmark)
        return {"ok": True}

    # --- files and canvases ---------------------------------------------------------------------------------------
    @staticmethod
    def _public(file: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in file.items() if k != "sections"}

    def _files(self, p: dict[str, Any]) -> dict[str, Any]:
        files = [f for f in self.files.values()
                 if (p.get("types") != "canvas" or f["filetype"] == "quip")
                 and (not p.get("channel") or p["channel"] in f["channels"])]
        count, number = int(p.get("count") or 100), int(p.get("page") or 1)
        pages = max(1, -(-len(files) // count))
        return {"ok": True, "files": [self._public(f) for f in files[(number - 1) * count:number * count]],
                "paging": {"count": count, "total": len(files), "page": number, "pages": pages}}

    def _upload_url(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length") or "").isdigit() or int(p["length"]) == 0:
            return {"ok": False, "error": "missing_argument"}
        file_id = self._id("F0U")
        self.pending_uploads[file_id] = {"name": p["filename"], "length": int(p["length"])}
        return {"ok": True, "upload_url": f"{self.upload_base}/upload/v1/{file_id}", "file_id": file_id}

    def _complete_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in files:
            pending = self.pending_uploads.pop(str(item.get("id")), None)
            if pending is None:
                return {"ok": False, "error": "file_not_found"}
            self.files[item["id"]] = {"id": item["id"], "name": pending["name"], "title": item.get("title"),
                                      "filetype": "text", "size": pending["length"],
                                      "channels": _ids(p.get("channels"))}
            done.append({"id": item["id"], "title": item.get("title")})
        return {"ok": True, "files": done}

    def _canvas_create(self, p: dict[str, Any], channels: list[str]) -> dict[str, Any]:
        content = _object(p.get("document_content"))
        if content is not None and content.get("type") != "markdown":
            return {"ok": False, "error": "canvas_creation_failed"}
        canvas_id = self._id("F0C")
        self.files[canvas_id] = {"id": canvas_id, "name": p.get("title") or "Untitled", "title": p.get("title") or "",
                                 "filetype": "quip", "pretty_type": "Canvas", "channels": channels,
                                 "sections": [content["markdown"]] if content else []}
        return {"ok": True, "canvas_id": canvas_id}

    def _channel_canvas(self, p: dict[str, Any]) -> dict[str, Any]:
        missing = self._need_channel_id(p)
        if missing:
            return missing
        if any(p["channel_id"] in f["channels"] and f.get("channel_canvas") for f in self.files.values()):
            return {"ok": False, "error": "channel_canvas_already_exists"}
        answer = self._canvas_create(p, [p["channel_id"]])
        self.files[answer["canvas_id"]]["channel_canvas"] = True
        return answer

    def _canvas_edit(self, p: dict[str, Any]) -> dict[str, Any]:
        canvas = self.files.get(str(p.get("canvas_id")))
        if canvas is None or canvas["filetype"] != "quip":
            return {"ok": False, "error": "canvas_not_found"}
        changes = p.get("changes")
        changes = json.loads(changes) if isinstance(changes, str) else changes
        if not isinstance(changes, list) or len(changes) != 1:
            return {"ok": False, "error": "invalid_changes"}
        change = changes[0]
        if change.get("operation") == "rename":
            canvas["title"] = change["title_content"]["markdown"]
        elif change.get("operation") == "insert_at_end":
            canvas["sections"].append(change["document_content"]["markdown"])
        elif change.get("operation") == "insert_at_start":
            canvas["sections"].insert(0, change["document_content"]["markdown"])
        elif change.get("operation") not in ("insert_after", "insert_before", "replace", "delete"):
            return {"ok": False, "error": "invalid_changes"}
        return {"ok": True}

    def _search(self, p: dict[str, Any]) -> dict[str, Any]:
        query = str(p.get("query") or "")
        if not query:
            return {"ok": False, "error": "no_query"}
        matches = [{**m, "channel": {"id": cid, "name": self.channels[cid].get("name")},
                    "permalink": f"https://stub.slack.com/archives/{cid}/p{m['ts'].replace('.', '')}"}
                   for cid, messages in self.messages.items() for m in messages if query.lower() in m["text"].lower()]
        if p.get("sort") == "timestamp":
            matches.sort(key=lambda m: float(m["ts"]), reverse=True)
        count = int(p.get("count") or 20)
        return {"ok": True, "query": query, "messages": {
            "total": len(matches), "matches": matches[:count],
            "pagination": {"total_count": len(matches), "page": 1, "per_page": count}}}


class SlackUploadStub(ProviderStub):
    """Slack's upload host (files.slack.com): ``POST /upload/v1/<file id>`` takes the bytes, needs no token, and
    answers ``OK - <length>`` as text; ``GET /source/notes.txt`` is a file to upload from its URL."""

    name = "slack-upload"
    token = None

    def handle(self, request: RecordedRequest) -> Response:
        if request.method == "GET" and request.path == "/source/notes.txt":  # a file_url to fetch from
            return Response("notes from a URL", media_type="text/plain")
        if request.method != "POST" or not request.path.startswith("/upload/v1/"):
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(f"OK - {len(request.body)}", media_type="text/plain")


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _ids(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _object(value: Any) -> dict[str, Any] | None:
    # Slack takes an object argument as JSON, or as JSON text in a form or query.
    value = json.loads(value) if isinstance(value, str) else value
    return value if isinstance(value, dict) else None


def _fail(error: str) -> Response:
    return JSONResponse({"ok": False, "error": error})
