"""The approval bodies carry the Weavz wire names (weavz-api.md §2.1 202 body, §2.8)."""

from __future__ import annotations

from weavz_flow.wire.approvals import (
    ApprovalDecisionRequest,
    ApprovalRequired,
    ApprovalRetry,
    PendingApproval,
)
from weavz_flow.wire.vocabulary import ApprovalAccessMode


def test_the_202_body_has_the_documented_shape() -> None:
    body = ApprovalRequired(approval=PendingApproval(
        id="a1", policy_id="p1", approval_access_mode=ApprovalAccessMode.DASHBOARD_ONLY,
        approval_url="http://127.0.0.1/api/v1/approvals/a1", expires_at="2026-12-03T00:00:00.000000Z",
        retry=ApprovalRetry(idempotency_key="k1"),
    )).model_dump(mode="json", exclude_none=True)
    assert body == {
        "success": False, "status": "approval_required",
        "approval": {"id": "a1", "status": "pending", "policyId": "p1", "approvalAccessMode": "dashboard_only",
                     "approvalUrl": "http://127.0.0.1/api/v1/approvals/a1",
                     "expiresAt": "2026-12-03T00:00:00.000000Z", "retry": {"idempotencyKey": "k1"}},
    }


def test_a_decision_request_may_be_empty() -> None:
    assert ApprovalDecisionRequest.model_validate({}).reason is None
    decided = ApprovalDecisionRequest.model_validate({"reason": "ok", "metadata": {"ticket": 7}})
    assert (decided.reason, decided.metadata) == ("ok", {"ticket": 7})
