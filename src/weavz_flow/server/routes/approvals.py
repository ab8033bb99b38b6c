"""Approval requests (weavz-api.md §2.8, weavz-sdk-wire.md §2.7): list, get, and approve / reject / cancel.

Every approval answered carries ``approvalUrl``, its address in this API, and a pending one whose mode offers a hosted
link its ``hostedApprovalUrl`` (the review page, :mod:`.approval_pages`), but only in answers to the key that made
the request, to keys with ``permissions.approvals.decide`` and to the operator: the link decides without any key. A
scoped key sees only its workspaces' approvals (any other is answered as one that does not exist).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.services.approvals import Action, ListFilters, Via
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.routes.approval_pages import review_url
from weavz_flow.wire.approvals import (
    Approval,
    ApprovalDecided,
    ApprovalDecisionRequest,
    ApprovalEnvelope,
    ApprovalList,
)
from weavz_flow.wire.base import AliasRef, CatalogRef, Ref
from weavz_flow.wire.vocabulary import ApprovalStatus

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"], responses=error_responses(400, 401, 403, 404))

APPROVAL_PATH = "/api/v1/approvals/{approval_id}"


def with_urls(request: Request, caller: Caller, approval: Approval, *, requester: bool = False) -> Approval:
    """The approval with the addresses this server gives it, as ``caller`` may see them (``requester``: the caller
    is known to have made the request, as in the answer to its own execute)."""
    return all_with_urls(request, caller, [approval], requester=requester)[0]


def all_with_urls(
    request: Request, caller: Caller, approvals: Sequence[Approval], *, requester: bool = False,
) -> list[Approval]:
    engine: Engine = request.app.state.engine
    base = str(request.base_url).rstrip("/")
    tokens = engine.approval_links.shown(caller, approvals, requester=requester)
    return [a.model_copy(update={
        "approval_url": base + APPROVAL_PATH.format(approval_id=a.id),
        "hosted_approval_url": review_url(request, tokens[a.id]) if a.id in tokens else None,
    }) for a in approvals]


@router.get("", response_model=ApprovalList)
def list_approvals(
    request: Request, engine: EngineDep, caller: CallerDep,
    workspace_id: Annotated[Ref | None, Query(alias="workspaceId")] = None,
    status: Annotated[ApprovalStatus | None, Query()] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    integration_name: Annotated[CatalogRef | None, Query(alias="integrationName")] = None,
    workspace_integration_id: Annotated[Ref | None, Query(alias="workspaceIntegrationId")] = None,
    integration_alias: Annotated[AliasRef | None, Query(alias="integrationAlias")] = None,
    action_name: Annotated[CatalogRef | None, Query(alias="actionName")] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> ApprovalList:
    listed = engine.approvals.list(caller, ListFilters(
        workspace_id=workspace_id, status=status, source=source, integration_name=integration_name,
        workspace_integration_id=workspace_integration_id, integration_alias=integration_alias,
        action_name=action_name, limit=limit))
    return listed.model_copy(update={"approvals": all_with_urls(request, caller, listed.approvals)})


@router.get("/{approval_id}", response_model=ApprovalEnvelope)
def get_approval(request: Request, engine: EngineDep, caller: CallerDep, approval_id: str) -> ApprovalEnvelope:
    """With ``webhookDeliveries`` (each event sent to each webhook approver, with its attempts) when the policy
    has webhook approvers."""
    approval = engine.approvals.get(caller, approval_id)
    deliveries = engine.approval_webhooks.deliveries(approval)
    return ApprovalEnvelope(approval=with_urls(request, caller,
                                               approval.model_copy(update={"webhook_deliveries": deliveries})))


def _decide(request: Request, engine: EngineDep, caller: CallerDep, approval_id: str, action: str,
            body: ApprovalDecisionRequest) -> ApprovalDecided:
    approval, receipt = engine.approvals.decide(caller, approval_id, action, reason=body.reason,
                                                metadata=body.metadata, via=Via.API)
    return ApprovalDecided(approval=with_urls(request, caller, approval), receipt=receipt)


@router.post("/{approval_id}/approve", response_model=ApprovalDecided)
def approve(request: Request, engine: EngineDep, caller: CallerDep, approval_id: str,
            body: ApprovalDecisionRequest) -> ApprovalDecided:
    """Needs ``permissions.approvals.decide``; a key may not approve its own request."""
    return _decide(request, engine, caller, approval_id, Action.APPROVE, body)


@router.post("/{approval_id}/reject", response_model=ApprovalDecided)
def reject(request: Request, engine: EngineDep, caller: CallerDep, approval_id: str,
           body: ApprovalDecisionRequest) -> ApprovalDecided:
    return _decide(request, engine, caller, approval_id, Action.REJECT, body)


@router.post("/{approval_id}/cancel", response_model=ApprovalDecided)
def cancel(request: Request, engine: EngineDep, caller: CallerDep, approval_id: str,
           body: ApprovalDecisionRequest) -> ApprovalDecided:
    """The requester may cancel its own request; any other key needs ``permissions.approvals.decide``."""
    return _decide(request, engine, caller, approval_id, Action.CANCEL, body)
