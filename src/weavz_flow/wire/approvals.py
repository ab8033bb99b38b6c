"""Approval request bodies (weavz-api.md §1.8 "Request records", §2.8; weavz-sdk-wire.md §2.5, §2.7).

The record as ``GET /api/v1/approvals/{id}`` shows it, the list, the decision request and answer, and the 202 body
of an execute that a ``require_approval`` policy paused. ``inputPreview`` is always the redacted preview: the input
itself is never part of an approval body.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from weavz_flow.wire.approval_webhooks import WebhookDelivery
from weavz_flow.wire.base import NO_NUL, WireModel, WireRequest
from weavz_flow.wire.vocabulary import APPROVAL_REASON_MAX, ApprovalAccessMode, ApprovalStatus

Reason = Annotated[str, StringConstraints(max_length=APPROVAL_REASON_MAX, pattern=NO_NUL)]


class Approval(WireModel):
    id: str
    workspace_id: str
    policy_id: str | None = None
    policy_name: str | None = None
    status: ApprovalStatus
    source: str
    integration_name: str
    action_name: str
    workspace_integration_id: str | None = None
    integration_alias: str | None = None
    connection_strategy: str | None = None
    end_user_id: str | None = None  # the end user's externalId
    mcp_server_id: str | None = None
    input_hash: str
    input_preview: dict[str, Any] = Field(default_factory=dict)
    redacted_paths: list[str] = Field(default_factory=list)
    risk_reasons: list[str] = Field(default_factory=list)
    risk_score: float | None = None
    partial_ids: list[str] = Field(default_factory=list)
    enforced_keys: list[str] = Field(default_factory=list)
    idempotency_key: str
    approval_access_mode: ApprovalAccessMode
    expires_at: str
    decided_at: str | None = None
    decided_by_api_key_id: str | None = None
    decided_via: str | None = None  # api | cli | link | policy | timeout
    decision_reason: str | None = None
    consumed_at: str | None = None
    execution_id: str | None = None
    created_at: str
    updated_at: str
    approval_url: str | None = None
    hosted_approval_url: str | None = None  # the review page: only to the requester, deciders and the operator
    # Only ``GET /api/v1/approvals/{id}`` fills it, when the policy has webhook approvers (or deliveries were made).
    webhook_deliveries: list[WebhookDelivery] | None = None


class ApprovalEnvelope(WireModel):
    approval: Approval


class ApprovalList(WireModel):
    approvals: list[Approval] = Field(default_factory=list)
    total: int


class ApprovalDecisionRequest(WireRequest):
    """``POST /api/v1/approvals/{id}/approve|reject|cancel``: the SDK always sends an object, possibly ``{}``."""

    reason: Reason | None = None
    metadata: dict[str, Any] | None = None


class DecisionReceipt(WireModel):
    id: str
    expires_at: str


class ApprovalDecided(WireModel):
    approval: Approval
    receipt: DecisionReceipt


class ApprovalRetry(WireModel):
    idempotency_key: str


class PendingApproval(WireModel):
    """The ``approval`` of a 202: what the caller needs to wait for the decision and retry."""

    id: str
    status: Literal[ApprovalStatus.PENDING] = ApprovalStatus.PENDING
    policy_id: str | None = None
    approval_access_mode: ApprovalAccessMode
    approval_url: str | None = None
    hosted_approval_url: str | None = None
    expires_at: str
    retry: ApprovalRetry

    @classmethod
    def of_approval(cls, approval: Approval, idempotency_key: str) -> PendingApproval:
        return cls(id=approval.id, policy_id=approval.policy_id, approval_access_mode=approval.approval_access_mode,
                   approval_url=approval.approval_url, hosted_approval_url=approval.hosted_approval_url,
                   expires_at=approval.expires_at, retry=ApprovalRetry(idempotency_key=idempotency_key))


class ApprovalRequired(WireModel):
    """The 202 body of ``POST /api/v1/actions/execute`` when a policy asks for approval first."""

    success: Literal[False] = False
    status: Literal["approval_required"] = "approval_required"
    approval: PendingApproval
