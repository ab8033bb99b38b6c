"""Microsoft Teams over Microsoft Graph v1.0 (shared facts in :mod:`microsoft_graph`): the signed-in user's teams,
their channels and members, channel and chat messages, new channels.

Endpoints (https://learn.microsoft.com/en-us/graph/api/...): ``user-list-joinedteams`` ``GET /me/joinedTeams``;
``channel-list`` ``GET /teams/{team-id}/channels``; ``team-list-members`` ``GET /teams/{team-id}/members``
(conversationMember objects; ``$top`` up to 999); ``channel-post`` ``POST /teams/{team-id}/channels`` with
``displayName`` (at most 50 characters), ``description`` and ``membershipType`` (standard, private or shared:
https://learn.microsoft.com/en-us/graph/api/resources/channel), 201 with the channel; ``chatmessage-post`` ``POST
/teams/{team-id}/channels/{channel-id}/messages`` and ``chat-post-messages`` ``POST /chats/{chat-id}/messages`` with
``{body: {contentType: text|html, content}}`` (https://learn.microsoft.com/en-us/graph/api/resources/itembody), 201
with the chatMessage.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, wire
from weavz_flow.integrations.microsoft_graph import graph_integration, graph_profile, list_action
from weavz_flow.integrations.native_action import choice, invalid_input

TEAMS = graph_profile("microsoft-teams", "Microsoft Teams")
BODY_TYPES = ("text", "html")
MEMBERSHIP = ("standard", "private", "shared")
NAME_MAX = 50


def _message(spec: HttpSpec) -> Any:
    def send(ctx: ActionContext, values: dict[str, Any]) -> Any:
        kind = choice(ctx, values, "contentType", BODY_TYPES) if values.get("contentType") else "text"
        return call_spec(ctx, TEAMS, spec, {**values, "body": {"contentType": kind, "content": values["message"]}})

    return send


CREATE_CHANNEL = HttpSpec("POST", "/teams/{teamId}/channels", body=wire("displayName", "description",
                                                                        "membershipType"))


def create_channel(ctx: ActionContext, values: dict[str, Any]) -> Any:
    if len(values["displayName"]) > NAME_MAX:
        raise invalid_input(ctx, "displayName", f"must be at most {NAME_MAX} characters")
    if values.get("membershipType"):
        values = {**values, "membershipType": choice(ctx, values, "membershipType", MEMBERSHIP)}
    return call_spec(ctx, TEAMS, CREATE_CHANNEL, values)


DESCRIPTION = ("List teams, channels and members, create channels, and post channel and chat messages over "
               "Microsoft Graph.")
INTEGRATION = graph_integration(TEAMS, DESCRIPTION, {
    "list_teams": list_action(TEAMS, "/me/joinedTeams"),
    "list_channels": list_action(TEAMS, "/teams/{teamId}/channels"),
    "send_channel_message": _message(HttpSpec("POST", "/teams/{teamId}/channels/{channelId}/messages",
                                              body=wire("body"))),
    "create_channel": create_channel,
    "list_members": list_action(TEAMS, "/teams/{teamId}/members"),
    "send_chat_message": _message(HttpSpec("POST", "/chats/{chatId}/messages", body=wire("body"))),
})
