"""The gate's answer when a call must wait for a person: raised by the execute pipeline, turned by each surface into
its own form (REST 202 ``approval_required``, a backend outcome, an MCP tool result, a flow run waiting)."""

from __future__ import annotations

from weavz_flow.wire.approvals import Approval


class ApprovalRequiredError(Exception):
    """The call did not run: ``approval`` is pending. Retrying the same call with ``idempotency_key`` runs it once
    it is approved. Not an :class:`~weavz_flow.errors.ApiError`: nothing failed, and no surface answers it as one."""

    def __init__(self, approval: Approval, idempotency_key: str) -> None:
        super().__init__(f"approval {approval.id} is pending")
        self.approval = approval
        self.idempotency_key = idempotency_key
