"""Approval requests as a backend reports them (``weavz-flow approvals``; the flow runner's resume): the wire record
of ``GET /api/v1/approvals/{id}`` together with the slug of its workspace, the name a project uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from weavz_flow.wire.approvals import Approval

# The decisions a person makes through a backend (the last part of ``POST /api/v1/approvals/{id}/...``).
APPROVE = "approve"
REJECT = "reject"
CANCEL = "cancel"
DECISIONS = (APPROVE, REJECT, CANCEL)
LIST_LIMIT_MAX = 200  # the most ``GET /api/v1/approvals`` answers at once


@dataclass(frozen=True, slots=True)
class ApprovalView:
    approval: Approval  # the record as the API shows it: its inputPreview is the redacted preview, never the input
    workspace: str  # the workspace's slug; its id when the backend cannot name it

    def document(self) -> dict[str, Any]:
        """The record as JSON (camelCase, as the API answers it) with the workspace's slug added."""
        return {**self.approval.model_dump(mode="json", exclude_none=True), "workspaceSlug": self.workspace}


def views_of(approvals: Iterable[Approval], slug_of: Callable[[str], str | None]) -> list[ApprovalView]:
    """The views of ``approvals``, each workspace named by ``slug_of(workspace_id)`` (or its id when unknown)."""
    return [ApprovalView(a, slug_of(a.workspace_id) or a.workspace_id) for a in approvals]


def checked_decision(action: str) -> str:
    if action not in DECISIONS:
        raise ValueError(f"unknown approval decision {action!r}; one of {', '.join(DECISIONS)}")
    return action
