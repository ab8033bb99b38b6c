"""The gmail actions that write a message: send, reply, forward, and drafts (create, update, send).

Endpoints (https://developers.google.com/gmail/api/reference/rest/v1/...): ``users.messages/send`` ``POST
/messages/send`` with ``{raw, threadId}``; ``users.drafts/create`` ``POST /drafts`` and ``users.drafts/update``
``PUT /drafts/{id}`` with ``{message: {raw}}``; ``users.drafts/send`` ``POST /drafts/send`` with ``{id}``;
``users.messages/get`` with ``format=metadata`` and ``metadataHeaders`` (the headers a reply needs) or
``format=raw`` (the original a forward quotes). A forward quotes the original's text under its From, Date, Subject
and To; the original's attachments are not carried over.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.gmail_api import GMAIL
from weavz_flow.integrations.gmail_mime import compose, decode_raw, encode_raw, header, text_of
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.provider import ProviderRequest

_REPLY_HEADERS = ("Subject", "From", "Reply-To", "To", "Message-ID", "References")


def _post(ctx: ActionContext, path: str, body: dict[str, Any], method: str = "POST") -> Any:
    return call(ctx, GMAIL, ProviderRequest(method, path, json=body, has_json=True)).body


def _message(ctx: ActionContext, message_id: str, **query: Any) -> Any:
    return call(ctx, GMAIL, ProviderRequest("GET", f"/messages/{quote(message_id, safe='')}", query=query)).body


def send_email(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _post(ctx, "/messages/send", {"raw": encode_raw(compose(ctx, values))})


def _prefixed(prefix: str, subject: str) -> str:
    return subject if subject.lower().startswith(prefix.lower()) else f"{prefix} {subject}".strip()


def reply_to_email(ctx: ActionContext, values: dict[str, Any]) -> Any:
    original = _message(ctx, values["messageId"], format="metadata", metadataHeaders=list(_REPLY_HEADERS))
    message_id = header(original, "Message-ID")
    references = " ".join(r for r in (header(original, "References"), message_id) if r)
    threading = {"In-Reply-To": message_id, "References": references} if message_id else {}
    message = compose(ctx, values, to=header(original, "Reply-To") or header(original, "From") or "",
                      subject=_prefixed("Re:", header(original, "Subject") or ""), headers=threading)
    return _post(ctx, "/messages/send", {"raw": encode_raw(message), "threadId": original.get("threadId")})


def forward_email(ctx: ActionContext, values: dict[str, Any]) -> Any:
    original = decode_raw(str(_message(ctx, values["messageId"], format="raw").get("raw") or ""))
    text, html = text_of(original)
    quoted = "\n".join(f"{name}: {original[name]}" for name in ("From", "Date", "Subject", "To") if original[name])
    intro = values.get("additionalMessage") or ""
    if values.get("isHtml") or html:
        body = f"<p>{intro}</p><p>---------- Forwarded message ---------<br>{quoted.replace(chr(10), '<br>')}</p>{text}"
    else:
        body = f"{intro}\n\n---------- Forwarded message ---------\n{quoted}\n\n{text}"
    message = compose(ctx, {**values, "isHtml": bool(values.get("isHtml") or html)},
                      subject=_prefixed("Fwd:", str(original["Subject"] or "")), body=body)
    return _post(ctx, "/messages/send", {"raw": encode_raw(message)})


def create_draft(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _post(ctx, "/drafts", {"message": {"raw": encode_raw(compose(ctx, values))}})


def update_draft(ctx: ActionContext, values: dict[str, Any]) -> Any:
    draft = quote(values["draftId"], safe="")
    return _post(ctx, f"/drafts/{draft}", {"id": values["draftId"],
                                           "message": {"raw": encode_raw(compose(ctx, values))}}, "PUT")


def send_draft(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _post(ctx, "/drafts/send", {"id": values["draftId"]})
