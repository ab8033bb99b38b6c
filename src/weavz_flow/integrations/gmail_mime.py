"""Gmail's messages as RFC 2822 text: building one to send (with the standard library's ``email`` package) and
reading the headers and text of one Gmail returns.

Gmail takes a message to send or draft as ``raw``, the whole RFC 2822 message base64url-encoded
(https://developers.google.com/gmail/api/guides/sending, https://developers.google.com/gmail/api/reference/rest/v1/users.messages#Message),
and answers ``format=raw`` with the same encoding. A reply joins its thread when it carries the thread's
``threadId``, ``In-Reply-To`` and ``References`` naming the original's ``Message-ID``, and the same subject
(https://developers.google.com/gmail/api/guides/threads, "Adding drafts and messages to threads").

An attachment is a data URL (``data:<type>;base64,<data>``), bare base64, or an object with the file's ``data``
(or ``base64`` / ``content``), ``filename`` (or ``name``) and ``mimeType`` (or ``contentType``). A URL to download
is refused: the action would fetch any address its input names.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import comma_list
from weavz_flow.integrations.native_action import invalid_input

_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?:;[^,;]*)*;base64,(?P<data>.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    mime_type: str
    data: bytes


def encode_raw(message: EmailMessage) -> str:
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


def decode_raw(raw: str) -> EmailMessage:
    padded = raw + "=" * (-len(raw) % 4)
    parsed = message_from_bytes(base64.urlsafe_b64decode(padded), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def compose(ctx: ActionContext, values: Mapping[str, Any], *, to: str | None = None, subject: str | None = None,
            body: str | None = None, headers: Mapping[str, str] | None = None) -> EmailMessage:
    """A message from the compose fields (``to``, ``cc``, ``bcc``, ``from``, ``subject``, ``body``, ``isHtml``,
    ``attachments``); the keyword arguments stand in for the fields a reply or a forward computes."""
    message = EmailMessage()
    recipients = comma_list(to if to is not None else values.get("to") or "")
    if not recipients:
        raise invalid_input(ctx, "to", "names no recipient")
    message["To"] = ", ".join(recipients)
    for header, field in (("Cc", "cc"), ("Bcc", "bcc")):
        if values.get(field):
            message[header] = ", ".join(comma_list(values[field]))
    if values.get("from"):
        message["From"] = values["from"]
    message["Subject"] = subject if subject is not None else values.get("subject") or ""
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body if body is not None else values.get("body") or "",
                        subtype="html" if values.get("isHtml") else "plain")
    for item in attachments(ctx, values.get("attachments")):
        maintype, _, subtype = item.mime_type.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=item.filename)
    return message


def attachments(ctx: ActionContext, value: Any) -> list[Attachment]:
    items = value if isinstance(value, list) else [] if value in (None, "") else [value]
    return [_attachment(ctx, item, n) for n, item in enumerate(items)]


def _attachment(ctx: ActionContext, item: Any, n: int) -> Attachment:
    name, mime, data = f"attachment-{n + 1}", None, item
    if isinstance(item, Mapping):
        name = str(item.get("filename") or item.get("name") or name)
        mime = item.get("mimeType") or item.get("contentType")
        data = item.get("data") or item.get("base64") or item.get("content")
    if not isinstance(data, str) or not data:
        raise invalid_input(ctx, "attachments", f"item {n + 1} holds no file data")
    if data.startswith(("http://", "https://")):
        raise invalid_input(ctx, "attachments", f"item {n + 1} is a URL: give the file's content (base64 or a data "
                                                "URL), not an address to download")
    found = _DATA_URL.match(data)
    if found is not None:
        mime, data = mime or found["type"], found["data"]
    try:
        content = base64.b64decode(data.replace("-", "+").replace("_", "/") + "=" * (-len(data) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_input(ctx, "attachments", f"item {n + 1} is not base64 or a data URL") from None
    guessed = mimetypes.guess_type(name)[0]
    return Attachment(name, str(mime or guessed or "application/octet-stream"), content)


def header(message: Mapping[str, Any], name: str) -> str | None:
    """A header of a Gmail Message resource (``payload.headers``), by case-insensitive name."""
    payload = message.get("payload")
    for item in (payload.get("headers") or []) if isinstance(payload, Mapping) else []:
        if isinstance(item, Mapping) and str(item.get("name", "")).lower() == name.lower():
            return str(item.get("value", ""))
    return None


def text_of(message: EmailMessage) -> tuple[str, bool]:
    """The message's text and whether it is HTML (its plain text part preferred)."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", False
    content = part.get_content() if isinstance(part, EmailMessage) else ""
    return str(content), part.get_content_subtype() == "html"
