"""A Gmail API v1 stub (``/gmail/v1/users/me/...``) with the People API (``/v1/...``) beside it, in memory.

Messages are kept as RFC 2822 bytes and answered as Gmail does by ``format`` (``full`` by default: ``payload`` with
``headers``, ``metadata`` with only ``metadataHeaders``, ``minimal``, ``raw`` base64url). Seed data: ``msg-lunch``
(thread ``thr-lunch``, from bob@example.com, "Lunch?", INBOX and UNREAD) and ``msg-invoice`` (thread
``thr-invoice``, from billing@example.com, "Invoice 42" with the attachment ``att-invoice``, INBOX and
``Label_receipts``); the system labels INBOX, UNREAD, SENT, TRASH, DRAFT, STARRED and the user label
``Label_receipts`` (Receipts); the draft ``draft-1``; send-as addresses ada@example.com (primary) and
support@example.com; history records from ``startHistoryId`` 100 on. ``q`` understands ``is:unread``,
``from:<text>`` and free text on the subject. Lists page by ``maxResults`` (or People's ``pageSize``) and
``pageToken``. People: contacts ``people/c1`` (Bob) and ``people/c2`` (Carol), the other contact
``otherContacts/c9``; ``personFields`` / ``readMask`` are required, as the People API requires them.
"""

from __future__ import annotations

import base64
import itertools
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.google import GoogleStub, google_error, not_found

