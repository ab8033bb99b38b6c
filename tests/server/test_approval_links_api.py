"""``hostedApprovalUrl`` through ``serve`` (SQLite and PostgreSQL): who is shown it (the requester, deciders, the
operator; never a bystander key), the modes that have one, the hosted page answered over plain HTTP (headers, the
redacted preview, refusals as pages, no token in the access log), and the link in an MCP tool's pending result.
The page in a real browser is ``test_approval_page.py``."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from tests.server.accounts import Account, LiveServer
from tests.server.mcp_client import Servers, add_alias, add_connection, mcp_session, new_workspace, run_async, text_of
from tests.server.test_approvals_api import CHANNEL, Gated
from tests.stubs.slack import SlackStub
from weavz_flow.redact import REDACTED
from weavz_flow.server.routes.approval_pages import REVIEW_PATH

LINK = re.compile(r"http://127\.0\.0\.1:\d+/approvals/review\?token=(apl_[A-Za-z0-9_-]{43})")


def _key(api: httpx.Client, name: str, permissions: dict[str, Any]) -> str:
    made = api.post("/api/v1/api-keys", json={"name": name, "permissions": permissions})
    assert made.status_code == 201, made.text
    return str(made.json()["plainKey"])


def _pending(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    return dict(answer.json()["approval"])


def _hosted(client: httpx.Client, approval_id: str) -> str | None:
    shown = client.get(f"/api/v1/approvals/{approval_id}")
    assert shown.status_code == 200, shown.text
    return shown.json()["approval"].get("hostedApprovalUrl")


@pytest.fixture
def gated(account: Account, api: httpx.Client, any_token_slack: SlackStub) -> Any:
    made = Gated(account, api, any_token_slack)
    yield made
    made.decider.close()


def test_the_link_is_shown_to_the_requester_and_deciders_only(gated: Gated, account: Account) -> None:
    requester = account.client(_key(gated.api, "requester", {"scope": "workspace", "workspaceIds": [gated.ws]}))
    bystander = account.client(_key(gated.api, "bystander", {"scope": "workspace", "workspaceIds": [gated.ws]}))
    with requester, bystander:
        approval = _pending(gated.execute("show me the link", client=requester))
        url = approval["hostedApprovalUrl"]
        assert LINK.fullmatch(url) and url.startswith(f"{account.url}{REVIEW_PATH}?token=apl_"), url
        assert _hosted(requester, approval["id"]) == url  # the key that asked
        assert _hosted(gated.decider, approval["id"]) == url  # a decider
        assert _hosted(bystander, approval["id"]) is None  # sees the approval, not the link
        assert bystander.get("/api/v1/approvals/" + approval["id"]).json()["approval"]["approvalUrl"]
        listed = {a["id"]: a.get("hostedApprovalUrl") for a in
                  bystander.get("/api/v1/approvals", params={"workspaceId": gated.ws}).json()["approvals"]}
        assert listed == {approval["id"]: None}
        by_decider = gated.decider.get("/api/v1/approvals", params={"workspaceId": gated.ws}).json()["approvals"]
        assert [a["hostedApprovalUrl"] for a in by_decider] == [url]
        assert _pending(gated.execute("show me the link", client=requester))["hostedApprovalUrl"] == url

        decided = gated.decide(approval["id"], "approve").json()["approval"]
        assert decided["status"] == "approved" and decided.get("hostedApprovalUrl") is None  # decided: no link
        assert _hosted(requester, approval["id"]) is None
    page = httpx.get(url)
    assert page.status_code == 404 and "This link is no longer valid" in page.text


def test_dashboard_only_has_no_link(account: Account, api: httpx.Client, any_token_slack: SlackStub) -> None:
    gated = Gated(account, api, any_token_slack, approvalAccessMode="dashboard_only")
    try:
        approval = _pending(gated.execute("dashboard"))
        assert approval["approvalAccessMode"] == "dashboard_only" and "hostedApprovalUrl" not in approval
        assert _hosted(gated.decider, approval["id"]) is None
        assert _hosted(gated.api, approval["id"]) is None
    finally:
        gated.decider.close()


def test_the_page_over_http_redacts_and_refuses_as_pages(
    gated: Gated, caplog: pytest.LogCaptureFixture,
) -> None:
    url = _pending(gated.execute("review me", apiToken="xoxp-pasted-into-the-input"))["hostedApprovalUrl"]
    token = LINK.fullmatch(url).group(1)  # type: ignore[union-attr]
    with caplog.at_level(logging.INFO, logger="weavz_flow.server.access"):
        page = httpx.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "form-action 'self';" in policy
    assert (page.headers["referrer-policy"], page.headers["cache-control"]) == ("no-referrer", "no-store")
    assert "review me" in page.text and REDACTED in page.text
    assert CHANNEL not in page.text and "xoxp-pasted" not in page.text  # the enforced channel, a secret-named field
    assert "enforced value, hidden" in page.text and "secret, hidden" in page.text
    assert "slack sends" in page.text and "the API key “admin”" in page.text and "the REST API" in page.text
    logged = [r.getMessage() for r in caplog.records if r.name == "weavz_flow.server.access"]
    assert any(f"GET {REVIEW_PATH}" in line for line in logged), logged
    assert not any("apl_" in line for line in logged)

    # Refusals are pages: a decision that is neither, a reason too long, a token unknown or of another kind.
    bad = httpx.post(url.split("?")[0], data={"token": token, "decision": "cancel"})
    assert bad.status_code == 400 and "Choose Approve or Reject." in bad.text
    long = httpx.post(url.split("?")[0], data={"token": token, "decision": "approve", "reason": "x" * 2001})
    assert long.status_code == 400 and "The reason is too long" in long.text
    for other in ("apl_" + "A" * 43, "cst_" + token[4:], ""):
        for answer in (httpx.get(url.split("?")[0], params={"token": other}),
                       httpx.post(url.split("?")[0], data={"token": other, "decision": "approve"})):
            assert answer.status_code == 404 and "This link is no longer valid" in answer.text
            assert (other or "apl_") not in answer.text and "Traceback" not in answer.text
    assert gated.api.get(f"/api/v1/approvals?workspaceId={gated.ws}").json()["approvals"][0]["status"] == "pending"
    assert gated.posts() == []


def test_hosted_link_only_is_decided_on_the_page_not_through_the_api(
    account: Account, api: httpx.Client, any_token_slack: SlackStub,
) -> None:
    gated = Gated(account, api, any_token_slack, approvalAccessMode="hosted_link_only")
    try:
        approval = _pending(gated.execute("link only"))
        refused = gated.decide(approval["id"], "approve")
        assert (refused.status_code, refused.json()["code"]) == (403, "APPROVAL_DECISION_DENIED")
        token = LINK.fullmatch(approval["hostedApprovalUrl"]).group(1)  # type: ignore[union-attr]
        done = httpx.post(f"{account.url}{REVIEW_PATH}", data={"token": token, "decision": "approve",
                                                               "reason": "  checked by hand  "})
        assert done.status_code == 200 and "Request approved" in done.text, done.text
        shown = gated.api.get(f"/api/v1/approvals/{approval['id']}").json()["approval"]
        assert (shown["status"], shown["decidedVia"], shown["decisionReason"], shown["decidedByApiKeyId"]) == \
            ("approved", "link", "checked by hand", None)
        assert gated.execute("link only").status_code == 200
        assert [p["text"] for p in gated.posts()] == ["link only"]
    finally:
        gated.decider.close()


def test_an_mcp_pending_result_carries_the_link(
    api: httpx.Client, live_server: LiveServer, account: Account, any_token_slack: SlackStub,
) -> None:
    ws = new_workspace(api)
    conn = add_connection(api, ws, "xoxb-mcp-link-bot", any_token_slack.url)
    add_alias(api, ws, {"integrationName": "slack", "alias": "slack_bot", "connectionStrategy": "fixed",
                        "connectionId": conn, "enabledActions": ["send_channel_message"]})
    server, bearer = Servers(live_server, account).create(ws)
    assert bearer is not None
    policy = api.post("/api/v1/approval-policies", json={
        "name": "agent posts", "workspaceId": ws, "sources": ["mcp_tools"], "actionNames": ["send_channel_message"]})
    assert policy.status_code == 201, policy.text

    async def call() -> Any:
        async with mcp_session(live_server.url, server.id, bearer) as session:
            return await session.call_tool("slack_bot__send_channel_message", {"channel": CHANNEL, "text": "hi"})

    pending = run_async(call)
    url = (pending.structured_content or {})["approval"]["hostedApprovalUrl"]
    assert LINK.fullmatch(url) and f"Approval link: {url}." in text_of(pending)
    page = httpx.get(url)
    assert page.status_code == 200 and "an MCP tool call" in page.text and server.name in page.text
    assert "an agent, through MCP" in page.text
    token = LINK.fullmatch(url).group(1)  # type: ignore[union-attr]
    assert httpx.post(url.split("?")[0], data={"token": token, "decision": "approve"}).status_code == 200
    assert not run_async(call).is_error
    assert [r.params()["text"] for r in any_token_slack.requests if r.path.endswith("chat.postMessage")] == ["hi"]
