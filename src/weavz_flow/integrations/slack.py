"""Slack (https://api.slack.com/methods): Web API methods over HTTPS with a bot or user token.

Slack answers HTTP 200 with ``{"ok": false, "error": "channel_not_found"}`` when a call fails; that becomes
ACTION_FAILED with ``providerError``. Outputs are Slack's response bodies as they come.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.catalog.model import AuthForm
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, json_value, pick, spec_actions, wire
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile


def slack_fault(body: Any) -> ProviderFault | None:
    if not isinstance(body, dict) or body.get("ok") is not False:
        return None
    error = str(body.get("error") or "unknown_error")
    details: dict[str, Any] = {"providerError": error}
    for key in ("needed", "provided", "warning"):
        if key in body:
            details[key] = body[key]
    messages = (body.get("response_metadata") or {}).get("messages")
    if messages:
        details["providerMessages"] = messages
    return ProviderFault(error, details)


SLACK = ProviderProfile(
    name="slack",
    display_name="Slack",
    default_base_url="https://slack.com/api",
    error_fault=slack_fault,
    body_fault=slack_fault,
)


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
)
