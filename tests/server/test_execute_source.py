"""Every execution record says which surface called: ``sdk`` when the official SDK's ``X-Weavz-Source`` says so,
``rest`` otherwise (a REST client cannot record itself as anything else). MCP's ``mcp_tools`` is in test_mcp_http."""

from __future__ import annotations

import httpx

from tests.server.accounts import Account, LiveServer, unique
from weavz_flow.engine.caller import Caller


def test_the_record_names_the_source(api: httpx.Client, account: Account, live_server: LiveServer) -> None:
    ws = api.post("/api/v1/workspaces", json={"name": "Sources", "slug": unique("src")}).json()["workspace"]["id"]
    body = {"integrationName": "kv-store", "actionName": "put", "workspaceId": ws, "input": {"key": "k", "value": 1}}
    for header in ({"X-Weavz-Source": "sdk"}, {}, {"X-Weavz-Source": "mcp_tools"}):
        done = api.post("/api/v1/actions/execute", json=body, headers=header)
        assert done.status_code == 200, done.text
    records = live_server.engine.executions.list_page(Caller.system(account.org_id), workspace_id=ws).items
    assert sorted(r.source or "" for r in records) == ["rest", "rest", "sdk"]
