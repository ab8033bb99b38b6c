"""Gmail (https://developers.google.com/gmail/api/reference/rest): messages, threads, labels, drafts, history,
send-as aliases and contacts, with the connection's Google OAuth token. What writes a message is in
:mod:`gmail_compose` (its MIME in :mod:`gmail_mime`), contacts in :mod:`gmail_people`, the profile in
:mod:`gmail_api`.

Endpoints, under ``/gmail/v1/users/me`` (https://developers.google.com/gmail/api/reference/rest/v1/...):
``users.messages`` list ``GET /messages`` (``q``, ``maxResults``, ``pageToken``, ``labelIds`` repeated), get ``GET
/messages/{id}`` (``format``), modify ``POST /messages/{id}/modify`` (``addLabelIds``, ``removeLabelIds``),
batchModify ``POST /messages/batchModify`` and batchDelete ``POST /messages/batchDelete`` (``ids``; both answer
nothing), trash / untrash ``POST /messages/{id}/trash|untrash``, delete ``DELETE /messages/{id}``;
``users.messages.attachments`` get ``GET /messages/{messageId}/attachments/{id}`` (``data`` base64url);
``users.threads`` list, get, modify, trash, untrash and delete in the same shapes under ``/threads``;
``users.labels`` list ``GET /labels``, create ``POST``, get ``GET``, patch ``PATCH``, update ``PUT`` and delete
``DELETE /labels/{id}`` (a Label has ``name``, ``labelListVisibility``, ``messageListVisibility`` and ``color:
{textColor, backgroundColor}``); ``users.drafts`` list ``GET /drafts``, get ``GET /drafts/{id}``, delete ``DELETE``;
``users.getProfile`` ``GET /profile``; ``users.history`` list ``GET /history`` (``startHistoryId``, ``historyTypes``
repeated, ``labelId``, ``pageToken``, ``maxResults``); ``users.settings.sendAs`` list ``GET /settings/sendAs`` and
get ``GET /settings/sendAs/{sendAsEmail}``. Lists answer ``nextPageToken``, absent on the last page; here it is
null there. A permanent delete (messages, threads, labels, drafts) needs ``confirmPermanentDelete`` true and answers
``{<id field>, deleted: true}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weavz_flow.integrations import gmail_compose as compose
from weavz_flow.integrations import gmail_people as people
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.gmail_api import GMAIL, confirmed
from weavz_flow.integrations.google_api import page
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, json_value, spec_actions, wire
from weavz_flow.integrations.native_action import Handler, invalid_input


def _listing(items: str, *extra: str) -> Callable[[Any], Any]:
    def select(body: Any) -> Any:
        return {**page(body, items), **{k: body.get(k) if isinstance(body, dict) else None for k in extra}}

    return select


LIST_QUERY = wire("maxResults", "pageToken", "labelIds", q="query")
LABELS = wire("addLabelIds", "removeLabelIds")
LABEL_FIELDS = wire("name", "labelListVisibility", "messageListVisibility")


def _deleting(spec: HttpSpec, field: str) -> Handler:
    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        confirmed(ctx, values)
        call_spec(ctx, GMAIL, spec, values)
        return {field: values[field], "deleted": True}

    return run


def batch_modify_messages(ctx: ActionContext, values: dict[str, Any]) -> Any:
    call_spec(ctx, GMAIL, HttpSpec("POST", "/messages/batchModify", body=wire("addLabelIds", "removeLabelIds",
                                                                             ids="messageIds")), values)
    return {"messageIds": values["messageIds"], "modified": True}


def batch_delete_messages(ctx: ActionContext, values: dict[str, Any]) -> Any:
    confirmed(ctx, values)
    call_spec(ctx, GMAIL, HttpSpec("POST", "/messages/batchDelete", body=wire(ids="messageIds")), values)
    return {"messageIds": values["messageIds"], "deleted": True}


def _color(values: dict[str, Any]) -> dict[str, Any]:
    color = {k: values[k] for k in ("textColor", "backgroundColor") if values.get(k)}
    return {"color": color} if color else {}


def create_label(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, GMAIL, HttpSpec("POST", "/labels", body={**LABEL_FIELDS, "color": "color"}),
                     {**values, **_color(values)})


def patch_label(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, GMAIL, HttpSpec("PATCH", "/labels/{labelId}", body={**LABEL_FIELDS, "color": "color"}),
                     {**values, **_color(values)})


def update_label(ctx: ActionContext, values: dict[str, Any]) -> Any:
    label = json_value(values["body"])
    if not isinstance(label, dict):
        raise invalid_input(ctx, "body", "must be a Gmail Label object (name, visibilities, color)")
    spec = HttpSpec("PUT", "/labels/{labelId}", body=wire("id", "name", "labelListVisibility",
                                                          "messageListVisibility", "color", "type"))
    return call_spec(ctx, GMAIL, spec, {**label, "id": values["labelId"], "labelId": values["labelId"]})


ACTIONS = spec_actions(GMAIL, {
    "list_messages": HttpSpec("GET", "/messages", query=LIST_QUERY,
                              output=_listing("messages", "resultSizeEstimate")),
    "get_message": HttpSpec("GET", "/messages/{messageId}", query=wire("format")),
    "send_email": compose.send_email,
    "reply_to_email": compose.reply_to_email,
    "forward_email": compose.forward_email,
    "modify_labels": HttpSpec("POST", "/messages/{messageId}/modify", body=LABELS),
    "batch_modify_messages": batch_modify_messages,
    "batch_delete_messages": batch_delete_messages,
    "trash_message": HttpSpec("POST", "/messages/{messageId}/trash"),
    "untrash_message": HttpSpec("POST", "/messages/{messageId}/untrash"),
    "delete_message": _deleting(HttpSpec("DELETE", "/messages/{messageId}"), "messageId"),
    "get_attachment": HttpSpec("GET", "/messages/{messageId}/attachments/{attachmentId}"),
    "list_threads": HttpSpec("GET", "/threads", query=LIST_QUERY, output=_listing("threads", "resultSizeEstimate")),
    "get_thread": HttpSpec("GET", "/threads/{threadId}", query=wire("format")),
    "modify_thread_labels": HttpSpec("POST", "/threads/{threadId}/modify", body=LABELS),
    "trash_thread": HttpSpec("POST", "/threads/{threadId}/trash"),
    "untrash_thread": HttpSpec("POST", "/threads/{threadId}/untrash"),
    "delete_thread": _deleting(HttpSpec("DELETE", "/threads/{threadId}"), "threadId"),
    "add_label": HttpSpec("POST", "/messages/{messageId}/modify", body=wire(addLabelIds="labelIds")),
    "remove_label": HttpSpec("POST", "/messages/{messageId}/modify", body=wire(removeLabelIds="labelIds")),
    "list_labels": HttpSpec("GET", "/labels"),
    "create_label": create_label,
    "get_label": HttpSpec("GET", "/labels/{labelId}"),
    "patch_label": patch_label,
    "update_label": update_label,
    "delete_label": _deleting(HttpSpec("DELETE", "/labels/{labelId}"), "labelId"),
    "create_draft": compose.create_draft,
    "list_drafts": HttpSpec("GET", "/drafts", query=wire("maxResults", "pageToken"),
                            output=_listing("drafts", "resultSizeEstimate")),
    "get_draft": HttpSpec("GET", "/drafts/{draftId}", query=wire("format")),
    "update_draft": compose.update_draft,
    "send_draft": compose.send_draft,
    "delete_draft": _deleting(HttpSpec("DELETE", "/drafts/{draftId}"), "draftId"),
    "get_profile": HttpSpec("GET", "/profile"),
    "list_history": HttpSpec("GET", "/history", query=wire("startHistoryId", "historyTypes", "labelId", "pageToken",
                                                           "maxResults"), output=_listing("history", "historyId")),
    "list_send_as_aliases": HttpSpec("GET", "/settings/sendAs"),
    "get_send_as_alias": HttpSpec("GET", "/settings/sendAs/{sendAsEmail}"),
    "get_contacts": people.get_contacts,
    "get_people": people.get_people,
    "search_people": people.search_people,
})
ACTIONS["custom_api_call"] = plain_custom_api_call(GMAIL)

INTEGRATION = NativeIntegration(
    name="gmail",
    display_name="Gmail",
    description="Send, reply to, forward, find and label Gmail messages and threads; drafts, labels and contacts.",
    actions=ACTIONS,
    auth_types=("OAUTH2",),
    default_base_url=GMAIL.default_base_url,
)
