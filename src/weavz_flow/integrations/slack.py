"""Slack (https://api.slack.com/methods): Web API methods over HTTPS with a bot or user token.

Slack answers HTTP 200 with ``{"ok": false, "error": "channel_not_found"}`` when a call fails; that becomes
ACTION_FAILED with ``providerError``. Outputs are Slack's response bodies as they come.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pydantic import BaseModel, Field

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, json_value, pick, spec_action, wire
from weavz_flow.integrations.native_action import model_action
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile

# Field annotations mirror the SDK catalog's (Optional[...] included) so the catalog test compares like with like.
# ruff: noqa: UP045


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


class SlackSendChannelMessageInput(BaseModel):
    """Slack — Send Channel Message"""
    channel: str = Field(..., description="Channel")
    text: str = Field(..., description="Message text. Supports Slack mrkdwn formatting.")
    blocks: Optional[Any] = Field(None, description="Block Kit blocks as JSON array")
    thread_ts: Optional[str] = Field(None, description="Thread timestamp to reply in a thread")
    unfurl_links: Optional[bool] = Field(None, description="Enable unfurling of primarily text-based content")


class SlackSendDirectMessageInput(BaseModel):
    """Slack — Send Direct Message"""
    user: str = Field(..., description="User")
    text: str = Field(..., description="Message text. Supports Slack mrkdwn formatting.")
    blocks: Optional[Any] = Field(None, description="Block Kit blocks as JSON array")


class SlackUpdateMessageInput(BaseModel):
    """Slack — Update Message"""
    channel: str = Field(..., description="Channel")
    timestamp: str = Field(..., description="Message timestamp (ts) to update")
    text: str = Field(..., description="New message text")
    blocks: Optional[Any] = Field(None, description="Block Kit blocks as JSON array")


class SlackDeleteMessageInput(BaseModel):
    """Slack — Delete Message"""
    channel: str = Field(..., description="Channel")
    timestamp: str = Field(..., description="Message timestamp (ts) to delete")


class SlackGetChannelHistoryInput(BaseModel):
    """Slack — Get Channel History"""
    channel: str = Field(..., description="Channel")
    limit: Optional[float] = Field(None, description="Number of messages to retrieve (max 100)")


class SlackGetThreadRepliesInput(BaseModel):
    """Slack — Get Thread Replies"""
    channel: str = Field(..., description="Channel")
    thread_ts: str = Field(..., description="Thread parent timestamp")


class SlackScheduleMessageInput(BaseModel):
    """Slack — Schedule Message"""
    channel: str = Field(..., description="Channel")
    text: str = Field(..., description="Message Text")
    post_at: float = Field(..., description="Unix timestamp when Slack should send the message.")
    blocks: Optional[Any] = Field(None, description="Block Kit blocks as JSON array")
    thread_ts: Optional[str] = Field(None, description="Thread Timestamp")


class SlackGetMessagePermalinkInput(BaseModel):
    """Slack — Get Message Permalink"""
    channel: str = Field(..., description="Channel")
    timestamp: str = Field(..., description="Message Timestamp")


class SlackSendEphemeralMessageInput(BaseModel):
    """Slack — Send Ephemeral Message"""
    channel: str = Field(..., description="Channel")
    user: str = Field(..., description="User")
    text: str = Field(..., description="Message Text")
    blocks: Optional[Any] = Field(None, description="Block Kit blocks as JSON array")
    thread_ts: Optional[str] = Field(None, description="Thread Timestamp")


class SlackFindUserByEmailInput(BaseModel):
    """Slack — Find User by Email"""
    email: str = Field(..., description="Email address to look up")


class SlackFindUserByIdInput(BaseModel):
    """Slack — Find User by ID"""
    user_id: str = Field(..., description="Slack user ID")


class SlackAddReactionInput(BaseModel):
    """Slack — Add Reaction"""
    channel: str = Field(..., description="Channel")
    timestamp: str = Field(..., description="Message timestamp")
    emoji_name: str = Field(..., description="Emoji name without colons, e.g. thumbsup")


class SlackListChannelsInput(BaseModel):
    """Slack — List Channels"""
    types: Optional[str] = Field(None, description="Channel Types")
    limit: Optional[float] = Field(None, description="Maximum number of channels to return")
    exclude_archived: Optional[bool] = Field(None, description="Exclude archived channels")


class SlackCreateChannelInput(BaseModel):
    """Slack — Create Channel"""
    name: str = Field(..., description="Channel name (lowercase, no spaces)")
    is_private: Optional[bool] = Field(None, description="Create as a private channel")


class SlackSetChannelTopicInput(BaseModel):
    """Slack — Set Channel Topic"""
    channel: str = Field(..., description="Channel")
    topic: str = Field(..., description="Channel topic text")


class SlackInviteUserToChannelInput(BaseModel):
    """Slack — Invite User to Channel"""
    channel: str = Field(..., description="Channel")
    user: str = Field(..., description="User")


_BLOCKS = {"blocks": json_value}

POST_MESSAGE = HttpSpec(
    "POST", "/chat.postMessage", body=wire("channel", "text", "blocks", "thread_ts", "unfurl_links"), encoders=_BLOCKS
)
OPEN_CONVERSATION = HttpSpec("POST", "/conversations.open", body=wire(users="user"), output=pick("channel", "id"))


def send_direct_message(ctx: ActionContext, values: dict[str, Any]) -> Any:
    # Slack posts a DM to the conversation id of the user's IM channel, which conversations.open returns.
    channel = call_spec(ctx, SLACK, OPEN_CONVERSATION, {"user": values["user"]})
    return call_spec(ctx, SLACK, POST_MESSAGE, {**values, "channel": channel})


ACTIONS: Mapping[str, Any] = {
    a.info.name: a
    for a in (
        spec_action(SLACK, "send_channel_message", SlackSendChannelMessageInput, POST_MESSAGE),
        model_action("slack", "send_direct_message", SlackSendDirectMessageInput, send_direct_message),
        spec_action(SLACK, "update_message", SlackUpdateMessageInput,
                    HttpSpec("POST", "/chat.update", body=wire("channel", "text", "blocks", ts="timestamp"),
                             encoders=_BLOCKS)),
        spec_action(SLACK, "delete_message", SlackDeleteMessageInput,
                    HttpSpec("POST", "/chat.delete", body=wire("channel", ts="timestamp"))),
        spec_action(SLACK, "get_channel_history", SlackGetChannelHistoryInput,
                    HttpSpec("GET", "/conversations.history", query=wire("channel", "limit"))),
        spec_action(SLACK, "get_thread_replies", SlackGetThreadRepliesInput,
                    HttpSpec("GET", "/conversations.replies", query=wire("channel", ts="thread_ts"))),
        spec_action(SLACK, "schedule_message", SlackScheduleMessageInput,
                    HttpSpec("POST", "/chat.scheduleMessage",
                             body=wire("channel", "text", "post_at", "blocks", "thread_ts"), encoders=_BLOCKS)),
        spec_action(SLACK, "get_message_permalink", SlackGetMessagePermalinkInput,
                    HttpSpec("GET", "/chat.getPermalink", query=wire("channel", message_ts="timestamp"))),
        spec_action(SLACK, "send_ephemeral_message", SlackSendEphemeralMessageInput,
                    HttpSpec("POST", "/chat.postEphemeral", body=wire("channel", "user", "text", "blocks", "thread_ts"),
                             encoders=_BLOCKS)),
        spec_action(SLACK, "find_user_by_email", SlackFindUserByEmailInput,
                    HttpSpec("GET", "/users.lookupByEmail", query=wire("email"))),
        spec_action(SLACK, "find_user_by_id", SlackFindUserByIdInput,
                    HttpSpec("GET", "/users.info", query=wire(user="user_id"))),
        spec_action(SLACK, "add_reaction", SlackAddReactionInput,
                    HttpSpec("POST", "/reactions.add", body=wire("channel", "timestamp", name="emoji_name"))),
        spec_action(SLACK, "list_channels", SlackListChannelsInput,
                    HttpSpec("GET", "/conversations.list", query=wire("types", "limit", "exclude_archived"))),
        spec_action(SLACK, "create_channel", SlackCreateChannelInput,
                    HttpSpec("POST", "/conversations.create", body=wire("name", "is_private"))),
        spec_action(SLACK, "set_channel_topic", SlackSetChannelTopicInput,
                    HttpSpec("POST", "/conversations.setTopic", body=wire("channel", "topic"))),
        spec_action(SLACK, "invite_user_to_channel", SlackInviteUserToChannelInput,
                    HttpSpec("POST", "/conversations.invite", body=wire("channel", users="user"))),
    )
}

INTEGRATION = NativeIntegration(
    name="slack",
    display_name="Slack",
    description="Send and manage messages, channels and reactions in a Slack workspace.",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT", "OAUTH2"),
    default_base_url=SLACK.default_base_url,
)
