"""Microsoft Teams: every catalog action executed through the engine (alias -> connection -> the Graph stub),
asserting what Graph received and what the action returned; next links followed, a Graph error, a refused token,
custom_api_call."""

from __future__ import annotations

import pytest

from tests.integrations.microsoft_suite import assert_graph_failure, assert_refused_token
from tests.integrations.provider_suite import AliasedEngine, provider_fixtures
from tests.stubs.graph import GRAPH_TOKEN, PREFIX
from tests.stubs.teams import TeamsStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(TeamsStub, "microsoft-teams", GRAPH_TOKEN, PREFIX)


@pytest.fixture
def teams(provider_engine: AliasedEngine, stub: TeamsStub) -> AliasedEngine:
    return provider_engine


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["microsoft-teams"].actions) == set(
        sdk_catalog.integration("microsoft-teams").actions)


def test_list_teams(teams: AliasedEngine, stub: TeamsStub) -> None:
    out = teams.run("list_teams", {})
    assert (stub.last.method, stub.last.path, stub.last.bearer) == ("GET", "/v1.0/me/joinedTeams", GRAPH_TOKEN)
    assert [t["displayName"] for t in out["value"]] == ["Engineering", "Operations"] and out["nextLink"] is None


def test_list_members_follows_every_next_link(teams: AliasedEngine, stub: TeamsStub) -> None:
    stub.page_size = 1
    out = teams.run("list_members", {"teamId": "team-eng"})
    assert [r.path for r in stub.requests] == ["/v1.0/teams/team-eng/members"] * 3
    assert [r.query.get("$skiptoken") for r in stub.requests] == [None, "1", "2"]
    assert [m["displayName"] for m in out["value"]] == ["Ada", "Bob", "Cy"] and out["nextLink"] is None
    assert out["value"][0]["roles"] == ["owner"]


def test_list_channels(teams: AliasedEngine, stub: TeamsStub) -> None:
    out = teams.run("list_channels", {"teamId": "team-eng"})
    assert (stub.last.method, stub.last.path) == ("GET", "/v1.0/teams/team-eng/channels")
    assert out["value"] == [{"id": "chan-general", "displayName": "General", "membershipType": "standard"}]


def test_send_channel_message(teams: AliasedEngine, stub: TeamsStub) -> None:
    out = teams.run("send_channel_message", {"teamId": "team-eng", "channelId": "chan-general",
                                             "message": "<b>Deployed</b>", "contentType": "HTML"})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/v1.0/teams/team-eng/channels/chan-general/messages")
    assert req.json == {"body": {"contentType": "html", "content": "<b>Deployed</b>"}}
    assert out["body"]["content"] == "<b>Deployed</b>" and stub.messages["chan-general"][0]["id"] == out["id"]


def test_send_chat_message_is_text_by_default(teams: AliasedEngine, stub: TeamsStub) -> None:
    out = teams.run("send_chat_message", {"chatId": "chat-1", "message": "hi"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1.0/chats/chat-1/messages")
    assert stub.last.json == {"body": {"contentType": "text", "content": "hi"}}
    assert out["id"] == stub.messages["chat-1"][0]["id"]


def test_create_channel(teams: AliasedEngine, stub: TeamsStub) -> None:
    out = teams.run("create_channel", {"teamId": "team-ops", "displayName": "Incidents", "description": "Pages",
                                       "membershipType": "Private"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1.0/teams/team-ops/channels")
    assert stub.last.json == {"displayName": "Incidents", "description": "Pages", "membershipType": "private"}
    assert out["id"] == "chan-0" and out["membershipType"] == "private"


def test_a_channel_name_over_fifty_characters_is_refused_before_sending(teams: AliasedEngine,
                                                                       stub: TeamsStub) -> None:
    error = teams.error("create_channel", {"teamId": "team-ops", "displayName": "x" * 51})
    assert error.code == ErrorCode.VALIDATION_ERROR and stub.requests == []


def test_a_graph_error_names_its_status_code_and_request_id(teams: AliasedEngine, stub: TeamsStub) -> None:
    error = teams.error("create_channel", {"teamId": "team-eng", "displayName": "General"})
    assert_graph_failure(error, 409, "NameAlreadyExists", "Channel name already existed")


def test_a_refused_token_is_an_auth_failure_without_the_token(teams: AliasedEngine, stub: TeamsStub) -> None:
    assert_refused_token(teams, stub, "list_teams", {})


def test_custom_api_call_posts_json(teams: AliasedEngine, stub: TeamsStub) -> None:
    out = teams.run("custom_api_call", {"url": "/chats/chat-1/messages", "method": "POST",
                                        "body": {"body": {"contentType": "text", "content": "raw"}}})
    assert (stub.last.method, stub.last.path, stub.last.bearer) == ("POST", "/v1.0/chats/chat-1/messages",
                                                                    GRAPH_TOKEN)
    assert out["status"] == 201 and out["body"]["body"]["content"] == "raw"
