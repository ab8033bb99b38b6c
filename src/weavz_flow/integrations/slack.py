"""Slack (https://api.slack.com/methods): Web API methods over HTTPS with a bot or user token.

Outputs are Slack's response bodies as they come (the profile and its errors: :mod:`slack_api`; the actions of more
than one call: :mod:`slack_handlers`). Each method below, its arguments and its content type (reads as a GET query,
writes as a JSON body, both of which Slack documents for them) is from its page https://api.slack.com/methods/<method>:
chat.scheduledMessages.list (``channel``, ``latest``, ``oldest``, ``cursor``, ``limit``),
chat.deleteScheduledMessage (``channel``, ``scheduled_message_id``), users.profile.get (``user``, else the token's
user), usergroups.list (``include_users``), usergroups.create (``name``, ``handle``, ``description``, ``channels``
comma-separated), usergroups.update (``usergroup`` and the same), usergroups.enable / usergroups.disable
(``usergroup``), usergroups.users.update (``usergroup``, ``users`` comma-separated, ``include_count``), bookmarks.add
(``channel_id``, ``title``, ``type`` ``link``, ``link``, ``emoji``, ``parent_id``), bookmarks.edit (``channel_id``,
``bookmark_id``, ``title``, ``link``, ``emoji``), bookmarks.list / bookmarks.remove (``channel_id``[, ``bookmark_id``]),
files.info (``file``), files.list (``channel``, ``types`` ``canvas``, ``count``, ``page``), canvases.delete
(``canvas_id``), search.messages (``query``, ``sort`` score or timestamp, ``count``; a user token's method).
The polling triggers over a channel's history are :mod:`slack_triggers`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavz_flow.catalog.model import AuthForm
from weavz_flow.integrations import slack_handlers as handlers
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import method_custom_api_call
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, json_value, pick, spec_actions, wire
from weavz_flow.integrations.options import Option, OptionPage, OptionSource, property_options
from weavz_flow.integrations.slack_api import SLACK, next_cursor, page
from weavz_flow.integrations.slack_triggers import TRIGGERS

_BLOCKS = {"blocks": json_value}

POST_MESSAGE = HttpSpec(
    "POST", "/chat.postMessage", body=wire("channel", "text", "blocks", "thread_ts", "unfurl_links"), encoders=_BLOCKS
)
OPEN_CONVERSATION = HttpSpec("POST", "/conversations.open", body=wire(users="user"), output=pick("channel", "id"))


def send_direct_message(ctx: ActionContext, values: dict[str, Any]) -> Any:
    # Slack posts a DM to the conversation id of the user's IM channel, which conversations.open returns.
    channel = call_spec(ctx, SLACK, OPEN_CONVERSATION, {"user": values["user"]})
    return call_spec(ctx, SLACK, POST_MESSAGE, {**values, "channel": channel})


ACTIONS = spec_actions(SLACK, {
    "send_channel_message": POST_MESSAGE,
    "send_direct_message": send_direct_message,
    "update_message": HttpSpec("POST", "/chat.update", body=wire("channel", "text", "blocks", ts="timestamp"),
                               encoders=_BLOCKS),
    "delete_message": HttpSpec("POST", "/chat.delete", body=wire("channel", ts="timestamp")),
    "get_channel_history": HttpSpec("GET", "/conversations.history", query=wire("channel", "limit")),
    "get_thread_replies": HttpSpec("GET", "/conversations.replies", query=wire("channel", ts="thread_ts")),
    "schedule_message": HttpSpec("POST", "/chat.scheduleMessage",
                                 body=wire("channel", "text", "post_at", "blocks", "thread_ts"), encoders=_BLOCKS),
    "get_message_permalink": HttpSpec("GET", "/chat.getPermalink", query=wire("channel", message_ts="timestamp")),
    "send_ephemeral_message": HttpSpec("POST", "/chat.postEphemeral",
                                       body=wire("channel", "user", "text", "blocks", "thread_ts"), encoders=_BLOCKS),
    "find_user_by_email": HttpSpec("GET", "/users.lookupByEmail", query=wire("email")),
    "find_user_by_id": HttpSpec("GET", "/users.info", query=wire(user="user_id")),
    "add_reaction": HttpSpec("POST", "/reactions.add", body=wire("channel", "timestamp", name="emoji_name")),
    "list_channels": HttpSpec("GET", "/conversations.list", query=wire("types", "limit", "exclude_archived")),
    "create_channel": HttpSpec("POST", "/conversations.create", body=wire("name", "is_private")),
    "set_channel_topic": HttpSpec("POST", "/conversations.setTopic", body=wire("channel", "topic")),
    "invite_user_to_channel": HttpSpec("POST", "/conversations.invite", body=wire("channel", users="user")),
    "list_users": handlers.list_users,
    "find_user_by_handle": handlers.find_user_by_handle,
    "get_user_profile": HttpSpec("GET", "/users.profile.get", query=wire(user="user_id")),
    "get_message": handlers.get_message,
    "list_scheduled_messages": HttpSpec("POST", "/chat.scheduledMessages.list",
                                        body=wire("channel", "latest", "oldest", "cursor", "limit")),
    "delete_scheduled_message": HttpSpec("POST", "/chat.deleteScheduledMessage",
                                         body=wire("channel", "scheduled_message_id")),
    "list_usergroups": HttpSpec("GET", "/usergroups.list", query=wire("include_users")),
    "create_usergroup": HttpSpec("POST", "/usergroups.create", body=wire("name", "handle", "description", "channels")),
    "update_usergroup": HttpSpec("POST", "/usergroups.update",
                                 body=wire("usergroup", "name", "handle", "description", "channels")),
    "enable_usergroup": HttpSpec("POST", "/usergroups.enable", body=wire("usergroup")),
    "disable_usergroup": HttpSpec("POST", "/usergroups.disable", body=wire("usergroup")),
    "update_usergroup_users": HttpSpec("POST", "/usergroups.users.update",
                                       body=wire("usergroup", "users", "include_count")),
    "add_bookmark": HttpSpec("POST", "/bookmarks.add", body=wire("title", "link", "emoji", "parent_id",
                                                                  channel_id="channel"), constants={"type": "link"}),
    "list_bookmarks": HttpSpec("POST", "/bookmarks.list", body=wire(channel_id="channel")),
    "edit_bookmark": HttpSpec("POST", "/bookmarks.edit",
                              body=wire("bookmark_id", "title", "link", "emoji", channel_id="channel")),
    "remove_bookmark": HttpSpec("POST", "/bookmarks.remove", body=wire("bookmark_id", channel_id="channel")),
    "get_file": HttpSpec("GET", "/files.info", query=wire(file="file_id")),
    "search_messages": HttpSpec("GET", "/search.messages", query=wire("query", "sort", "count")),
    "update_user_status": handlers.update_user_status,
    "list_canvases": handlers.list_canvases,
    "create_canvas": handlers.create_canvas,
    "create_channel_canvas": handlers.create_channel_canvas,
    "edit_canvas": handlers.edit_canvas,
    "delete_canvas": HttpSpec("POST", "/canvases.delete", body=wire("canvas_id")),
    "upload_file": handlers.upload_file,
})
ACTIONS["custom_api_call"] = method_custom_api_call(SLACK)

# --- dynamic options ---------------------------------------------------------------------------------------------
# conversations.list takes ``types`` (public_channel, private_channel, mpim, im) and ``exclude_archived``; users.list
# answers ``members`` and includes deleted users. Source: https://api.slack.com/methods/conversations.list and
# https://api.slack.com/methods/users.list


def _channels(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    body = page(ctx, "/conversations.list",
                 {"types": "public_channel,private_channel", "exclude_archived": "true"}, cursor)
    return OptionPage(tuple(Option(f"#{c.get('name') or c['id']}", c["id"]) for c in body.get("channels") or ()
                            if isinstance(c, dict) and c.get("id")), next_cursor(body))


def _users(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    body = page(ctx, "/users.list", {}, cursor)
    return OptionPage(tuple(Option(str(u.get("real_name") or u.get("name") or u["id"]), u["id"])
                            for u in body.get("members") or ()
                            if isinstance(u, dict) and u.get("id") and not u.get("deleted")), next_cursor(body))


CHANNELS = OptionSource("Slack channels", _channels)
USERS = OptionSource("Slack users", _users)

OPTIONS = property_options({
    CHANNELS: [f"{action}.channel" for action in (
        "send_channel_message", "update_message", "delete_message", "get_channel_history", "get_thread_replies",
        "schedule_message", "get_message_permalink", "send_ephemeral_message", "add_reaction", "set_channel_topic",
        "invite_user_to_channel", "get_message", "list_scheduled_messages", "delete_scheduled_message", "add_bookmark",
        "list_bookmarks", "edit_bookmark", "remove_bookmark", "list_canvases", "create_channel_canvas")],
    USERS: ["send_direct_message.user", "send_ephemeral_message.user", "invite_user_to_channel.user",
            "find_user_by_id.user_id", "get_user_profile.user_id"],
})

INTEGRATION = NativeIntegration(
    name="slack",
    display_name="Slack",
    description="Send and manage messages, channels and reactions in a Slack workspace.",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT", "OAUTH2"),
    default_base_url=SLACK.default_base_url,
    # Slack's own name for it, on the app's "OAuth & Permissions" page (api.slack.com/authentication/token-types).
    auth_form=AuthForm(secret_label="Bot User OAuth Token",
                       secret_description="The bot token (xoxb-...) of your Slack app, from its OAuth & Permissions "
                                          "page."),
    options=OPTIONS,
    triggers=TRIGGERS,
)
