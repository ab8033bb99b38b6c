"""The official SDK's ``approval_policies`` methods, unchanged, against a live server (SQLite and PostgreSQL), and
the same routes over plain HTTP for the error bodies: CRUD, defaults, ``enabled=False`` round trip, snake_case
kwargs the SDK renames, write-only webhook secrets, and ``/test`` with its decision and reasons."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import unique


@pytest.fixture
def ws(sdk: WeavzClient) -> str:
    return str(sdk.workspaces.create(name="Gates", slug=unique("gates"))["workspace"]["id"])


def _refused(call: Any, status: int, code: str) -> WeavzError:
    with pytest.raises(WeavzError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value
    return caught.value


def test_sdk_crud_with_snake_case_kwargs(sdk: WeavzClient, ws: str) -> None:
    created = sdk.approval_policies.create(
        name="slack-sends", workspace_id=ws, priority=10, sources=["sdk", "mcp_tools"],
        integration_names=["slack"], action_names=["send_channel_message"], end_user_mode="no_end_user",
        timeout_seconds=600, default_on_timeout="expire", reuse_window_seconds=60,
        approval_access_mode="dashboard_only", approvers=[{"type": "org_role", "roles": ["owner", "admin"]}],
    )["policy"]
    assert (created["workspaceId"], created["priority"], created["sources"]) == (ws, 10, ["sdk", "mcp_tools"])
    assert (created["integrationNames"], created["actionNames"]) == (["slack"], ["send_channel_message"])
    assert (created["endUserMode"], created["timeoutSeconds"], created["defaultOnTimeout"]) == \
        ("no_end_user", 600, "expire")
    assert (created["reuseWindowSeconds"], created["approvalAccessMode"], created["enabled"]) == \
        (60, "dashboard_only", True)
    assert sdk.approval_policies.get(created["id"])["policy"] == created
    off = sdk.approval_policies.update(created["id"], enabled=False, action_names=None)["policy"]
    assert (off["enabled"], off["actionNames"]) == (False, None)
    assert sdk.approval_policies.get(created["id"])["policy"]["enabled"] is False
    listed = sdk.approval_policies.list(workspace_id=ws)
    assert [p["id"] for p in listed["policies"]] == [created["id"]] and listed["total"] == 1
    assert sdk.approval_policies.delete(created["id"]) == {"deleted": True, "id": created["id"]}
    _refused(lambda: sdk.approval_policies.get(created["id"]), 404, "APPROVAL_POLICY_NOT_FOUND")


def test_only_name_is_required_and_defaults_are_documented(sdk: WeavzClient) -> None:
    policy = sdk.approval_policies.create(name="everything")["policy"]
    assert (policy["workspaceId"], policy["enabled"], policy["priority"], policy["decision"]) == \
        (None, True, 100, "require_approval")
    assert policy["approvers"] == [{"type": "org_role", "roles": ["owner", "admin"], "userIds": []}]
    assert (policy["riskMode"], policy["defaultOnTimeout"], policy["approvalAccessMode"]) == \
        ("always", "reject", "dashboard_and_hosted_link")
    sdk.approval_policies.delete(policy["id"])


def test_bad_input_gets_weavz_error_bodies_and_writes_nothing(api: httpx.Client, ws: str) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "name"),
        ({"name": "x", "decision": "maybe"}, "decision"),
        ({"name": "x", "sources": ["email"]}, "sources.0"),
        ({"name": "x", "riskMode": "model_assisted"}, "riskMode"),
        ({"name": "x", "riskMode": "rules", "rules": {"conditions": [{"path": "t", "op": "matches", "value": "["}]}},
         "rules.conditions[0].value"),
        ({"name": "x", "riskMode": "rules", "rules": {"amountThresholds": [{"path": "amount", "max": 5}]}},
         "rules.amountThresholds"),
        ({"name": "x", "approvers": [{"type": "webhook"}]}, "approvers[0].webhookUrl"),
        ({"name": "x", "timeoutSeconds": 10**9}, "timeoutSeconds"),
    ]
    for body, field in cases:
        answer = api.post("/api/v1/approval-policies", json={"workspaceId": ws, **body})
        assert answer.status_code == 400, (body, answer.text)
        error = answer.json()
        assert error["code"] == "VALIDATION_ERROR" and isinstance(error["error"], str)
        assert field in [f["field"] for f in error["details"]["fields"]], (body, error)
    assert api.get("/api/v1/approval-policies", params={"workspaceId": ws}).json() == {"policies": [], "total": 0}
    missing = api.patch("/api/v1/approval-policies/nope", json={"enabled": False})
    assert (missing.status_code, missing.json()["code"]) == (404, "APPROVAL_POLICY_NOT_FOUND")
    unknown_ws = api.post("/api/v1/approval-policies", json={"name": "x", "workspaceId": "nope"})
    assert (unknown_ws.status_code, unknown_ws.json()["code"]) == (404, "NOT_FOUND")


def test_webhook_secret_shown_once_then_only_as_set(sdk: WeavzClient, ws: str) -> None:
    created = sdk.approval_policies.create(
        name="hook", workspace_id=ws, approvers=[{"type": "webhook", "webhook_url": "https://hooks.example/a"}],
    )["policy"]
    secret = created["approvers"][0]["webhookSecret"]
    assert len(secret) >= 16 and created["approvers"][0]["webhookSecretSet"] is True
    read = sdk.approval_policies.get(created["id"])["policy"]
    assert read["approvers"][0] == {"type": "webhook", "roles": [], "userIds": [],
                                    "webhookUrl": "https://hooks.example/a", "webhookSecretSet": True}
    assert secret not in str(sdk.approval_policies.list(workspace_id=ws))


def test_test_endpoint_gives_decision_and_reasons(sdk: WeavzClient, ws: str) -> None:
    context = {"workspace_id": ws, "source": "sdk", "integration_name": "slack", "integration_alias": "slack_bot",
               "action_name": "send_channel_message", "input": {"channel": "#general", "text": "hi"}}
    rules = {"match": "all", "conditions": [{"path": "channel", "op": "equals", "value": "#general"},
                                            {"path": "text", "op": "matches", "value": "h.*"}]}
    draft = {"name": "general", "priority": 5, "action_names": ["send_channel_message"], "risk_mode": "rules",
             "rules": rules, "decision": "block"}
    answer = sdk.approval_policies.test(policy=draft, context=context)
    assert (answer["decision"], answer["matched"]) == ("block", True)
    assert any("input.channel equals '#general'" in r for r in answer["reasons"]), answer
    assert any("action send_channel_message" in r for r in answer["reasons"]), answer
    other = sdk.approval_policies.test(policy=draft, context={**context, "input": {"channel": "#random"}})
    assert (other["decision"], other["matched"]) == ("allow", False) and other["reasons"]
    saved = sdk.approval_policies.create(name="saved", workspace_id=ws, integration_aliases=["slack_bot"])["policy"]
    by_id = sdk.approval_policies.test(policy={"id": saved["id"]}, context=context)
    assert (by_id["decision"], by_id["matched"], by_id["policyId"]) == ("require_approval", True, saved["id"])
    assert sdk.approval_policies.list(workspace_id=ws)["total"] == 1  # the draft was not saved
    _refused(lambda: sdk.approval_policies.test(policy={"id": "nope"}, context=context),
             404, "APPROVAL_POLICY_NOT_FOUND")
    error = _refused(lambda: sdk.approval_policies.test(policy={"decision": "maybe"}, context=context),
                     400, "VALIDATION_ERROR")
    assert "policy.decision" in str(error.details)
