"""The Slack actions that are more than one Web API call as it stands: listings read across pages, a message looked
up by its timestamp, and the nested bodies of users.profile.set and the canvases methods.

Facts, each from Slack's method reference:

- users.list answers ``members`` (deleted users included; bots have ``is_bot``, Slackbot is ``USLACKBOT``), a user's
  handle is its ``name``, ``profile.display_name`` the name shown
  (https://api.slack.com/methods/users.list, https://api.slack.com/types/user).
- One message by its timestamp is conversations.history with ``latest`` = the ts, ``inclusive`` true and ``limit`` 1
  (https://api.slack.com/messaging/retrieving#individual_messages); a thread reply is read with conversations.replies.
- users.profile.set takes ``profile`` as an object of ``status_text``, ``status_emoji``, ``status_expiration``
  (https://api.slack.com/methods/users.profile.set).
- Canvases are listed as files.list with ``types`` ``canvas`` (https://api.slack.com/methods/files.list).
- canvases.create takes ``title`` and ``document_content`` ``{type: markdown, markdown}``; conversations.canvases.create
  takes ``channel_id``, ``title`` and ``document_content``; canvases.edit takes ``canvas_id`` and ``changes``, one
  change of ``operation`` (insert_after, insert_before, insert_at_start, insert_at_end, replace, delete, rename),
  ``section_id``, ``document_content``, or ``title_content`` for rename; each answers JSON bodies
  (https://api.slack.com/methods/canvases.create, https://api.slack.com/methods/conversations.canvases.create,
  https://api.slack.com/methods/canvases.edit).
- A file is uploaded in three steps: files.getUploadURLExternal (a GET with ``filename`` and ``length`` in bytes; it
  documents form arguments only) answers ``upload_url`` and ``file_id``; the bytes are POSTed to ``upload_url``
  (Slack's upload host, which needs no token); files.completeUploadExternal takes ``files`` (``[{id, title}]``) and
  ``channels`` (comma-separated) and answers ``files``
  (https://api.slack.com/methods/files.getUploadURLExternal, https://api.slack.com/methods/files.completeUploadExternal,
  https://api.slack.com/messaging/files#uploading_files).
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.file_values import file_input
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest
from weavz_flow.integrations.slack_api import every, get, post


def _not_found(ctx: ActionContext, error: str, message: str) -> ApiError:
    # The same details a Slack lookup method gives when it finds nothing (users.lookupByEmail: users_not_found).
    return ApiError(ErrorCode.ACTION_FAILED, f"{ctx.integration}.{ctx.action}: {message}",
                    details={"providerError": error})


def _is_bot(user: dict[str, Any]) -> bool:
    return bool(user.get("is_bot")) or user.get("id") == "USLACKBOT"


def list_users(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    users = (u for u in every(ctx, "/users.list", "members", {})
             if values.get("include_bots") or not _is_bot(u))
    limit = values.get("limit")
    return {"ok": True, "members": list(islice(users, int(limit)) if limit else users)}


def find_user_by_handle(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    handle = str(values["handle"]).strip().lstrip("@").lower()
    if not handle:
        raise invalid_input(ctx, "handle", "must name a user")
    for user in every(ctx, "/users.list", "members", {}):
        names = (user.get("name"), (user.get("profile") or {}).get("display_name"))
        if not user.get("deleted") and handle in (str(n).lower() for n in names if n):
            return {"ok": True, "user": user}
    raise _not_found(ctx, "users_not_found", f"no user has the handle @{handle}")


def get_message(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    ts = values["timestamp"]
    body = get(ctx, "/conversations.history",
               {"channel": values["channel"], "latest": ts, "inclusive": "true", "limit": 1})
    message = next((m for m in body.get("messages") or () if isinstance(m, dict) and m.get("ts") == ts), None)
    if message is None:
        raise _not_found(ctx, "message_not_found", f"no message {ts} in the channel's history (a thread reply is "
                                                   "read with get_thread_replies)")
    return {"ok": True, "channel": values["channel"], "message": message}


def update_user_status(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    profile = {"status_text": values["status_text"], "status_emoji": values.get("status_emoji", ""),
               "status_expiration": int(values.get("expiration") or 0)}
    return post(ctx, "/users.profile.set", {"profile": profile})


def list_canvases(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    # Canvases are files of type canvas: files.list filtered by ``types``.
    return get(ctx, "/files.list", {"types": "canvas", **{k: values[k] for k in ("channel", "count", "page")
                                                          if k in values}})


def _document(markdown: Any) -> dict[str, Any]:
    return {"document_content": {"type": "markdown", "markdown": markdown}} if markdown is not None else {}


def create_canvas(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    title = {"title": values["title"]} if values.get("title") is not None else {}
    return post(ctx, "/canvases.create", {**title, **_document(values.get("markdown"))})


def create_channel_canvas(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    title = {"title": values["title"]} if values.get("title") is not None else {}
    return post(ctx, "/conversations.canvases.create",
                {"channel_id": values["channel"], **title, **_document(values.get("markdown"))})


_NEEDS_SECTION = ("insert_after", "insert_before", "delete")
_NEEDS_CONTENT = ("insert_after", "insert_before", "insert_at_start", "insert_at_end", "replace")
OPERATIONS = (*_NEEDS_CONTENT, "delete", "rename")


def edit_canvas(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    operation = str(values["operation"]).strip().lower()
    if operation not in OPERATIONS:
        raise invalid_input(ctx, "operation", f"must be one of {', '.join(OPERATIONS)}")
    if operation in _NEEDS_SECTION and not values.get("section_id"):
        raise invalid_input(ctx, "section_id", f"is required for {operation}")
    change: dict[str, Any] = {"operation": operation}
    if values.get("section_id") and operation != "rename":
        change["section_id"] = values["section_id"]
    if operation == "rename":
        if not values.get("title"):
            raise invalid_input(ctx, "title", "is required for rename")
        change["title_content"] = {"type": "markdown", "markdown": values["title"]}
    elif operation in _NEEDS_CONTENT:
        if values.get("markdown") is None:
            raise invalid_input(ctx, "markdown", f"is required for {operation}")
        change.update(_document(values["markdown"]))
    return post(ctx, "/canvases.edit", {"canvas_id": values["canvas_id"], "changes": [change]})


# The upload URL is Slack's own, for one file; the connection's token never goes with the bytes.
SLACK_UPLOAD = ProviderProfile(name="slack", display_name="Slack file upload", default_base_url=None, auth="none")
# A bound of ours on the bytes held in memory (Slack takes files up to 1 GB).
UPLOAD_MAX_BYTES = 100 * 1024 * 1024


def upload_file(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    if (values.get("content") is None) == (values.get("file_url") is None):
        raise invalid_input(ctx, "content", "give the file as content or as file_url, one of them")
    if values.get("content") is not None:
        data = str(values["content"]).encode("utf-8")
    else:
        data = file_input(ctx, "file_url", values["file_url"], max_bytes=UPLOAD_MAX_BYTES).content
    if not data:
        raise invalid_input(ctx, "content" if values.get("content") is not None else "file_url", "is empty")
    ticket = get(ctx, "/files.getUploadURLExternal", {"filename": values["filename"], "length": len(data)})
    upload_url, file_id = ticket.get("upload_url"), ticket.get("file_id")
    if not isinstance(upload_url, str) or not upload_url.startswith(("https://", "http://")) or not file_id:
        raise ApiError(ErrorCode.ACTION_FAILED, "Slack answered files.getUploadURLExternal without an upload URL",
                       details={"provider": "slack"})
    call(ctx, SLACK_UPLOAD, ProviderRequest("POST", upload_url, content=data,
                                            headers={"Content-Type": "application/octet-stream"}))
    return post(ctx, "/files.completeUploadExternal", {
        "files": [{"id": file_id, "title": values.get("title") or values["filename"]}], "channels": values["channels"]})
