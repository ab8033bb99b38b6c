"""What became of the approvals a waiting run asked for, as its backend tells: whether the run may go on (every
approval decided, or past its expiry, which asking again turns into the policy's timeout), and the decision a run
record shows (who decided, when, how and why)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from weavz_flow.backends.protocol import Backend
from weavz_flow.errors import ApiError, WeavzFlowError
from weavz_flow.wire.approvals import Approval
from weavz_flow.wire.vocabulary import ApprovalStatus


def read_approval(backend: Backend, approval_id: str) -> Approval | None:
    """The approval's record, or None when the backend cannot say (unknown id, no access, unreachable)."""
    try:
        return backend.get_approval(approval_id).approval
    except (ApiError, WeavzFlowError):
        return None


def approval_ids(approvals: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(a["id"]) for a in approvals if a.get("id")]


def may_go_on(backend: Backend, approvals: Iterable[Mapping[str, Any]], now: datetime | None = None) -> bool:
    """True unless an approval is known to be still pending and not yet expired: resuming then would only find it
    pending again."""
    moment = now or datetime.now(UTC)
    for approval_id in approval_ids(approvals):
        found = read_approval(backend, approval_id)
        if found is None:
            continue  # the backend cannot tell: asking again with the key can
        if found.status is ApprovalStatus.PENDING and not _past(found.expires_at, moment):
            return False
    return True


def _past(moment_text: str, now: datetime) -> bool:
    try:
        moment = datetime.fromisoformat(moment_text.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) <= now


def decision_text(approval: Approval) -> str:
    """One line: the approval's status and, once decided, how, by whom, when and why."""
    parts = [f"{approval.id} {approval.status.value}"]
    if approval.decided_via:
        parts.append(f"via {approval.decided_via}")
    if approval.decided_by_api_key_id:
        parts.append(f"by key {approval.decided_by_api_key_id}")
    if approval.decided_at:
        parts.append(f"at {approval.decided_at}")
    if approval.status is ApprovalStatus.PENDING:
        parts.append(f"expires {approval.expires_at}")
    text = " ".join(parts)
    return text + (f": {approval.decision_reason}" if approval.decision_reason else "")
