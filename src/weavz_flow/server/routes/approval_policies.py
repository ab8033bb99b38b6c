"""Approval policies (weavz-api.md §2.8, weavz-sdk-wire.md §2.6): CRUD, and ``/test``, which evaluates one policy
(a body that is not saved, or ``{id}`` for a saved one) against a described call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.approval_policies import (
    ApprovalPolicyCreate,
    ApprovalPolicyEnvelope,
    ApprovalPolicyList,
    ApprovalPolicyUpdate,
    PolicyTest,
    PolicyTestResult,
)
from weavz_flow.wire.base import Deleted, Ref
from weavz_flow.wire.vocabulary import DECISION_ALLOW

router = APIRouter(prefix="/api/v1/approval-policies", tags=["approval-policies"],
                   responses=error_responses(400, 401, 403, 404))


@router.get("", response_model=ApprovalPolicyList)
def list_policies(
    engine: EngineDep, caller: CallerDep, workspace_id: Annotated[Ref | None, Query(alias="workspaceId")] = None,
) -> ApprovalPolicyList:
    policies = engine.approval_policies.list_all(caller, workspace_id=workspace_id)
    return ApprovalPolicyList(policies=policies, total=len(policies))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApprovalPolicyEnvelope)
def create_policy(engine: EngineDep, caller: CallerDep, body: ApprovalPolicyCreate) -> ApprovalPolicyEnvelope:
    """A webhook approver created without ``webhookSecret`` gets one, shown in this answer only."""
    return ApprovalPolicyEnvelope(policy=engine.approval_policies.create(caller, body))


@router.post("/test", response_model=PolicyTestResult)
def test_policy(engine: EngineDep, caller: CallerDep, body: PolicyTest) -> PolicyTestResult:
    verdict = engine.approval_policies.test(caller, body)
    return PolicyTestResult(
        decision=DECISION_ALLOW if verdict.decision is None else str(verdict.decision),
        matched=verdict.policy is not None, reasons=list(verdict.reasons),
        policy_id=None if verdict.policy is None or verdict.policy.id == "draft" else verdict.policy.id,
    )


@router.get("/{policy_id}", response_model=ApprovalPolicyEnvelope)
def get_policy(engine: EngineDep, caller: CallerDep, policy_id: str) -> ApprovalPolicyEnvelope:
    return ApprovalPolicyEnvelope(policy=engine.approval_policies.get(caller, policy_id))


@router.patch("/{policy_id}", response_model=ApprovalPolicyEnvelope)
def update_policy(
    engine: EngineDep, caller: CallerDep, policy_id: str, body: ApprovalPolicyUpdate,
) -> ApprovalPolicyEnvelope:
    return ApprovalPolicyEnvelope(policy=engine.approval_policies.update(caller, policy_id, body))


@router.delete("/{policy_id}", response_model=Deleted)
def delete_policy(engine: EngineDep, caller: CallerDep, policy_id: str) -> Deleted:
    return Deleted(id=engine.approval_policies.delete(caller, policy_id))
