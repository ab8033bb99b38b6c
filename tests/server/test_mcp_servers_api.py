"""The official SDK's ``mcp_servers`` methods, unchanged, against a live server (SQLite and PostgreSQL).

Servers, tools and tokens as weavz-sdk-wire.md §2.10 describes them; the checks behind them (aliases, partials,
CODE mode, strict per_user against a static bearer, scoped keys). Tokens are read back only through the engine's
authenticate, the one place that takes them.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, LiveServer, unique
from weavz_flow.engine import tables as t
from weavz_flow.errors import ApiError


@pytest.fixture
def ws(sdk: WeavzClient) -> str:
    return str(sdk.workspaces.create(name="Agents", slug=unique("mcp"))["workspace"]["id"])


def _refused(call: Any, status: int, code: str) -> WeavzError:
    with pytest.raises(WeavzError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value
    return caught.value


def test_create_answers_the_server_its_endpoint_and_a_bearer_only_for_bearer_modes(
    sdk: WeavzClient, account: Account, ws: str
) -> None:
    bearer = sdk.mcp_servers.create(name="support", workspace_id=ws, auth_mode="bearer", description="Support agent",
                                    settings={"codeMode": {"approvalWaitSeconds": 30}}, created_by="ops")
    server = bearer["server"]
    assert (server["name"], server["mode"], server["authMode"], server["workspaceId"]) == \
        ("support", "TOOLS", "bearer", ws)
    assert server["settings"] == {"codeMode": {"approvalWaitSeconds": 30}} and server["createdBy"] == "ops"
    assert bearer["mcpEndpoint"] == f"{account.url}/mcp/{server['id']}"
    assert bearer["bearerToken"].startswith("mcp_") and bearer["bearerToken"] not in str(server)
    both = sdk.mcp_servers.create(name="both", workspace_id=ws, auth_mode="oauth_and_bearer")
    assert both["bearerToken"].startswith("mcp_") and both["bearerToken"] != bearer["bearerToken"]
    oauth = sdk.mcp_servers.create(name="default", workspace_id=ws)
    assert oauth["server"]["authMode"] == "oauth" and "bearerToken" not in oauth
    assert oauth["server"]["suspended"] is False and oauth["server"]["createdAt"]
    _refused(lambda: sdk.mcp_servers.create(name="default", workspace_id=ws), 409, "DUPLICATE")
    _refused(lambda: sdk.mcp_servers.create(name="x", workspace_id=ws, auth_mode="basic"), 400, "VALIDATION_ERROR")
    _refused(lambda: sdk.mcp_servers.create(name="x", workspace_id="no-such-ws"), 404, "NOT_FOUND")


def test_code_mode_is_refused_clearly(sdk: WeavzClient, ws: str) -> None:
    error = _refused(lambda: sdk.mcp_servers.create(name="coder", workspace_id=ws, mode="CODE"),
                     400, "MCP_MODE_UNSUPPORTED")
    assert "code sandbox" in str(error) and "not support" in str(error)
    server = sdk.mcp_servers.create(name="tools", workspace_id=ws, mode="TOOLS")["server"]
    _refused(lambda: sdk.mcp_servers.update(server["id"], mode="CODE"), 400, "MCP_MODE_UNSUPPORTED")
    assert sdk.mcp_servers.list(workspace_id=ws)["total"] == 1  # the refused create left nothing behind


def test_list_pages_and_leaves_out_suspended_servers_unless_asked(
    sdk: WeavzClient, live_server: LiveServer, ws: str
) -> None:
    ids = [sdk.mcp_servers.create(name=f"s{i}", workspace_id=ws)["server"]["id"] for i in range(3)]
    other = sdk.workspaces.create(name="Other", slug=unique("other"))["workspace"]["id"]
    sdk.mcp_servers.create(name="elsewhere", workspace_id=other)
    first = sdk.mcp_servers.list(workspace_id=ws, limit=2)
    assert [s["id"] for s in first["servers"]] == ids[:2] and first["total"] == 3
    rest = sdk.mcp_servers.list(workspace_id=ws, limit=2, offset=2)
    assert [s["id"] for s in rest["servers"]] == ids[2:] and rest["total"] == 3
    assert sdk.mcp_servers.list()["total"] == 4  # every workspace of the organization
    with live_server.engine.store.write() as conn:  # suspension is the operator's; the API has no route for it
        conn.execute(sa.update(t.mcp_servers).where(t.mcp_servers.c.id == ids[1]).values(suspended=True))
    shown = sdk.mcp_servers.list(workspace_id=ws)
    assert [s["id"] for s in shown["servers"]] == [ids[0], ids[2]] and shown["total"] == 2
    everything = sdk.mcp_servers.list(workspace_id=ws, include_suspended=True)
    assert [s["id"] for s in everything["servers"]] == ids
    assert [s["suspended"] for s in everything["servers"]] == [False, True, False]
    assert sdk.mcp_servers.list(workspace_id=ws, include_suspended=False)["total"] == 2


def test_get_update_and_delete(sdk: WeavzClient, ws: str) -> None:
    server = sdk.mcp_servers.create(name="agent", workspace_id=ws, description="first")["server"]
    sdk.mcp_servers.create(name="taken", workspace_id=ws)
    fetched = sdk.mcp_servers.get(server["id"])
    assert fetched["server"] == server and fetched["tools"] == []
    renamed = sdk.mcp_servers.update(server["id"], name="renamed", end_user_access="restricted",
                                     settings={"k": 1})["server"]
    assert (renamed["name"], renamed["description"], renamed["endUserAccess"], renamed["settings"]) == \
        ("renamed", "first", "restricted", {"k": 1})
    cleared = sdk.mcp_servers.update(server["id"], description=None)["server"]
    assert cleared["description"] is None and cleared["name"] == "renamed"
    _refused(lambda: sdk.mcp_servers.update(server["id"], name="taken"), 409, "DUPLICATE")
    _refused(lambda: sdk.mcp_servers.update(server["id"], end_user_id="nobody"), 404, "END_USER_NOT_FOUND")
    _refused(lambda: sdk.mcp_servers.update(server["id"]), 400, "NO_UPDATES")
    assert sdk.mcp_servers.delete(server["id"])["deleted"] is True
    _refused(lambda: sdk.mcp_servers.get(server["id"]), 404, "MCP_SERVER_NOT_FOUND")
    _refused(lambda: sdk.mcp_servers.delete(server["id"]), 404, "MCP_SERVER_NOT_FOUND")


def test_tools_crud(sdk: WeavzClient, ws: str) -> None:
    server_id = sdk.mcp_servers.create(name="agent", workspace_id=ws)["server"]["id"]
    added = sdk.mcp_servers.add_tool(
        server_id, integration_name="kv-store", action_name="put", integration_alias="memory", tool_type="ACTION",
        display_name="Remember", description="Store a value", input_defaults={"key": "notes"}, sort_order=2,
    )["tool"]
    assert (added["toolType"], added["integrationName"], added["actionName"], added["integrationAlias"]) == \
        ("ACTION", "kv-store", "put", "memory")
    assert (added["displayName"], added["inputDefaults"], added["partialIds"], added["sortOrder"]) == \
        ("Remember", {"key": "notes"}, [], 2)
    second = sdk.mcp_servers.add_tool(server_id, integration_name="kv-store", action_name="get")["tool"]
    assert second["integrationAlias"] is None and second["sortOrder"] == 0
    tools = sdk.mcp_servers.get(server_id)["tools"]
    assert [t["id"] for t in tools] == [second["id"], added["id"]]  # by sortOrder

    updated = sdk.mcp_servers.update_tool(server_id, added["id"], display_name="Recall", description=None,
                                          input_defaults={}, sort_order=-1)["tool"]
    assert (updated["displayName"], updated["description"], updated["inputDefaults"], updated["sortOrder"]) == \
        ("Recall", None, {}, -1)
    assert updated["updatedAt"] >= added["updatedAt"]
    assert [t["id"] for t in sdk.mcp_servers.get(server_id)["tools"]] == [added["id"], second["id"]]
    assert sdk.mcp_servers.delete_tool(server_id, added["id"])["deleted"] is True
    assert [t["id"] for t in sdk.mcp_servers.get(server_id)["tools"]] == [second["id"]]
    _refused(lambda: sdk.mcp_servers.delete_tool(server_id, added["id"]), 404, "MCP_TOOL_NOT_FOUND")
    _refused(lambda: sdk.mcp_servers.update_tool(server_id, added["id"], sort_order=1), 404, "MCP_TOOL_NOT_FOUND")


def test_tool_rules(sdk: WeavzClient, ws: str) -> None:
    server_id = sdk.mcp_servers.create(name="agent", workspace_id=ws)["server"]["id"]
    add = sdk.mcp_servers.add_tool
    add(server_id, integration_name="kv-store", action_name="put", integration_alias="store")
    _refused(lambda: add(server_id, integration_name="kv-store", action_name="put", integration_alias="store"),
             409, "DUPLICATE")
    add(server_id, integration_name="kv-store", action_name="put")  # no alias: another tool
    _refused(lambda: add(server_id, integration_name="kv-store", action_name="put"), 409, "DUPLICATE")
    # One alias, one integration: this server's tools, and the workspace's aliases.
    _refused(lambda: add(server_id, integration_name="storage", action_name="read_file", integration_alias="store"),
             409, "ALIAS_CONFLICT")
    sdk.workspaces.add_integration(ws, integration_name="http", integration_alias="web")
    _refused(lambda: add(server_id, integration_name="kv-store", action_name="get", integration_alias="web"),
             409, "ALIAS_CONFLICT")
    for bad in ("Upper", "_lead", "at@sign", "9digit"):
        _refused(lambda bad=bad: add(server_id, integration_name="kv-store", action_name="get",  # type: ignore[misc]
                                     integration_alias=bad), 400, "VALIDATION_ERROR")
    for fine in ("openai-primary", "openai_primary"):
        assert add(server_id, integration_name="openai", action_name="ask_json",
                   integration_alias=fine)["tool"]["integrationAlias"] == fine
    _refused(lambda: add(server_id, integration_name="kv-store", action_name="nope"), 404, "ACTION_NOT_FOUND")
    _refused(lambda: add(server_id, integration_name="no-such", action_name="x"), 404, "INTEGRATION_NOT_FOUND")
    _refused(lambda: add("no-such-server", integration_name="kv-store", action_name="get"),
             404, "MCP_SERVER_NOT_FOUND")
    tool_id = sdk.mcp_servers.get(server_id)["tools"][0]["id"]
    _refused(lambda: sdk.mcp_servers.update_tool(server_id, tool_id, integration_alias="web"), 409, "ALIAS_CONFLICT")
    assert len(sdk.mcp_servers.get(server_id)["tools"]) == 4  # the refused requests left nothing behind


def test_tool_partials_must_be_the_tools_alias_and_action(sdk: WeavzClient, ws: str) -> None:
    server_id = sdk.mcp_servers.create(name="agent", workspace_id=ws)["server"]["id"]
    sdk.workspaces.add_integration(ws, integration_name="kv-store", integration_alias="memory")
    sdk.workspaces.add_integration(ws, integration_name="kv-store", integration_alias="scratch")
    mine = sdk.partials.create(ws, "kv-store", "notes", integration_alias="memory", action_name="put",
                               values={"key": "notes"}, enforced_keys=["key"])["partial"]
    wide = sdk.partials.create(ws, "kv-store", "wide", integration_alias="memory", values={"key": "k"})["partial"]
    theirs = sdk.partials.create(ws, "kv-store", "other", integration_alias="scratch", values={"key": "x"})["partial"]
    tool = sdk.mcp_servers.add_tool(server_id, integration_name="kv-store", action_name="put",
                                    integration_alias="memory", partial_ids=[mine["id"], wide["id"]])["tool"]
    assert tool["partialIds"] == [mine["id"], wide["id"]]
    _refused(lambda: sdk.mcp_servers.add_tool(server_id, integration_name="kv-store", action_name="get",
                                              integration_alias="memory", partial_ids=[mine["id"]]),
             400, "PARTIAL_MISMATCH")  # the put action's partial
    _refused(lambda: sdk.mcp_servers.update_tool(server_id, tool["id"], partial_ids=[theirs["id"]]),
             400, "PARTIAL_MISMATCH")  # another alias's
    _refused(lambda: sdk.mcp_servers.update_tool(server_id, tool["id"], partial_ids=["no-such-partial"]),
             404, "PARTIAL_NOT_FOUND")
    assert sdk.mcp_servers.update_tool(server_id, tool["id"], partial_ids=[])["tool"]["partialIds"] == []


def test_regenerate_token(sdk: WeavzClient, live_server: LiveServer, ws: str) -> None:
    oauth_id = sdk.mcp_servers.create(name="oauth", workspace_id=ws)["server"]["id"]
    _refused(lambda: sdk.mcp_servers.regenerate_token(oauth_id), 409, "MCP_BEARER_DISABLED")
    created = sdk.mcp_servers.create(name="bearer", workspace_id=ws, auth_mode="bearer")
    server_id = created["server"]["id"]
    first = sdk.mcp_servers.regenerate_token(server_id)["bearerToken"]
    second = sdk.mcp_servers.regenerate_token(server_id)["bearerToken"]
    assert len({created["bearerToken"], first, second}) == 3 and all(v.startswith("mcp_") for v in (first, second))
    authenticate = live_server.engine.mcp_servers.authenticate
    assert authenticate(server_id, second).server.id == server_id
    for replaced in (created["bearerToken"], first):
        with pytest.raises(ApiError) as caught:
            authenticate(server_id, replaced)
        assert caught.value.status == 401


def test_access_and_oauth_tokens(sdk: WeavzClient, account: Account, live_server: LiveServer, ws: str) -> None:
    server_id = sdk.mcp_servers.create(name="agent", workspace_id=ws, auth_mode="bearer")["server"]["id"]
    sdk.end_users.create(workspace_id=ws, external_id="alice")
    made = sdk.mcp_servers.create_access_token(server_id, end_user_id="alice")
    assert made["bearerToken"].startswith("mcp_") and made["accessToken"] == made["bearerToken"]
    assert {k: made["token"][k] for k in ("endUserId", "authMethod", "tokenType", "scopes")} == \
        {"endUserId": "alice", "authMethod": "bearer", "tokenType": "mcp_bearer", "scopes": ["mcp:tools"]}
    for alias_of_it in (sdk.mcp_servers.create_bearer_token, sdk.mcp_servers.create_end_user_token):
        again = alias_of_it(server_id, end_user_id="alice", scopes=["mcp:tools", "mcp:code"], expires_in=600)
        assert again["token"]["scopes"] == ["mcp:tools", "mcp:code"] and again["bearerToken"] != made["bearerToken"]
    oauth = sdk.mcp_servers.create_oauth_token(server_id, end_user_id="alice", scopes=["mcp:tools"])
    assert oauth["accessToken"].startswith("mcpo_") and oauth["mcpEndpoint"] == f"{account.url}/mcp/{server_id}"
    assert (oauth["token"]["scopes"], oauth["token"]["endUserId"]) == (["mcp:tools"], "alice")
    assert live_server.engine.mcp_servers.authenticate(server_id, oauth["accessToken"]).end_user_id == "alice"

    _refused(lambda: sdk.mcp_servers.create_access_token(server_id, end_user_id="bob"), 404, "END_USER_NOT_FOUND")
    _refused(lambda: sdk.mcp_servers.create_oauth_token(server_id, end_user_id="alice", scopes=["admin"]),
             400, "VALIDATION_ERROR")
    _refused(lambda: sdk.mcp_servers.create_oauth_token(server_id, end_user_id="alice", expires_in=10**9),
             400, "VALIDATION_ERROR")

    with account.client() as api:  # our extension: list (no values) and revoke
        listed = api.get(f"/api/v1/mcp/servers/{server_id}/access-tokens")
        assert listed.status_code == 200 and listed.json()["total"] == 4
        assert made["bearerToken"] not in listed.text and oauth["accessToken"] not in listed.text
        token_id = made["token"]["id"]
        assert token_id in {t["id"] for t in listed.json()["tokens"]}
        revoked = api.delete(f"/api/v1/mcp/servers/{server_id}/access-tokens/{token_id}")
        assert revoked.status_code == 200 and revoked.json()["deleted"] is True
        assert api.delete(f"/api/v1/mcp/servers/{server_id}/access-tokens/nope").json()["code"] == \
            "MCP_TOKEN_NOT_FOUND"
        shown = {t["id"]: t for t in api.get(f"/api/v1/mcp/servers/{server_id}/access-tokens").json()["tokens"]}
        assert shown[token_id]["revokedAt"] is not None
    with pytest.raises(ApiError) as caught:
        live_server.engine.mcp_servers.authenticate(server_id, made["bearerToken"])
    assert (caught.value.status, caught.value.code) == (401, "MCP_TOKEN_REVOKED")


def test_a_bearer_mode_is_refused_for_a_workspace_with_strict_per_user_aliases(sdk: WeavzClient, ws: str) -> None:
    sdk.workspaces.add_integration(ws, integration_name="kv-store", connection_strategy="per_user")  # no credentials
    assert sdk.mcp_servers.create(name="kv", workspace_id=ws, auth_mode="bearer")["bearerToken"].startswith("mcp_")
    sdk.workspaces.add_integration(ws, integration_name="slack", integration_alias="slack_user",
                                   connection_strategy="per_user")
    for mode in ("bearer", "oauth_and_bearer"):
        _refused(lambda mode=mode: sdk.mcp_servers.create(name=mode, workspace_id=ws,  # type: ignore[misc]
                                                          auth_mode=mode), 409, "MCP_BEARER_BLOCKS_PER_USER")
    server_id = sdk.mcp_servers.create(name="oauth", workspace_id=ws)["server"]["id"]
    _refused(lambda: sdk.mcp_servers.update(server_id, auth_mode="bearer"), 409, "MCP_BEARER_BLOCKS_PER_USER")
    assert sdk.mcp_servers.get(server_id)["server"]["authMode"] == "oauth"
    # A server that names its end user has a bearer with an identity.
    sdk.end_users.create(workspace_id=ws, external_id="alice")
    named = sdk.mcp_servers.create(name="alice", workspace_id=ws, auth_mode="bearer", end_user_id="alice")
    assert named["bearerToken"].startswith("mcp_") and named["server"]["endUserId"] == "alice"


def test_a_scoped_key_sees_only_the_servers_of_its_workspaces(
    sdk: WeavzClient, account: Account, ws: str
) -> None:
    other = sdk.workspaces.create(name="Other", slug=unique("other"))["workspace"]["id"]
    mine = sdk.mcp_servers.create(name="mine", workspace_id=ws)["server"]["id"]
    theirs = sdk.mcp_servers.create(name="theirs", workspace_id=other, auth_mode="bearer")["server"]["id"]
    tool = sdk.mcp_servers.add_tool(theirs, integration_name="kv-store", action_name="get")["tool"]["id"]
    sdk.end_users.create(workspace_id=other, external_id="bob")
    key = sdk.api_keys.create(name=unique("scoped"), permissions={"scope": "workspace", "workspaceIds": [ws]})
    scoped = WeavzClient(key["plainKey"], base_url=account.url, max_retries=0)
    try:
        assert [s["id"] for s in scoped.mcp_servers.list()["servers"]] == [mine]
        assert scoped.mcp_servers.list()["total"] == 1
        assert scoped.mcp_servers.get(mine)["server"]["id"] == mine
        _refused(lambda: scoped.mcp_servers.list(workspace_id=other), 403, "SCOPE_DENIED")
        _refused(lambda: scoped.mcp_servers.create(name="x", workspace_id=other), 403, "SCOPE_DENIED")
        servers = scoped.mcp_servers
        for call in (
            lambda: servers.get(theirs),
            lambda: servers.update(theirs, name="stolen"),
            lambda: servers.delete(theirs),
            lambda: servers.add_tool(theirs, integration_name="kv-store", action_name="put"),
            lambda: servers.update_tool(theirs, tool, display_name="x"),
            lambda: servers.delete_tool(theirs, tool),
            lambda: servers.regenerate_token(theirs),
            lambda: servers.create_access_token(theirs, end_user_id="bob"),
            lambda: servers.create_oauth_token(theirs, end_user_id="bob"),
        ):
            _refused(call, 404, "MCP_SERVER_NOT_FOUND")
    finally:
        scoped.close()
    with httpx.Client(base_url=account.url, headers={"Authorization": f"Bearer {key['plainKey']}"}) as api:
        assert api.get(f"/api/v1/mcp/servers/{theirs}/access-tokens").status_code == 404
    fetched = sdk.mcp_servers.get(theirs)
    assert fetched["server"]["name"] == "theirs" and [t["id"] for t in fetched["tools"]] == [tool]
