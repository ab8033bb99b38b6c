"""A workspace for the portal tests, built through the API as a caller would: two end users (A and B) with their
own Slack connections, a per-user Slack alias, a per-user-with-fallback GitHub alias, and a fixed alias and a
per-user kv-store alias (which takes no connection), which the portal must not list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.server.accounts import Account, unique


@dataclass(frozen=True, slots=True)
class PortalWorkspace:
    workspace_id: str
    user_a: dict[str, Any]
    user_b: dict[str, Any]
    connection_a: dict[str, Any]
    connection_b: dict[str, Any]
    aliases: dict[str, dict[str, Any]]


def _created(answer: httpx.Response, key: str) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()[key]
    return body


def user_connection(api: httpx.Client, workspace_id: str, end_user: dict[str, Any], display: str,
                    integration: str = "slack") -> dict[str, Any]:
    return _created(api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique(f"{integration}-{end_user['externalId']}"), "displayName": display,
        "integrationName": integration, "workspaceId": workspace_id, "endUserId": end_user["externalId"],
        "secretText": f"token-of-{end_user['externalId']}-0123456789"}), "connection")


def portal_workspace(account: Account, *, slug: str = "portal", settings: dict[str, Any] | None = None
                     ) -> PortalWorkspace:
    with account.client() as api:
        ws = _created(api.post("/api/v1/workspaces", json={"name": "Portal", "slug": unique(slug)}),
                      "workspace")["id"]
        users = [_created(api.post("/api/v1/end-users", json={
            "workspaceId": ws, "externalId": unique(name), "displayName": display}), "endUser")
            for name, display in (("alice", "Alice A"), ("bob", "Bob B"))]
        shared = _created(api.post("/api/v1/connections", json={
            "type": "SECRET_TEXT", "externalId": unique("github-shared"), "displayName": "Shared GitHub",
            "integrationName": "github", "workspaceId": ws, "scope": "WORKSPACE",
            "secretText": "ghp_shared_token_0123456789"}), "connection")
        slack_bot = _created(api.post("/api/v1/connections", json={
            "type": "SECRET_TEXT", "externalId": unique("slack-bot"), "displayName": "Team bot",
            "integrationName": "slack", "workspaceId": ws, "scope": "WORKSPACE",
            "secretText": "xoxb-team-bot-0123456789"}), "connection")
        aliases = {}
        for alias, integration, strategy, connection in (
            ("slack", "slack", "per_user", None),
            ("github", "github", "per_user_with_fallback", shared["id"]),
            ("slack_bot", "slack", "fixed", slack_bot["id"]),
            ("kv", "kv-store", "per_user", None),  # per user, but nothing to connect
        ):
            body: dict[str, Any] = {"integrationName": integration, "alias": alias, "connectionStrategy": strategy,
                                    "displayName": f"{alias} alias"}
            if connection is not None:
                body["connectionId"] = connection
            if settings is not None and alias in settings:
                body["settings"] = settings[alias]
            aliases[alias] = _created(api.post(f"/api/v1/workspaces/{ws}/integrations", json=body), "integration")
        connection_a = user_connection(api, ws, users[0], "alice@slack")
        connection_b = user_connection(api, ws, users[1], "bob@slack")
    return PortalWorkspace(ws, users[0], users[1], connection_a, connection_b, aliases)