SYSTEM_LABELS = ("INBOX", "UNREAD", "SENT", "TRASH", "DRAFT", "STARRED")
ATTACHMENT = b"%PDF-1.4 invoice 42"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _mail(sender: str, subject: str, text: str, message_id: str, attachment: bytes | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "ada@example.com", subject
    mail["Date"], mail["Message-ID"] = "Mon, 07 Dec 2026 09:00:00 +0000", message_id
    mail.set_content(text)
    if attachment is not None:
        mail.add_attachment(attachment, maintype="application", subtype="pdf", filename="invoice.pdf")
    return mail.as_bytes()


class GmailStub(GoogleStub):
    name = "gmail"

    def seed(self) -> None:
        self.ids = itertools.count(1)
        self.history_id = 100
        self.labels: dict[str, dict[str, Any]] = {n: {"id": n, "name": n, "type": "system"} for n in SYSTEM_LABELS}
        self.labels["Label_receipts"] = {"id": "Label_receipts", "name": "Receipts", "type": "user",
                                         "labelListVisibility": "labelShow", "messageListVisibility": "show"}
        self.messages: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self._add("msg-lunch", "thr-lunch", ["INBOX", "UNREAD"],
                  _mail("Bob <bob@example.com>", "Lunch?", "Noon at the usual place?", "<lunch@example.com>"))
        self._add("msg-invoice", "thr-invoice", ["INBOX", "Label_receipts"],
                  _mail("billing@example.com", "Invoice 42", "Attached.", "<inv42@example.com>", ATTACHMENT))
        self.drafts: dict[str, str] = {}
        self._add("msg-draft-1", "thr-draft-1", ["DRAFT"], _mail("ada@example.com", "Notes", "todo", "<d1@x>"))
        self.drafts["draft-1"] = "msg-draft-1"
        self.send_as = [{"sendAsEmail": "ada@example.com", "displayName": "Ada", "isPrimary": True,
                         "isDefault": True, "verificationStatus": "accepted"},
                        {"sendAsEmail": "support@example.com", "displayName": "Support", "isPrimary": False,
                         "verificationStatus": "accepted"}]
        self.people = {"c1": {"resourceName": "people/c1", "names": [{"displayName": "Bob"}],
                              "emailAddresses": [{"value": "bob@example.com"}]},
                       "c2": {"resourceName": "people/c2", "names": [{"displayName": "Carol"}],
                              "emailAddresses": [{"value": "carol@example.com"}]},
                       "me": {"resourceName": "people/me", "names": [{"displayName": "Ada"}]}}
        self.other_contacts = [{"resourceName": "otherContacts/c9", "emailAddresses": [{"value": "dan@example.com"}]}]
        self.page_size = None

    def _add(self, message_id: str, thread_id: str, labels: list[str], raw: bytes) -> dict[str, Any]:
        self.history_id += 1
        message = {"id": message_id, "threadId": thread_id, "labelIds": labels, "raw": raw,
                   "historyId": str(self.history_id)}
        self.messages[message_id] = message
        self.history.append({"id": str(self.history_id), "messagesAdded": [{"message": {
            "id": message_id, "threadId": thread_id, "labelIds": labels}}]})
        return message

    def sent(self, message_id: str) -> EmailMessage:
        return parse(self.messages[message_id]["raw"])

    # --- routing ---------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        if request.path.startswith("/v1/"):
            return self._people(request, request.path.removeprefix("/v1"))
        path = request.path.removeprefix("/gmail/v1/users/me")
        if path == request.path:
            return not_found()
        parts = path.strip("/").split("/")
        route = {"messages": self._messages, "threads": self._threads, "labels": self._labels,
                 "drafts": self._drafts, "profile": self._profile, "history": self._history,
                 "settings": self._settings}.get(parts[0])
        return route(request, parts[1:]) if route is not None else not_found()

    def _resource(self, message: dict[str, Any], request: RecordedRequest) -> dict[str, Any]:
        fmt = request.query.get("format", "full")
        out = {k: message[k] for k in ("id", "threadId", "labelIds", "historyId")}
        if fmt == "minimal":
            return out
        if fmt == "raw":
            return {**out, "raw": b64url(message["raw"])}
        mail = parse(message["raw"])
        wanted = {h.lower() for h in request.query_all("metadataHeaders")}
        headers = [{"name": k, "value": str(v)} for k, v in mail.items()
                   if fmt != "metadata" or not wanted or k.lower() in wanted]
        body = mail.get_body(preferencelist=("plain",))
        snippet = str(body.get_content()).strip()[:100] if isinstance(body, EmailMessage) else ""
        payload: dict[str, Any] = {"mimeType": mail.get_content_type(), "headers": headers}
        if fmt == "full":
            payload["parts"] = [{"mimeType": p.get_content_type(), "filename": p.get_filename() or "",
                                 "body": {"attachmentId": "att-invoice"} if p.get_filename() else {}}
                                for p in mail.iter_parts()]
        return {**out, "snippet": snippet, "payload": payload}

    def _list(self, request: RecordedRequest, messages: list[dict[str, Any]], key: str) -> Response:
        q = request.query.get("q", "").lower()
        labels = request.query_all("labelIds")

        def keep(message: dict[str, Any]) -> bool:
            mail = parse(message["raw"])
            if any(label not in message["labelIds"] for label in labels):
                return False
            for term in q.split():
                if term == "is:unread" and "UNREAD" not in message["labelIds"]:
                    return False
                if term.startswith("from:") and term[5:] not in str(mail["From"]).lower():
                    return False
                if ":" not in term and term not in str(mail["Subject"]).lower():
                    return False
            return True

        found = [m for m in messages if keep(m)]
        items = [{"id": m["id"], "threadId": m["threadId"]} for m in found] if key == "messages" else [
            {"id": t, "historyId": "1"} for t in dict.fromkeys(m["threadId"] for m in found)]
        return self.paged(request, items, key, "maxResults", resultSizeEstimate=len(items))

    # --- messages and threads --------------------------------------------------------------------------------
    def _messages(self, request: RecordedRequest, parts: list[str]) -> Response:
        method = request.method
        mail = [m for m in self.messages.values() if "DRAFT" not in m["labelIds"]]
        if not parts:
            return self._list(request, mail, "messages") if method == "GET" else not_found()
        if parts == ["send"] and method == "POST":
            return self._send(request.json or {})
        if parts[0] in ("batchModify", "batchDelete") and method == "POST":
            ids = (request.json or {}).get("ids") or []
            if not ids or any(i not in self.messages for i in ids):
                return google_error(400, "Invalid ids")
            for i in ids:
                if parts[0] == "batchDelete":
                    del self.messages[i]
                else:
                    self._relabel(self.messages[i], request.json or {})
            return Response(status_code=204)
        message = self.messages.get(parts[0])
        if message is None:
            return not_found()
        return self._one(request, message, parts[1:], lambda: self.messages.pop(parts[0]), [message])

    def _threads(self, request: RecordedRequest, parts: list[str]) -> Response:
        if not parts:
            return self._list(request, list(self.messages.values()), "threads")
        thread = [m for m in self.messages.values() if m["threadId"] == parts[0]]
        if not thread:
            return not_found()
        if request.method == "GET" and len(parts) == 1:
            return JSONResponse({"id": parts[0], "historyId": thread[-1]["historyId"],
                                 "messages": [self._resource(m, request) for m in thread]})

        def delete() -> None:
            for m in thread:
                del self.messages[m["id"]]

        return self._one(request, {"id": parts[0], "messages": thread}, parts[1:], delete, thread)

    def _one(self, request: RecordedRequest, item: dict[str, Any], verb: list[str], delete: Any,
             messages: list[dict[str, Any]]) -> Response:
        method = request.method
        if not verb and method == "GET":
            return JSONResponse(self._resource(item, request))
        if not verb and method == "DELETE":
            delete()
            return Response(status_code=204)
        if len(verb) == 2 and verb[0] == "attachments" and method == "GET":
            if verb[1] != "att-invoice" or item["id"] != "msg-invoice":
                return google_error(400, "Invalid attachment token")
            return JSONResponse({"attachmentId": verb[1], "size": len(ATTACHMENT), "data": b64url(ATTACHMENT)})
        if verb in (["modify"], ["trash"], ["untrash"]) and method == "POST":
            change = request.json or {} if verb == ["modify"] else (
                {"addLabelIds": ["TRASH"]} if verb == ["trash"] else {"removeLabelIds": ["TRASH"]})
            for m in messages:
                self._relabel(m, change)
            if "messages" in item:
                return JSONResponse({"id": item["id"], "messages": [self._resource(m, request) for m in messages]})
            return JSONResponse({k: item[k] for k in ("id", "threadId", "labelIds")})
        return not_found()

    def _relabel(self, message: dict[str, Any], change: dict[str, Any]) -> None:
        add, remove = change.get("addLabelIds") or [], change.get("removeLabelIds") or []
        message["labelIds"] = [x for x in message["labelIds"] if x not in remove] + [
            x for x in add if x not in message["labelIds"]]

    def _send(self, body: dict[str, Any], labels: tuple[str, ...] = ("SENT",)) -> Response:
        raw = str(body.get("raw") or "")
        try:
            data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except ValueError:
            return google_error(400, "Invalid value for ByteString")
        if not parse(data)["To"] and "DRAFT" not in labels:
            return google_error(400, "Invalid To header")
        thread = body.get("threadId") or f"thr-new-{next(self.ids)}"
        message = self._add(f"msg-new-{next(self.ids)}", thread, list(labels), data)
        return JSONResponse({k: message[k] for k in ("id", "threadId", "labelIds")})

    # --- labels, drafts, the rest ----------------------------------------------------------------------------
    def _labels(self, request: RecordedRequest, parts: list[str]) -> Response:
        body = request.json or {}
        if not parts:
            if request.method == "GET":
                return JSONResponse({"labels": list(self.labels.values())})
            if not body.get("name") or any(v["name"] == body["name"] for v in self.labels.values()):
                return google_error(409 if body.get("name") else 400, "Label name exists or conflicts")
            label = {**body, "id": f"Label_{next(self.ids)}", "type": "user"}
            self.labels[label["id"]] = label
            return JSONResponse(label)
        label = self.labels.get(parts[0])
        if label is None:
            return not_found()
        if request.method == "GET":
            return JSONResponse(label)
        if request.method == "DELETE":
            del self.labels[parts[0]]
            return Response(status_code=204)
        if request.method == "PUT" and not body.get("name"):
            return google_error(400, "Invalid label name")
        if request.method == "PUT":
            label.clear()
        label.update({**body, "id": parts[0]})
        return JSONResponse(label)

    def _drafts(self, request: RecordedRequest, parts: list[str]) -> Response:
        method, body = request.method, request.json or {}
        if parts == ["send"] and method == "POST":
            message_id = self.drafts.pop(str(body.get("id")), None)
            if message_id is None:
                return google_error(400, "Invalid draft id")
            message = self.messages[message_id]
            message["labelIds"] = ["SENT"]
            return JSONResponse({k: message[k] for k in ("id", "threadId", "labelIds")})
        if not parts:
            if method == "GET":
                items = [{"id": d, "message": {"id": m, "threadId": self.messages[m]["threadId"]}}
                         for d, m in self.drafts.items()]
                return self.paged(request, items, "drafts", "maxResults", resultSizeEstimate=len(items))
            return self._new_draft(body)
        message_id = self.drafts.get(parts[0])
        if message_id is None:
            return not_found()
        if method == "GET":
            return JSONResponse({"id": parts[0], "message": self._resource(self.messages[message_id], request)})
        if method == "DELETE":
            del self.drafts[parts[0]], self.messages[message_id]
            return Response(status_code=204)
        if method == "PUT":
            if body.get("id") != parts[0]:
                return google_error(400, "The draft id in the body must match the path")
            del self.messages[message_id], self.drafts[parts[0]]
            return self._new_draft(body, parts[0])
        return not_found()

    def _new_draft(self, body: dict[str, Any], draft_id: str | None = None) -> Response:
        sent = self._send(body.get("message") or {}, ("DRAFT",))
        if sent.status_code != 200:
            return sent
        message = list(self.messages.values())[-1]
        draft_id = draft_id or f"draft-new-{next(self.ids)}"
        self.drafts[draft_id] = message["id"]
        return JSONResponse({"id": draft_id, "message": {k: message[k] for k in ("id", "threadId", "labelIds")}})

    def _profile(self, request: RecordedRequest, parts: list[str]) -> Response:
        return JSONResponse({"emailAddress": "ada@example.com", "messagesTotal": len(self.messages),
                             "threadsTotal": len({m["threadId"] for m in self.messages.values()}),
                             "historyId": str(self.history_id)})

    def _history(self, request: RecordedRequest, parts: list[str]) -> Response:
        start = request.query.get("startHistoryId")
        if not start or not start.isdigit():
            return google_error(400, "Invalid startHistoryId")
        types = request.query_all("historyTypes")
        records = [h for h in self.history if int(h["id"]) > int(start)
                   and (not types or any(t in h for t in types))
                   and (not request.query.get("labelId")
                        or request.query["labelId"] in h["messagesAdded"][0]["message"]["labelIds"])]
        return self.paged(request, records, "history", "maxResults", historyId=str(self.history_id))

    def _settings(self, request: RecordedRequest, parts: list[str]) -> Response:
        if parts == ["sendAs"]:
            return JSONResponse({"sendAs": self.send_as})
        found = [s for s in self.send_as if len(parts) == 2 and s["sendAsEmail"] == parts[1]]
        return JSONResponse(found[0]) if found else not_found()

    # --- People API ------------------------------------------------------------------------------------------
    def _people(self, request: RecordedRequest, path: str) -> Response:
        fields = request.query.get("readMask") or request.query.get("personFields")
        if not fields:
            return google_error(400, "personFields mask is required. Please specify one or more valid paths.")
        if path == "/people/me/connections":
            return self.paged(request, [self.people["c1"], self.people["c2"]], "connections", "pageSize",
                              totalPeople=2)
        if path == "/otherContacts":
            return self.paged(request, self.other_contacts, "otherContacts", "pageSize")
        if path == "/people:searchContacts":
            wanted = request.query.get("query", "").lower()
            people = [p for p in (self.people["c1"], self.people["c2"])
                      if wanted in p["names"][0]["displayName"].lower()]
            return JSONResponse({"results": [{"person": p} for p in people]} if people else {})
        person = self.people.get(path.removeprefix("/people/"))
        return JSONResponse(person) if person is not None else not_found()
