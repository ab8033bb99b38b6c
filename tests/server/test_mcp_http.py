"""The MCP endpoint as an agent meets it: the official ``mcp`` client over real Streamable HTTP on loopback against
the live server (uvicorn), tools that are views of the workspace, calls that are the execute pipeline's (the Slack
stub shows what reached the provider, the execution records what was recorded), and the token checks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import anyio
import httpx
import mcp_types as types
import pytest

from tests.server.accounts import SERVICE_KEY, Account, LiveServer
from tests.server.live_server import serve_in_thread
from tests.server.mcp_client import (
    Servers,
    add_alias,
    add_connection,
    add_end_user,
    mcp_session,
    new_workspace,
    output_of,
    run_async,
    text_of,
)
from tests.stubs.slack import SlackStub
from weavz_flow.engine.caller import Caller
from weavz_flow.redact import REDACTED
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.mcp.protocol import IDEMPOTENCY_META_KEY
from weavz_flow.server.settings import ServerSettings
from weavz_flow.wire.mcp import McpToolCreate
from weavz_flow.wire.vocabulary import McpAuthMode

LOCKED = "C0ALERTS"
BOT_TOKEN = "xoxb-mcp-bot-0000"
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}


@pytest.fixture
def servers(live_server: LiveServer, account: Account) -> Servers:
    return Servers(live_server, account)


def _bot_workspace(api: httpx.Client, slack: SlackStub) -> str:
    """kv-store (workspace persistence) and a fixed Slack bot whose default partial enforces the channel."""
    ws = new_workspace(api)
    add_alias(api, ws, {"integrationName": "kv-store", "alias": "kv",
                        "settings": {"persistence": {"scope": "workspace"}}})
    conn = add_connection(api, ws, BOT_TOKEN, slack.url)
    add_alias(api, ws, {"integrationName": "slack", "alias": "slack_bot", "connectionStrategy": "fixed",
                        "connectionId": conn, "enabledActions": ["send_channel_message", "list_channels"]})
    for name, values, enforced in [("alerts", {"channel": LOCKED}, ["channel"]),
                                   ("plain", {"unfurl_links": False}, [])]:
        made = api.post("/api/v1/partials", json={
            "workspaceId": ws, "integrationName": "slack", "integrationAlias": "slack_bot", "name": name,
            "actionName": "send_channel_message", "values": values, "enforcedKeys": enforced, "isDefault": True})
        assert made.status_code == 201, made.text
    return ws


def _bot_server(api: httpx.Client, servers: Servers, slack: SlackStub) -> tuple[str, str, str]:
    """The bot workspace, a bearer-mode server on it and its static bearer."""
    ws = _bot_workspace(api, slack)
    server, bearer = servers.create(ws)
    assert bearer is not None
    return ws, server.id, bearer


def _posts(slack: SlackStub) -> list[Any]:
    return [r for r in slack.requests if r.path.endswith("chat.postMessage")]


def test_initialize_list_and_a_kv_store_round_trip(
    api: httpx.Client, live_server: LiveServer, account: Account, servers: Servers, any_token_slack: SlackStub,
) -> None:
    ws, server_id, bearer = _bot_server(api, servers, any_token_slack)

    async def agent() -> None:
        async with mcp_session(live_server.url, server_id, bearer) as session:
            init = session.initialize_result
            assert init is not None and init.server_info.name == "weavz-flow"
            assert init.capabilities.tools is not None and init.capabilities.tools.list_changed
            listed = {t.name: t for t in (await session.list_tools()).tools}
            assert set(listed) == {"kv__put", "kv__get", "kv__delete", "kv__add_to_list", "kv__remove_from_list",
                                   "slack_bot__send_channel_message", "slack_bot__list_channels"}
            send = listed["slack_bot__send_channel_message"].input_schema
            assert "channel" not in send["properties"] and send["required"] == ["text"]
            assert send["properties"]["unfurl_links"]["default"] is False
            put = await session.call_tool("kv__put", {"key": "greeting", "value": {"hello": "agents"}})
            assert output_of(put) == {"key": "greeting", "value": {"hello": "agents"}}
            got = await session.call_tool("kv__get", {"key": "greeting"})
            assert output_of(got) == {"key": "greeting", "value": {"hello": "agents"}, "found": True}
            assert got.structured_content == output_of(got)

    run_async(agent)
    # The same store as REST's execute: the value is there for any other caller of the workspace.
    done = api.post("/api/v1/actions/execute", json={"integrationName": "kv-store", "actionName": "get",
                                                     "integrationAlias": "kv", "workspaceId": ws,
                                                     "input": {"key": "greeting"}})
    assert done.json()["output"]["value"] == {"hello": "agents"}
    records = live_server.engine.executions.list_page(Caller.system(account.org_id), workspace_id=ws).items
    assert [(r.action_name, r.source) for r in reversed(records)] == [("put", "mcp_tools"), ("get", "mcp_tools"),
                                                                      ("get", "rest")]


def test_an_enforced_key_holds_and_failures_are_tool_errors(
    api: httpx.Client, live_server: LiveServer, account: Account, servers: Servers, any_token_slack: SlackStub,
) -> None:
    ws, server_id, bearer = _bot_server(api, servers, any_token_slack)

    async def agent() -> list[types.CallToolResult]:
        async with mcp_session(live_server.url, server_id, bearer) as session:
            sent = await session.call_tool("slack_bot__send_channel_message",
                                           {"channel": "C0GENERAL", "text": "from the agent"})
            assert not sent.is_error, text_of(sent)
            any_token_slack.fail_next(400, body={"ok": False, "error": "channel_not_found"})
            failed = await session.call_tool("slack_bot__send_channel_message", {"text": "again"})
            invalid = await session.call_tool("slack_bot__send_channel_message", {"text": 42})
            with pytest.raises(Exception, match="Unknown tool"):
                await session.call_tool("slack_bot__delete_message", {})
            return [failed, invalid]

    failed, invalid = run_async(agent)
    posts = _posts(any_token_slack)
    assert posts[0].params()["channel"] == LOCKED and posts[0].params()["text"] == "from the agent"
    assert posts[0].bearer == BOT_TOKEN
    assert failed.is_error and text_of(failed).startswith("ACTION_FAILED: ")
    assert failed.structured_content is not None and failed.structured_content["code"] == "ACTION_FAILED"
    assert BOT_TOKEN not in json.dumps(failed.model_dump(mode="json"))
    assert invalid.is_error and text_of(invalid).startswith("VALIDATION_ERROR: ")
    records = live_server.engine.executions.list_page(Caller.system(account.org_id), workspace_id=ws).items
    sent_record = records[-1]
    assert sent_record.source == "mcp_tools" and (sent_record.input or {})["channel"] == REDACTED
    assert [a.name for a in sent_record.applied_partials or []] == ["alerts", "plain"]


def test_per_user_tokens_reach_their_own_connection(
    api: httpx.Client, live_server: LiveServer, servers: Servers, any_token_slack: SlackStub,
) -> None:
    ws = new_workspace(api)
    # A static bearer made before the workspace had a strict per_user alias: refused from then on.
    bearer_server, bearer = servers.create(ws, McpAuthMode.OAUTH_AND_BEARER)
    tokens = {}
    for user in ("alice", "bob"):
        add_end_user(api, ws, user)
        tokens[user] = f"xoxp-{user}-0000"
        add_connection(api, ws, tokens[user], any_token_slack.url, end_user=user)
    add_alias(api, ws, {"integrationName": "slack", "alias": "slack_me", "connectionStrategy": "per_user"})
    server, none = servers.create(ws, McpAuthMode.OAUTH)
    assert none is None
    # A tool row may pin a connection of its own: every caller of that tool uses it.
    shared = add_connection(api, ws, "xoxb-shared-0000", any_token_slack.url)
    servers.service.add_tool(servers.caller, server.id, McpToolCreate(
        integration_name="slack", action_name="list_channels", integration_alias="slack_me", connection_id=shared))
    alice, _ = servers.token(server.id, "alice", oauth=True)  # an OAuth access token (mcpo_)
    bob, _ = servers.token(server.id, "bob")  # a per-end-user bearer (mcp_)
    assert alice.startswith("mcpo_") and bob.startswith("mcp_")

    async def call_as(token: str, text: str) -> types.CallToolResult:
        async with mcp_session(live_server.url, server.id, token) as session:
            return await session.call_tool("slack_me__send_channel_message", {"channel": "C0GENERAL", "text": text})

    for token, text in ((alice, "from alice"), (bob, "from bob")):
        result = run_async(call_as, token, text)
        assert not result.is_error, text_of(result)
    posts = _posts(any_token_slack)
    assert [(p.bearer, p.params()["text"]) for p in posts] == [(tokens["alice"], "from alice"),
                                                               (tokens["bob"], "from bob")]

    async def list_as(token: str) -> types.CallToolResult:
        async with mcp_session(live_server.url, server.id, token) as session:
            return await session.call_tool("slack_me__list_channels", {})

    assert not run_async(list_as, alice).is_error
    assert any_token_slack.last.path.endswith("conversations.list") and any_token_slack.last.bearer == \
        "xoxb-shared-0000"

    assert bearer is not None
    refused = httpx.post(f"{live_server.url}/mcp/{bearer_server.id}", json=INITIALIZE,
                         headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json, text/event-stream"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "MCP_BEARER_BLOCKS_PER_USER"
    assert refused.headers["www-authenticate"].startswith("Bearer ")


def test_wrong_expired_and_revoked_tokens_get_401(
    api: httpx.Client, live_server: LiveServer, servers: Servers,
) -> None:
    ws = new_workspace(api)
    add_end_user(api, ws, "carol")
    server, _ = servers.create(ws, McpAuthMode.OAUTH)
    revoked, revoked_id = servers.token(server.id, "carol", oauth=True)
    servers.service.revoke_token(servers.caller, server.id, revoked_id)
    expiring, _ = servers.token(server.id, "carol", expires_in=60)
    no_tools, _ = servers.token(server.id, "carol", scopes=["mcp:code"])
    url = f"{live_server.url}/mcp/{server.id}"
    accept = {"Accept": "application/json, text/event-stream"}
    metadata = f"{live_server.url}/.well-known/oauth-protected-resource/mcp/{server.id}"

    def post(token: str | None) -> httpx.Response:
        auth = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return httpx.post(url, json=INITIALIZE, headers={**accept, **auth})

    clock = servers.service.clock
    servers.service.clock = lambda: clock() + timedelta(minutes=2)
    try:
        expired = post(expiring)
    finally:
        servers.service.clock = clock
    cases = {"missing": (post(None), "UNAUTHORIZED"), "wrong": (post("mcpo_" + "x" * 43), "INVALID_TOKEN"),
             "api key": (post("wvz_not-an-mcp-token"), "INVALID_TOKEN"),
             "revoked": (post(revoked), "MCP_TOKEN_REVOKED"), "expired": (expired, "MCP_TOKEN_EXPIRED")}
    for name, (response, code) in cases.items():
        assert response.status_code == 401, name
        assert response.json()["code"] == code, name
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ") and f'resource_metadata="{metadata}"' in challenge, name
        assert ('error="invalid_token"' in challenge) == (name != "missing"), name
    assert post(expiring).status_code == 200  # the same token before it expired
    scoped = post(no_tools)
    assert scoped.status_code == 403 and 'error="insufficient_scope"' in scoped.headers["www-authenticate"]

    described = httpx.get(metadata)
    assert described.status_code == 200
    assert described.json()["resource"] == url
    assert described.json()["authorization_servers"] == [f"{live_server.url}/"]
    assert described.json()["scopes_supported"] == ["mcp:tools"]
    # The authorization server that the metadata names answers for itself (its flow: test_mcp_oauth.py).
    authorization_server = httpx.get(f"{live_server.url}/.well-known/oauth-authorization-server")
    assert authorization_server.status_code == 200 and authorization_server.json()["issuer"] == f"{live_server.url}/"


def test_a_session_is_bound_to_its_token(api: httpx.Client, live_server: LiveServer, servers: Servers) -> None:
    ws = new_workspace(api)
    add_end_user(api, ws, "dave")
    server, _ = servers.create(ws, McpAuthMode.OAUTH)
    first, first_id = servers.token(server.id, "dave", oauth=True)
    second, _ = servers.token(server.id, "dave", oauth=True)
    accept = {"Accept": "application/json, text/event-stream"}
    opened = httpx.post(f"{live_server.url}/mcp/{server.id}", json=INITIALIZE,
                        headers={**accept, "Authorization": f"Bearer {first}"})
    assert opened.status_code == 200
    session_id = opened.headers["mcp-session-id"]
    other = httpx.post(f"{live_server.url}/mcp/{server.id}", json={"jsonrpc": "2.0", "id": 2, "method": "ping"},
                       headers={**accept, "Authorization": f"Bearer {second}", "Mcp-Session-Id": session_id,
                                "Mcp-Protocol-Version": "2025-11-25"})
    assert other.status_code == 404  # as if the session did not exist
    # Every request is checked again: a token revoked mid-session is refused at its next request.
    servers.service.revoke_token(servers.caller, server.id, first_id)
    again = httpx.post(f"{live_server.url}/mcp/{server.id}", json={"jsonrpc": "2.0", "id": 3, "method": "ping"},
                       headers={**accept, "Authorization": f"Bearer {first}", "Mcp-Session-Id": session_id,
                                "Mcp-Protocol-Version": "2025-11-25"})
    assert again.status_code == 401 and again.json()["code"] == "MCP_TOKEN_REVOKED"


def test_list_changed_arrives_after_an_alias_is_added(
    api: httpx.Client, live_server: LiveServer, servers: Servers,
) -> None:
    ws = new_workspace(api)
    add_alias(api, ws, {"integrationName": "kv-store", "alias": "kv"})
    server, bearer = servers.create(ws)
    assert bearer is not None

    async def agent() -> set[str]:
        changed = anyio.Event()

        async def on_message(message: Any) -> None:
            if isinstance(message, types.ToolListChangedNotification):
                changed.set()

        async with mcp_session(live_server.url, server.id, bearer, on_message) as session:
            before = {t.name for t in (await session.list_tools()).tools}
            assert "files__read_file" not in before
            await anyio.to_thread.run_sync(lambda: add_alias(api, ws, {"integrationName": "storage",
                                                                      "alias": "files"}))
            with anyio.fail_after(30):
                await changed.wait()
            return {t.name for t in (await session.list_tools()).tools} - before

    added = run_async(agent)
    assert added and all(name.startswith("files__") for name in added)


def test_an_idempotency_key_in_meta_replays_instead_of_running_twice(
    api: httpx.Client, live_server: LiveServer, servers: Servers,
) -> None:
    ws = new_workspace(api)
    add_alias(api, ws, {"integrationName": "kv-store", "alias": "kv",
                        "settings": {"persistence": {"scope": "workspace"}}})
    server, bearer = servers.create(ws)
    assert bearer is not None

    async def agent() -> Any:
        async with mcp_session(live_server.url, server.id, bearer) as session:
            for _ in range(2):
                added = await session.call_tool("kv__add_to_list", {"key": "once", "value": "x"},
                                                meta={IDEMPOTENCY_META_KEY: f"add-once-{ws}"})
                assert output_of(added) == {"key": "once", "value": ["x"]}
            return output_of(await session.call_tool("kv__get", {"key": "once"}))

    assert run_async(agent)["value"] == ["x"]


@pytest.mark.parametrize("version", ["2025-03-26", "2025-11-25"])
def test_sessions_of_each_protocol_version_get_the_same_list_every_time(
    api: httpx.Client, live_server: LiveServer, servers: Servers, any_token_slack: SlackStub, version: str,
) -> None:
    _, server_id, bearer = _bot_server(api, servers, any_token_slack)
    url = f"{live_server.url}/mcp/{server_id}"
    headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json, text/event-stream"}
    with httpx.Client(headers=headers, timeout=30) as http:
        opened = http.post(url, json={**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": version}})
        assert opened.status_code == 200, opened.text
        session = {"Mcp-Session-Id": opened.headers["mcp-session-id"], "Mcp-Protocol-Version": version}
        http.post(url, headers=session, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        answers = []
        for rid in (2, 3):  # the second answer comes from the cache of the first
            listed = http.post(url, headers=session, json={"jsonrpc": "2.0", "id": rid, "method": "tools/list"})
            data = [line[5:] for line in listed.text.splitlines() if line.startswith("data:")]
            answers.append(json.loads(data[0])["result"])
    assert answers[0] == answers[1]
    send = next(t for t in answers[0]["tools"] if t["name"] == "slack_bot__send_channel_message")
    assert send["title"] == "Send Channel Message" and "channel" not in send["inputSchema"]["properties"]


def test_a_stateless_endpoint_serves_any_request_alone(
    api: httpx.Client, live_server: LiveServer, account: Account, any_token_slack: SlackStub,
) -> None:
    """What ``serve --workers N`` runs: no session is kept, so any worker can answer any request."""
    _, server_id, bearer = _bot_server(api, Servers(live_server, account), any_token_slack)
    settings = ServerSettings(service_key=Sensitive(SERVICE_KEY), mcp_stateless=True)
    # A second app over the same store, as a second worker process would be.
    with serve_in_thread(create_app(live_server.engine, settings)) as url:
        async def agent() -> None:
            async with mcp_session(url, server_id, bearer) as session:
                init = session.initialize_result
                assert init is not None and init.capabilities.tools is not None
                assert not init.capabilities.tools.list_changed  # nothing could deliver it
                names = {t.name for t in (await session.list_tools()).tools}
                assert "kv__put" in names
                assert output_of(await session.call_tool("kv__put", {"key": "k", "value": 1}))["value"] == 1

        run_async(agent)
        opened = httpx.post(f"{url}/mcp/{server_id}", json=INITIALIZE,
                            headers={"Authorization": f"Bearer {bearer}",
                                     "Accept": "application/json, text/event-stream"})
        assert opened.status_code == 200 and "mcp-session-id" not in opened.headers


def test_a_gated_tool_call_says_approval_is_pending_then_runs_once(
    api: httpx.Client, live_server: LiveServer, account: Account, servers: Servers, any_token_slack: SlackStub,
) -> None:
    ws, server_id, bearer = _bot_server(api, servers, any_token_slack)
    policy = api.post("/api/v1/approval-policies", json={
        "name": "agent sends", "workspaceId": ws, "sources": ["mcp_tools"], "mcpServerIds": [server_id],
        "actionNames": ["send_channel_message"]})
    assert policy.status_code == 201, policy.text
    args = {"text": "agent wants to post"}

    async def call() -> types.CallToolResult:
        async with mcp_session(live_server.url, server_id, bearer) as session:
            return await session.call_tool("slack_bot__send_channel_message", args)

    pending = run_async(call)
    assert not pending.is_error and "Approval pending" in text_of(pending)
    body = pending.structured_content or {}
    assert (body["status"], body["approval"]["status"]) == ("approval_required", "pending")
    approval_id = body["approval"]["id"]
    assert approval_id in text_of(pending) and _posts(any_token_slack) == []
    assert run_async(call).structured_content["approval"]["id"] == approval_id  # the agent asks again: same one

    shown = api.get(f"/api/v1/approvals/{approval_id}").json()["approval"]
    assert (shown["source"], shown["mcpServerId"]) == ("mcp_tools", server_id)
    live_server.engine.approvals.decide(Caller.system(account.org_id), approval_id, "approve", reason="fine")
    assert output_of(run_async(call))["ok"] is True
    assert [p.params()["text"] for p in _posts(any_token_slack)] == ["agent wants to post"]
    again = run_async(call)  # the approval is used: the same call asks anew
    assert again.structured_content["approval"]["id"] != approval_id
    assert len(_posts(any_token_slack)) == 1
