"""Microsoft Outlook mail over Microsoft Graph v1.0 (shared facts in :mod:`microsoft_graph`): list, read, send,
reply to, forward, draft and move messages of the signed-in user's mailbox.

Endpoints (https://learn.microsoft.com/en-us/graph/api/...): ``mailfolder-list-messages`` ``GET
/me/mailFolders/{id}/messages`` (``inbox`` is a well-known folder name:
https://learn.microsoft.com/en-us/graph/api/resources/mailfolder) with ``$top``, ``$filter``, ``$select``;
``message-get`` ``GET /me/messages/{id}`` with ``$select``; ``user-sendmail`` ``POST /me/sendMail`` with
``{message, saveToSentItems}`` (202, no body); ``message-reply`` ``POST /me/messages/{id}/reply`` with ``{comment}``
and ``message-forward`` ``POST /me/messages/{id}/forward`` with ``{comment, toRecipients}`` (both 202, no body);
``user-list-mailfolders`` ``GET /me/mailFolders``; ``user-post-messages`` ``POST /me/messages`` (a draft, 201 with
the message); ``message-move`` ``POST /me/messages/{id}/move`` with ``{destinationId}`` (201 with the moved message,
which has a new id). A message's ``body`` is ``{contentType: text|html, content}`` and ``importance`` is low, normal
or high: https://learn.microsoft.com/en-us/graph/api/resources/message.

The 202 actions answer what was done: ``{sent|replied|forwarded: true, ...}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, comma_list, wire
from weavz_flow.integrations.microsoft_graph import (
    graph_integration,
    graph_list,
    graph_profile,
    list_action,
    recipients,
)
from weavz_flow.integrations.native_action import choice

OUTLOOK = graph_profile("microsoft-outlook", "Microsoft Outlook")
BODY_TYPES = ("text", "html")
IMPORTANCE = ("low", "normal", "high")


def _message(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    kind = choice(ctx, values, "contentType", BODY_TYPES) if values.get("contentType") else "text"
    message: dict[str, Any] = {"subject": values["subject"], "body": {"contentType": kind, "content": values["body"]},
                               "toRecipients": recipients(values["to"])}
    for field, wire_name in (("cc", "ccRecipients"), ("bcc", "bccRecipients")):
        if values.get(field):
            message[wire_name] = recipients(values[field])
    if values.get("importance"):
        message["importance"] = choice(ctx, values, "importance", IMPORTANCE)
    return message


def list_messages(ctx: ActionContext, values: dict[str, Any]) -> Any:
    folder = values.get("folderId") or "inbox"
    return graph_list(ctx, OUTLOOK, f"/me/mailFolders/{quote(folder, safe='')}/messages",
                      {"$top": values.get("top"), "$filter": values.get("filter"), "$select": values.get("select")},
                      values.get("top"))


SEND = HttpSpec("POST", "/me/sendMail", body=wire("message"), constants={"saveToSentItems": True})


def send_email(ctx: ActionContext, values: dict[str, Any]) -> Any:
    message = _message(ctx, values)
    call_spec(ctx, OUTLOOK, SEND, {"message": message})
    return {"sent": True, "subject": values["subject"], "to": comma_list(values["to"])}


DRAFT = HttpSpec("POST", "/me/messages", body=wire("subject", "body", "toRecipients"))


def create_draft(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, OUTLOOK, DRAFT, _message(ctx, values))


REPLY = HttpSpec("POST", "/me/messages/{messageId}/reply", body=wire("comment"))


def reply_to_email(ctx: ActionContext, values: dict[str, Any]) -> Any:
    call_spec(ctx, OUTLOOK, REPLY, values)
    return {"replied": True, "messageId": values["messageId"]}


FORWARD = HttpSpec("POST", "/me/messages/{messageId}/forward", body=wire("comment", toRecipients="to"),
                   encoders={"to": recipients})


def forward_email(ctx: ActionContext, values: dict[str, Any]) -> Any:
    call_spec(ctx, OUTLOOK, FORWARD, values)
    return {"forwarded": True, "messageId": values["messageId"], "to": comma_list(values["to"])}


DESCRIPTION = "List, read, send, reply to, forward, draft and move Outlook mail over Microsoft Graph."
INTEGRATION = graph_integration(OUTLOOK, DESCRIPTION, {
    "list_messages": list_messages,
    "get_message": HttpSpec("GET", "/me/messages/{messageId}", query={"$select": "select"}),
    "send_email": send_email,
    "reply_to_email": reply_to_email,
    "forward_email": forward_email,
    "list_folders": list_action(OUTLOOK, "/me/mailFolders"),
    "create_draft": create_draft,
    "move_message": HttpSpec("POST", "/me/messages/{messageId}/move", body=wire("destinationId")),
})
