"""An Outlook mail stub over Microsoft Graph (:mod:`tests.stubs.graph`): mail folders and messages, in memory.

Seed data: folders ``inbox`` (Inbox, also reachable by its well-known name ``inbox``), ``archive`` (Archive) and
``drafts`` (Drafts); messages ``msg-1`` (read), ``msg-2`` and ``msg-3`` (unread) in the Inbox. ``$filter`` takes
``isRead eq true|false`` (anything else is a 400), ``$select`` picks the fields answered (``id`` always). sendMail,
reply and forward answer 202 with no body and are kept in ``stub.sent`` as ``(kind, message id or None, body)``;
moving a message gives it a new id, as Exchange does.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.graph import GraphStub, graph_error, not_found

WELL_KNOWN = {"inbox": "folder-inbox", "archive": "folder-archive", "drafts": "folder-drafts"}
_FILTER = re.compile(r"^isRead eq (true|false)$")


def _message(message_id: str, subject: str, folder: str, read: bool) -> dict[str, Any]:
    return {"id": message_id, "subject": subject, "parentFolderId": folder, "isRead": read,
            "from": {"emailAddress": {"address": "ada@example.com", "name": "Ada"}},
            "toRecipients": [{"emailAddress": {"address": "me@example.com"}}],
            "body": {"contentType": "text", "content": f"{subject} body"}, "importance": "normal",
            "receivedDateTime": "2026-12-01T09:00:00Z", "isDraft": False}


def _valid_recipients(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(r, dict) and isinstance(r.get("emailAddress"), dict) and r["emailAddress"].get("address")
        for r in value)


def _valid_message(message: Any) -> str | None:
    if not isinstance(message, dict) or not _valid_recipients(message.get("toRecipients")):
        return "toRecipients must be a list of {emailAddress: {address}}"
    body = message.get("body")
    if not isinstance(body, dict) or str(body.get("contentType")).lower() not in ("text", "html"):
        return "body must be {contentType: text|html, content}"
    return None


class OutlookStub(GraphStub):
    name = "microsoft-outlook"

    def seed(self) -> None:
        self.folders = [{"id": fid, "displayName": name.title(), "totalItemCount": 0}
                        for name, fid in WELL_KNOWN.items()]
        self.messages: dict[str, dict[str, Any]] = {m["id"]: m for m in (
            _message("msg-1", "Welcome", "folder-inbox", True),
            _message("msg-2", "Invoice", "folder-inbox", False),
            _message("msg-3", "Lunch?", "folder-inbox", False),
        )}
        self.sent: list[tuple[str, str | None, Any]] = []
        self.page_size = None

    def route(self, request: RecordedRequest, path: str) -> Response:
        method = request.method
        if path == "/me/mailFolders" and method == "GET":
            return self.paged(request, self.folders)
        found = re.fullmatch(r"/me/mailFolders/([^/]+)/messages", path)
        if found and method == "GET":
            return self._list(request, WELL_KNOWN.get(found.group(1), found.group(1)))
        if path == "/me/sendMail" and method == "POST":
            problem = _valid_message((request.json or {}).get("message"))
            if problem:
                return graph_error(400, problem, "ErrorInvalidRecipients")
            self.sent.append(("send", None, request.json))
            return Response(status_code=202)
        if path == "/me/messages" and method == "POST":
            return self._draft(request)
        found = re.fullmatch(r"/me/messages/([^/]+)(?:/(reply|forward|move))?", path)
        if not found:
            return not_found()
        message = self.messages.get(found.group(1))
        if message is None:
            return graph_error(404, "The specified object was not found in the store.", "ErrorItemNotFound")
        verb = found.group(2)
        if verb is None and method == "GET":
            return JSONResponse(_select(message, request.query.get("$select")))
        if verb in ("reply", "forward") and method == "POST":
            return self._respond(request, verb, message)
        if verb == "move" and method == "POST":
            return self._move(request, message)
        return not_found()

    def _list(self, request: RecordedRequest, folder_id: str) -> Response:
        if not any(f["id"] == folder_id for f in self.folders):
            return graph_error(404, "The specified folder could not be found in the store.", "ErrorItemNotFound")
        items = [m for m in self.messages.values() if m["parentFolderId"] == folder_id]
        if "$filter" in request.query:
            found = _FILTER.match(request.query["$filter"])
            if found is None:
                return graph_error(400, "Invalid filter clause", "BadRequest")
            items = [m for m in items if m["isRead"] == (found.group(1) == "true")]
        return self.paged(request, [_select(m, request.query.get("$select")) for m in items])

    def _draft(self, request: RecordedRequest) -> Response:
        problem = _valid_message(request.json)
        if problem:
            return graph_error(400, problem, "ErrorInvalidRecipients")
        draft = {**_message(f"draft-{len(self.messages)}", request.json.get("subject", ""), "folder-drafts", True),
                 **request.json, "isDraft": True}
        self.messages[draft["id"]] = draft
        return JSONResponse(draft, status_code=201)

    def _respond(self, request: RecordedRequest, verb: str, message: dict[str, Any]) -> Response:
        body = request.json or {}
        if verb == "forward" and not _valid_recipients(body.get("toRecipients")):
            return graph_error(400, "toRecipients must be a list of {emailAddress: {address}}",
                               "ErrorInvalidRecipients")
        self.sent.append((verb, message["id"], body))
        return Response(status_code=202)

    def _move(self, request: RecordedRequest, message: dict[str, Any]) -> Response:
        destination = (request.json or {}).get("destinationId", "")
        destination = WELL_KNOWN.get(destination, destination)
        if not any(f["id"] == destination for f in self.folders):
            return graph_error(404, "The specified folder could not be found in the store.", "ErrorItemNotFound")
        del self.messages[message["id"]]
        moved = {**message, "id": message["id"] + "-moved", "parentFolderId": destination}
        self.messages[moved["id"]] = moved
        return JSONResponse(moved, status_code=201)


def _select(message: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return message
    names = {"id", *(n.strip() for n in select.split(","))}
    return {k: v for k, v in message.items() if k in names}
