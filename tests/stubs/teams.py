"""A Microsoft Teams stub over Microsoft Graph (:mod:`tests.stubs.graph`): joined teams, channels, members and
messages, in memory.

Seed data: team ``team-eng`` (Engineering) with channel ``chan-general`` (General) and members ``m-ada`` (owner),
``m-bob`` and ``m-cy``; team ``team-ops`` (Operations) without channels; chat ``chat-1``. A message body must be
``{contentType: text|html, content}``; a channel needs a ``displayName`` of at most 50 characters, unique in its team
(409 ``NameAlreadyExists`` otherwise) and a membershipType of standard, private or shared. ``stub.messages`` holds
what was posted, by channel or chat id.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.graph import GraphStub, graph_error, not_found


def _member(member_id: str, name: str, roles: list[str]) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.aadUserConversationMember", "id": member_id, "displayName": name,
            "roles": roles, "userId": f"user-{member_id}", "email": f"{name.lower()}@example.com"}


class TeamsStub(GraphStub):
    name = "microsoft-teams"

    def seed(self) -> None:
        self.teams = {"team-eng": {"id": "team-eng", "displayName": "Engineering", "description": "Builds"},
                      "team-ops": {"id": "team-ops", "displayName": "Operations", "description": "Runs"}}
        self.channels: dict[str, list[dict[str, Any]]] = {
            "team-eng": [{"id": "chan-general", "displayName": "General", "membershipType": "standard"}],
            "team-ops": []}
        self.members = {"team-eng": [_member("m-ada", "Ada", ["owner"]), _member("m-bob", "Bob", []),
                                     _member("m-cy", "Cy", [])], "team-ops": []}
        self.chats = {"chat-1"}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.page_size = None

    def route(self, request: RecordedRequest, path: str) -> Response:
        method = request.method
        if path == "/me/joinedTeams" and method == "GET":
            return self.paged(request, list(self.teams.values()))
        found = re.fullmatch(r"/chats/([^/]+)/messages", path)
        if found and method == "POST":
            if found.group(1) not in self.chats:
                return not_found("Chat not found")
            return self._post(request, found.group(1))
        found = re.fullmatch(r"/teams/([^/]+)/(channels|members)(?:/([^/]+)/messages)?", path)
        if not found:
            return not_found()
        team, kind, channel = found.groups()
        if team not in self.teams:
            return graph_error(404, "No team found with Group Id " + team, "NotFound")
        if kind == "members" and channel is None and method == "GET":
            return self.paged(request, self.members[team])
        if kind != "channels":
            return not_found()
        if channel is not None and method == "POST":
            if not any(c["id"] == channel for c in self.channels[team]):
                return graph_error(404, "Channel not found", "NotFound")
            return self._post(request, channel)
        if channel is None and method == "GET":
            return self.paged(request, self.channels[team])
        if channel is None and method == "POST":
            return self._create_channel(request, team)
        return not_found()

    def _post(self, request: RecordedRequest, where: str) -> Response:
        body = (request.json or {}).get("body")
        if not isinstance(body, dict) or body.get("contentType") not in ("text", "html") or not body.get("content"):
            return graph_error(400, "Message body must be {contentType: text|html, content}", "BadRequest")
        message = {"id": f"{len(self.messages.get(where, [])) + 1700000000000}", "body": body,
                   "createdDateTime": "2026-12-03T09:00:00Z", "messageType": "message"}
        self.messages.setdefault(where, []).append(message)
        return JSONResponse(message, status_code=201)

    def _create_channel(self, request: RecordedRequest, team: str) -> Response:
        body = request.json or {}
        name = body.get("displayName") or ""
        if not name or len(name) > 50:
            return graph_error(400, "displayName is required and at most 50 characters", "BadRequest")
        if body.get("membershipType", "standard") not in ("standard", "private", "shared"):
            return graph_error(400, "Invalid membershipType", "BadRequest")
        if any(c["displayName"] == name for c in self.channels[team]):
            return graph_error(409, "Channel name already existed, please use other name", "NameAlreadyExists")
        channel = {"id": f"chan-{len(self.channels[team])}", "membershipType": "standard", **body}
        self.channels[team].append(channel)
        return JSONResponse(channel, status_code=201)
