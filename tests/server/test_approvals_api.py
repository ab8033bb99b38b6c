"""Human gates through ``serve`` under uvicorn (SQLite and PostgreSQL): a policy on ``slack_bot.send_channel_message``
pauses the call with the documented 202, the Slack stub receiving nothing; an approval by a decider key lets the
retry with the same idempotency key post once and replay afterwards; a changed input asks again; rejection, expiry
and cancellation refuse with their codes; a key may not decide its own request; block and notify_only; scoped keys;
and the official SDK's ``approvals`` methods, ``wait`` included, unchanged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, LiveServer, connection_at, unique
from tests.stubs.slack import SlackStub
from weavz_flow.engine.stamps import format_time, parse_time
from weavz_flow.redact import REDACTED

CHANNEL = "C0ALERTS"


def _key(api: httpx.Client, name: str, permissions: dict[str, Any] | None = None) -> str:
    made = api.post("/api/v1/api-keys", json={"name": name, **({"permissions": permissions} if permissions else {})})
    assert made.status_code == 201, made.text
    return str(made.json()["plainKey"])


class Gated:
    """A workspace whose slack_bot alias sends through the stub, one enforced channel, and a gating policy."""

    def __init__(self, account: Account, api: httpx.Client, slack: SlackStub, **policy: Any) -> None:
        self.account, self.api, self.slack = account, api, slack
        self.ws = api.post("/api/v1/workspaces", json={"name": "Gated", "slug": unique("gated")}).json()[
            "workspace"]["id"]
        conn = connection_at(account, slack.url, externalId=unique("bot"), displayName="Bot",
                             integrationName="slack", workspaceId=self.ws, secretText="xoxb-gated-bot-0000")
        made = api.post(f"/api/v1/workspaces/{self.ws}/integrations", json={
            "integrationName": "slack", "alias": "slack_bot", "connectionStrategy": "fixed",
            "connectionId": conn["id"]})
        assert made.status_code == 201, made.text
        partial = api.post("/api/v1/partials", json={
            "workspaceId": self.ws, "integrationName": "slack", "integrationAlias": "slack_bot", "name": "locked",
            "actionName": "send_channel_message", "values": {"channel": CHANNEL}, "enforcedKeys": ["channel"],
            "isDefault": True})
        assert partial.status_code == 201, partial.text
        body = {"name": "slack sends", "workspaceId": self.ws, "integrationAliases": ["slack_bot"],
                "actionNames": ["send_channel_message"], "decision": "require_approval", "riskMode": "always",
                "approvers": [{"type": "org_role", "roles": ["owner", "admin"]}], **policy}
        created = api.post("/api/v1/approval-policies", json=body)
        assert created.status_code == 201, created.text
        self.policy = created.json()["policy"]
        self.decider = account.client(_key(api, "decider", {"scope": "org", "approvals": {"decide": True}}))

    def execute(self, text: str, key: str | None = "send-1", client: httpx.Client | None = None,
                **extra: Any) -> httpx.Response:
        body: dict[str, Any] = {"integrationName": "slack", "actionName": "send_channel_message",
                                "workspaceId": self.ws, "integrationAlias": "slack_bot",
                                "input": {"channel": "C0ELSEWHERE", "text": text, **extra}}
        if key is not None:
            body["idempotencyKey"] = key
        return (client or self.api).post("/api/v1/actions/execute", json=body)

    def posts(self) -> list[dict[str, Any]]:
        return [r.params() for r in self.slack.requests if r.path.endswith("chat.postMessage")]

    def decide(self, approval_id: str, action: str, client: httpx.Client | None = None, **body: Any) -> httpx.Response:
        return (client or self.decider).post(f"/api/v1/approvals/{approval_id}/{action}", json=body)


@pytest.fixture
def gated(account: Account, api: httpx.Client, any_token_slack: SlackStub) -> Any:
    made = Gated(account, api, any_token_slack)
    yield made
    made.decider.close()


def _pending(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["success"], body["status"]) == (False, "approval_required"), body
    return dict(body["approval"])


def _code(answer: httpx.Response) -> tuple[int, str]:
    body = answer.json()
    assert set(body) >= {"error", "code", "details"}, body
    return answer.status_code, body["code"]


def test_approve_then_the_retry_posts_once_and_replays(gated: Gated, account: Account) -> None:
    approval = _pending(gated.execute("deploy now"))
    assert set(approval) == {"id", "status", "policyId", "approvalAccessMode", "approvalUrl", "hostedApprovalUrl",
                             "expiresAt", "retry"}
    assert (approval["status"], approval["policyId"], approval["retry"]) == \
        ("pending", gated.policy["id"], {"idempotencyKey": "send-1"})
    assert approval["approvalUrl"] == f"{account.url}/api/v1/approvals/{approval['id']}"
    assert approval["approvalAccessMode"] == "dashboard_and_hosted_link"
    assert gated.posts() == []
    assert _pending(gated.execute("deploy now"))["id"] == approval["id"]  # still pending: the same approval

    shown = gated.api.get(f"/api/v1/approvals/{approval['id']}").json()["approval"]
    assert shown["status"] == "pending" and shown["inputPreview"] == {"channel": REDACTED, "text": "deploy now"}
    assert shown["redactedPaths"] == ["input.channel"] and shown["enforcedKeys"] == ["channel"]
    assert (shown["integrationAlias"], shown["actionName"], shown["source"]) == \
        ("slack_bot", "send_channel_message", "rest")
    assert gated.posts() == []

    decided = gated.decide(approval["id"], "approve", reason="looks right", metadata={"ticket": "OPS-1"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["approval"]["status"] == "approved"
    assert decided.json()["approval"]["decisionReason"] == "looks right"
    assert decided.json()["receipt"]["id"] and decided.json()["receipt"]["expiresAt"]

    ran = gated.execute("deploy now")
    assert ran.status_code == 200 and ran.json()["success"] is True, ran.text
    again = gated.execute("deploy now")
    assert again.status_code == 200 and again.json()["output"] == ran.json()["output"]
    assert [(p["channel"], p["text"]) for p in gated.posts()] == [(CHANNEL, "deploy now")]
    consumed = gated.api.get(f"/api/v1/approvals/{approval['id']}").json()["approval"]
    assert consumed["status"] == "consumed" and consumed["consumedAt"] and consumed["executionId"]
    assert _code(gated.decide(approval["id"], "reject")) == (409, "APPROVAL_ALREADY_DECIDED")


def test_a_changed_input_needs_a_new_approval(gated: Gated) -> None:
    first = _pending(gated.execute("version one"))
    assert gated.decide(first["id"], "approve").status_code == 200
    second = _pending(gated.execute("version two"))  # same key, other input: not what was reviewed
    assert second["id"] != first["id"]
    assert gated.posts() == []
    # Without a key: the gate derives one from the call, and the retry with it runs once approved.
    derived = _pending(gated.execute("no key given", key=None))
    key = derived["retry"]["idempotencyKey"]
    assert key.startswith("apv_")
    assert _pending(gated.execute("no key given", key=None))["id"] == derived["id"]
    assert gated.decide(derived["id"], "approve").status_code == 200
    assert gated.execute("no key given", key=key).status_code == 200
    assert [p["text"] for p in gated.posts()] == ["no key given"]


def test_rejected_canceled_and_expired_refuse_with_their_codes(
    gated: Gated, live_server: LiveServer, account: Account,
) -> None:
    rejected = _pending(gated.execute("reject me", key="k-reject"))
    assert gated.decide(rejected["id"], "reject", reason="not today").json()["approval"]["status"] == "rejected"
    refused = gated.execute("reject me", key="k-reject")
    assert _code(refused) == (403, "APPROVAL_REJECTED") and "not today" in refused.json()["error"]
    assert refused.json()["details"]["approvalId"] == rejected["id"]

    canceled = _pending(gated.execute("cancel me", key="k-cancel"))
    assert gated.decide(canceled["id"], "cancel", client=gated.api).status_code == 200  # the requester may cancel
    assert _code(gated.execute("cancel me", key="k-cancel")) == (409, "APPROVAL_CANCELED")

    expiring = _pending(gated.execute("expire me", key="k-expire"))
    later = format_time(parse_time(expiring["expiresAt"]) + timedelta(seconds=1))
    assert live_server.engine.approvals.expire_due(now=later) >= 1
    timed_out = gated.api.get(f"/api/v1/approvals/{expiring['id']}").json()["approval"]
    assert (timed_out["status"], timed_out["decidedVia"]) == ("rejected", "timeout")  # defaultOnTimeout: reject
    assert _code(gated.execute("expire me", key="k-expire")) == (403, "APPROVAL_REJECTED")
    assert _code(gated.decide(expiring["id"], "approve")) == (409, "APPROVAL_ALREADY_DECIDED")
    assert gated.posts() == []


def test_expire_on_timeout_answers_expired(
    account: Account, api: httpx.Client, any_token_slack: SlackStub, live_server: LiveServer,
) -> None:
    gated = Gated(account, api, any_token_slack, defaultOnTimeout="expire", timeoutSeconds=60)
    try:
        pending = _pending(gated.execute("late"))
        later = format_time(parse_time(pending["expiresAt"]) + timedelta(seconds=1))
        live_server.engine.approvals.expire_due(now=later)
        assert gated.api.get(f"/api/v1/approvals/{pending['id']}").json()["approval"]["status"] == "expired"
        assert _code(gated.execute("late")) == (410, "APPROVAL_EXPIRED")
        assert gated.posts() == []
    finally:
        gated.decider.close()


def test_deciding_needs_the_permission_and_never_ones_own_request(gated: Gated, account: Account) -> None:
    by_decider = _pending(gated.execute("asked by the decider", key="k-self", client=gated.decider))
    assert _code(gated.decide(by_decider["id"], "approve")) == (403, "APPROVAL_SELF_DECISION_DENIED")
    assert _code(gated.decide(by_decider["id"], "approve", client=gated.api)) == \
        (403, "APPROVAL_DECISION_SCOPE_REQUIRED")  # the admin key has no approvals.decide
    other = account.client(_key(gated.api, "other decider", {"scope": "org", "approvals": {"decide": True}}))
    with other:
        assert gated.decide(by_decider["id"], "approve", client=other).status_code == 200
    assert gated.execute("asked by the decider", key="k-self", client=gated.decider).status_code == 200
    assert len(gated.posts()) == 1
    assert _code(gated.decide("no-such-approval", "approve")) == (404, "APPROVAL_NOT_FOUND")


def test_a_scoped_key_sees_only_its_workspaces(gated: Gated, account: Account, api: httpx.Client) -> None:
    pending = _pending(gated.execute("scoped"))
    elsewhere = api.post("/api/v1/workspaces", json={"name": "Else", "slug": unique("else")}).json()["workspace"]
    scoped = account.client(_key(api, "scoped", {"scope": "workspace", "workspaceIds": [elsewhere["id"]],
                                                 "approvals": {"decide": True}}))
    with scoped:
        assert scoped.get("/api/v1/approvals").json() == {"approvals": [], "total": 0}
        assert _code(scoped.get(f"/api/v1/approvals/{pending['id']}")) == (404, "APPROVAL_NOT_FOUND")
        assert _code(gated.decide(pending["id"], "approve", client=scoped)) == (404, "APPROVAL_NOT_FOUND")
    listed = api.get("/api/v1/approvals", params={"workspaceId": gated.ws, "status": "pending"}).json()
    assert [a["id"] for a in listed["approvals"]] == [pending["id"]] and listed["total"] == 1
    both = api.get("/api/v1/approvals", params={"workspaceIntegrationId": "x", "integrationAlias": "slack_bot"})
    assert _code(both) == (400, "VALIDATION_ERROR")


def test_block_refuses_and_notify_only_runs(account: Account, api: httpx.Client, any_token_slack: SlackStub) -> None:
    blocked = Gated(account, api, any_token_slack, decision="block")
    try:
        refused = blocked.execute("blocked")
        assert _code(refused) == (403, "APPROVAL_POLICY_BLOCKED")
        assert refused.json()["details"]["policyId"] == blocked.policy["id"]
        assert blocked.posts() == []
    finally:
        blocked.decider.close()
    any_token_slack.reset()
    notified = Gated(account, api, any_token_slack, decision="notify_only")
    try:
        assert notified.execute("told").status_code == 200
        assert [p["text"] for p in notified.posts()] == ["told"]
        record = api.get("/api/v1/approvals", params={"workspaceId": notified.ws}).json()["approvals"]
        assert [(a["status"], a["decidedVia"]) for a in record] == [("consumed", "policy")]
    finally:
        notified.decider.close()


def test_the_official_sdk_approvals_methods(gated: Gated, account: Account, sdk: WeavzClient) -> None:
    run = sdk.actions.execute("slack", "send_channel_message", workspace_id=gated.ws, integration_alias="slack_bot",
                              input={"channel": "C0X", "text": "via the sdk"}, idempotency_key="sdk-1")
    assert run["status"] == "approval_required"
    approval_id = run["approval"]["id"]
    assert sdk.approvals.get(approval_id)["approval"]["source"] == "sdk"
    listed = sdk.approvals.list(workspace_id=gated.ws, status="pending", source="sdk",
                                integration_name="slack", action_name="send_channel_message", limit=5)
    assert [a["id"] for a in listed["approvals"]] == [approval_id]
    with pytest.raises(WeavzError) as caught:
        sdk.approvals.approve(approval_id)  # the SDK's key made the request (and cannot decide anyway)
    assert caught.value.status == 403
    decider = WeavzClient(_key(gated.api, "sdk decider", {"scope": "org", "approvals": {"decide": True}}),
                          base_url=account.url, max_retries=0)
    try:
        decided = decider.approvals.approve(approval_id, reason="ok", metadata={"by": "sdk"})
        assert decided["approval"]["status"] == "approved" and decided["receipt"]["expiresAt"]
        waited = sdk.approvals.wait(approval_id, timeout=10, interval=0.1)
        assert waited["approval"]["status"] == "approved"
        done = sdk.actions.execute("slack", "send_channel_message", workspace_id=gated.ws,
                                   integration_alias="slack_bot", input={"channel": "C0X", "text": "via the sdk"},
                                   idempotency_key=run["approval"]["retry"]["idempotencyKey"])
        assert done["success"] is True
        second = sdk.actions.execute("slack", "send_channel_message", workspace_id=gated.ws,
                                     integration_alias="slack_bot", input={"channel": "C0X", "text": "to reject"},
                                     idempotency_key="sdk-2")
        assert decider.approvals.reject(second["approval"]["id"], reason="no")["approval"]["status"] == "rejected"
        third = sdk.actions.execute("slack", "send_channel_message", workspace_id=gated.ws,
                                    integration_alias="slack_bot", input={"channel": "C0X", "text": "to cancel"},
                                    idempotency_key="sdk-3")
        assert sdk.approvals.cancel(third["approval"]["id"])["approval"]["status"] == "canceled"
        assert sdk.approvals.wait(third["approval"]["id"], timeout=5)["approval"]["status"] == "canceled"
    finally:
        decider.close()
    assert [p["text"] for p in gated.posts()] == ["via the sdk"]
