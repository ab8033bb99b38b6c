"""MCP server tokens at the engine: what authenticate accepts and refuses, and that only hashes are stored."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import ECHO, NOAUTH
from tests.engine.engine_fixtures import World
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.inputs import ConnectionCreate, EndUserCreate, WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.engine.mcp_access import TokenKind
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.mcp import (
    McpServer,
    McpServerCreate,
    McpServerUpdate,
    McpTokenCreate,
    McpToolCreate,
    McpToolUpdate,
)
from weavz_flow.wire.vocabulary import McpAuthMode


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(world: World) -> Clock:
    ticking = Clock()
    world.engine.mcp_servers.clock = ticking
    return ticking


def _server(world: World, name: str = "agent", auth_mode: McpAuthMode = McpAuthMode.BEARER,
            workspace_id: str | None = None) -> tuple[McpServer, str | None]:
    request = McpServerCreate(name=name, workspace_id=workspace_id or world.workspace.id, auth_mode=auth_mode)
    return world.engine.mcp_servers.create(world.caller, request)


def _end_user(world: World, external_id: str, workspace_id: str | None = None) -> None:
    world.engine.end_users.create(
        world.caller, EndUserCreate(workspace_id=workspace_id or world.workspace.id, external_id=external_id))


def _refused(world: World, server_id: str, token: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        world.engine.mcp_servers.authenticate(server_id, token)
    return caught.value


def test_each_kind_of_token_grants_its_server_workspace_and_end_user(world: World, clock: Clock) -> None:
    server, bearer = _server(world)
    _end_user(world, "alice")
    service = world.engine.mcp_servers
    user_token, info = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    oauth_token, oauth_info = service.mint_token(
        world.caller, server.id, McpTokenCreate(end_user_id="alice", scopes=["mcp:tools", "mcp:code"]), oauth=True)
    assert bearer is not None and bearer.startswith("mcp_")
    assert user_token.startswith("mcp_") and oauth_token.startswith("mcpo_")
    assert (info.auth_method, info.token_type, info.end_user_id) == ("bearer", "mcp_bearer", "alice")
    assert (oauth_info.auth_method, oauth_info.scopes) == ("oauth", ["mcp:tools", "mcp:code"])
    assert info.expires_at == "2030-01-01T01:00:00.000000Z"  # an hour by default

    static = service.authenticate(server.id, bearer)
    assert (static.token_kind, static.end_user_id) == (TokenKind.SERVER_BEARER, None)
    user = service.authenticate(server.id, user_token)
    assert (user.token_kind, user.end_user_id, user.scopes) == (TokenKind.BEARER, "alice", frozenset({"mcp:tools"}))
    oauth = service.authenticate(server.id, oauth_token)
    assert (oauth.token_kind, oauth.end_user_id) == (TokenKind.OAUTH, "alice")
    for access in (static, user, oauth):
        assert access.server.id == server.id
        assert access.caller.org_id == world.caller.org_id
        assert access.caller.workspace_ids == frozenset({world.workspace.id})


def test_wrong_tokens_and_wrong_prefixes_are_401_invalid_token(world: World, clock: Clock) -> None:
    server, bearer = _server(world)
    _end_user(world, "alice")
    oauth_token, _ = world.engine.mcp_servers.mint_token(
        world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=True)
    assert bearer is not None
    for wrong in ("", "mcp_wrong", bearer + "x", "wvz_" + bearer[4:], bearer.upper(),
                  "mcp_" + oauth_token.removeprefix("mcpo_"), "mcpo_" + bearer.removeprefix("mcp_")):
        error = _refused(world, server.id, wrong)
        assert (error.status, error.code) == (401, ErrorCode.INVALID_TOKEN), wrong
    unknown = _refused(world, "no-such-server", bearer)
    assert (unknown.status, unknown.code) == (401, ErrorCode.INVALID_TOKEN)


def test_a_token_of_another_server_is_refused(world: World, clock: Clock) -> None:
    first, first_bearer = _server(world, "first")
    second, _ = _server(world, "second")
    _end_user(world, "alice")
    token, _ = world.engine.mcp_servers.mint_token(
        world.caller, first.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    assert first_bearer is not None
    for stolen in (token, first_bearer):
        assert _refused(world, second.id, stolen).code == ErrorCode.INVALID_TOKEN


def test_an_expired_token_is_refused_once_the_clock_passes_its_expiry(world: World, clock: Clock) -> None:
    server, _ = _server(world, auth_mode=McpAuthMode.OAUTH)
    _end_user(world, "alice")
    token, _ = world.engine.mcp_servers.mint_token(
        world.caller, server.id, McpTokenCreate(end_user_id="alice", expires_in=120), oauth=True)
    clock.now += timedelta(seconds=119)
    assert world.engine.mcp_servers.authenticate(server.id, token).end_user_id == "alice"
    clock.now += timedelta(seconds=1)
    error = _refused(world, server.id, token)
    assert (error.status, error.code) == (401, ErrorCode.MCP_TOKEN_EXPIRED)


def test_a_revoked_token_is_refused_and_others_still_work(world: World, clock: Clock) -> None:
    server, _ = _server(world)
    _end_user(world, "alice")
    service = world.engine.mcp_servers
    revoked, info = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    kept, _ = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    assert info.id is not None
    service.revoke_token(world.caller, server.id, info.id)
    service.revoke_token(world.caller, server.id, info.id)  # again: nothing changes
    error = _refused(world, server.id, revoked)
    assert (error.status, error.code) == (401, ErrorCode.MCP_TOKEN_REVOKED)
    assert service.authenticate(server.id, kept).end_user_id == "alice"
    listed = {i.id: i for i in service.list_tokens(world.caller, server.id)}
    assert listed[info.id].revoked_at is not None and len(listed) == 2


def test_tokens_are_stored_only_as_sha256(world: World, clock: Clock) -> None:
    server, bearer = _server(world)
    _end_user(world, "alice")
    service = world.engine.mcp_servers
    token, _ = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    oauth_token, _ = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=True)
    regenerated = service.regenerate_bearer(world.caller, server.id)
    assert bearer is not None
    with world.engine.store.read() as conn:
        servers = [dict(r._mapping) for r in conn.execute(sa.select(t.mcp_servers))]
        tokens = [dict(r._mapping) for r in conn.execute(sa.select(t.mcp_tokens))]
    stored = repr(servers) + repr(tokens)
    for plain in (bearer, regenerated, token, oauth_token):
        assert plain not in stored and plain.split("_", 1)[1] not in stored
    assert servers[0]["bearer_hash"] == hashlib.sha256(regenerated.encode()).hexdigest()
    assert {r["token_hash"] for r in tokens} == {hashlib.sha256(p.encode()).hexdigest() for p in (token, oauth_token)}
    assert _refused(world, server.id, bearer).code == ErrorCode.INVALID_TOKEN  # the old bearer is gone
    assert service.authenticate(server.id, regenerated).token_kind == TokenKind.SERVER_BEARER


def test_a_suspended_server_refuses_every_token(world: World, clock: Clock) -> None:
    server, bearer = _server(world)
    assert bearer is not None
    with world.engine.store.write() as conn:
        conn.execute(sa.update(t.mcp_servers).where(t.mcp_servers.c.id == server.id).values(suspended=True))
    error = _refused(world, server.id, bearer)
    assert (error.status, error.code) == (401, ErrorCode.MCP_SERVER_SUSPENDED)
    assert _refused(world, server.id, "mcp_wrong").code == ErrorCode.INVALID_TOKEN  # a guess learns nothing


def test_a_static_bearer_is_refused_once_the_workspace_gets_a_strict_per_user_alias(
    world: World, clock: Clock
) -> None:
    server, bearer = _server(world)
    _end_user(world, "alice")
    service = world.engine.mcp_servers
    user_token, _ = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    assert bearer is not None
    # per_user for an integration without credentials needs no end user: the bearer still works.
    for integration in (NOAUTH, ECHO):
        if integration == ECHO:
            assert service.authenticate(server.id, bearer).token_kind == TokenKind.SERVER_BEARER
        world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
            integration_name=integration, connection_strategy="per_user"))
    error = _refused(world, server.id, bearer)
    assert (error.status, error.code) == (403, ErrorCode.MCP_BEARER_BLOCKS_PER_USER)
    assert service.authenticate(server.id, user_token).end_user_id == "alice"  # carries its end user
    with pytest.raises(ApiError) as caught:
        service.regenerate_bearer(world.caller, server.id)
    assert (caught.value.status, caught.value.code) == (409, ErrorCode.MCP_BEARER_BLOCKS_PER_USER)
    # A server that names its end user gives its bearer that identity.
    service.update(world.caller, server.id, McpServerUpdate(end_user_id="alice"))
    named = service.authenticate(server.id, bearer)
    assert (named.token_kind, named.end_user_id) == (TokenKind.SERVER_BEARER, "alice")


def test_leaving_the_bearer_modes_forgets_the_bearer(world: World, clock: Clock) -> None:
    server, bearer = _server(world)
    assert bearer is not None
    service = world.engine.mcp_servers
    service.update(world.caller, server.id, McpServerUpdate(auth_mode=McpAuthMode.OAUTH))
    assert _refused(world, server.id, bearer).code == ErrorCode.INVALID_TOKEN
    service.update(world.caller, server.id, McpServerUpdate(auth_mode=McpAuthMode.OAUTH_AND_BEARER))
    assert _refused(world, server.id, bearer).code == ErrorCode.INVALID_TOKEN  # not revived
    fresh = service.regenerate_bearer(world.caller, server.id)
    assert service.authenticate(server.id, fresh).token_kind == TokenKind.SERVER_BEARER


def test_tokens_need_an_end_user_of_the_servers_workspace_and_known_scopes(world: World, clock: Clock) -> None:
    server, _ = _server(world)
    other = world.engine.workspaces.create(world.caller, WorkspaceCreate(name="Other", slug="other"))
    _end_user(world, "bob", other.id)
    service = world.engine.mcp_servers
    with pytest.raises(ApiError) as caught:
        service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="bob"), oauth=False)
    assert (caught.value.status, caught.value.code) == (404, ErrorCode.END_USER_NOT_FOUND)
    _end_user(world, "alice")
    for scopes in (["mcp:admin"], []):
        with pytest.raises(ApiError) as caught:
            service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice", scopes=scopes),
                               oauth=True)
        assert (caught.value.status, caught.value.code) == (400, ErrorCode.VALIDATION_ERROR)


def test_deleting_the_end_user_or_the_server_deletes_its_tokens(world: World, clock: Clock) -> None:
    server, _ = _server(world)
    _end_user(world, "alice")
    service = world.engine.mcp_servers
    token, _ = service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=False)
    alice = world.engine.end_users.list_page(world.caller, world.workspace.id).items[0]
    world.engine.end_users.delete(world.caller, alice.id)
    _end_user(world, "alice")  # the same external id again: not the same person's tokens
    assert _refused(world, server.id, token).code == ErrorCode.INVALID_TOKEN
    service.mint_token(world.caller, server.id, McpTokenCreate(end_user_id="alice"), oauth=True)
    service.add_tool(world.caller, server.id, McpToolCreate(integration_name=NOAUTH, action_name="ping"))
    service.delete(world.caller, server.id)
    with world.engine.store.read() as conn:
        for table in (t.mcp_servers, t.mcp_tools, t.mcp_tokens):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0, table.name


def test_bulk_reads_for_plan_answer_in_one_query_each_within_the_callers_scope(world: World, clock: Clock) -> None:
    service = world.engine.mcp_servers
    other = world.engine.workspaces.create(world.caller, WorkspaceCreate(name="Other", slug="other"))
    first, _ = _server(world, "first")
    second, _ = _server(world, "second", auth_mode=McpAuthMode.OAUTH)
    elsewhere, _ = _server(world, "elsewhere", workspace_id=other.id)
    late = service.add_tool(world.caller, first.id, McpToolCreate(integration_name=NOAUTH, action_name="ping",
                                                                 sort_order=5))
    early = service.add_tool(world.caller, first.id, McpToolCreate(integration_name=ECHO, action_name="whoami",
                                                                  integration_alias="echo_bot"))
    listed = service.list_many(world.caller, [world.workspace.id, other.id])
    assert [(s.workspace_id, s.name) for s in listed] == \
        sorted([(world.workspace.id, "first"), (world.workspace.id, "second"), (other.id, "elsewhere")])
    tools = service.tools_many(world.caller, [first.id, second.id, elsewhere.id, "no-such-server"])
    assert {k: [t.id for t in v] for k, v in tools.items()} == \
        {first.id: [early.id, late.id], second.id: [], elsewhere.id: []}
    scoped = Caller(org_id=world.caller.org_id, workspace_ids=frozenset({world.workspace.id}))
    assert set(service.tools_many(scoped, [first.id, elsewhere.id])) == {first.id}
    with pytest.raises(ApiError) as caught:
        service.list_many(scoped, [other.id])
    assert caught.value.code == ErrorCode.SCOPE_DENIED


def test_a_tools_connection_must_be_the_integrations_and_visible_to_the_workspace(
    world: World, clock: Clock
) -> None:
    server, _ = _server(world)
    service = world.engine.mcp_servers
    mine = world.connection("echo-shared", "shared:canary")
    kv = world.engine.connections.create(world.caller, ConnectionCreate(
        type="SECRET_TEXT", external_id="kv", display_name="kv", integration_name=NOAUTH, secret_text="x"))
    tool = service.add_tool(world.caller, server.id, McpToolCreate(integration_name=ECHO, action_name="whoami",
                                                                  connection_id=mine))
    assert tool.connection_id == mine
    for connection_id, status in ((kv.id, 400), ("no-such-connection", 404)):
        with pytest.raises(ApiError) as caught:
            service.update_tool(world.caller, server.id, tool.id, McpToolUpdate(connection_id=connection_id))
        assert caught.value.status == status
    cleared = service.update_tool(world.caller, server.id, tool.id, McpToolUpdate(connection_id=None))
    assert cleared.connection_id is None
