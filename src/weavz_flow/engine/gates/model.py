"""The typed values of human gates: a policy, its approvers, a call as the gate sees it, and the gate's verdict.

Pure values, no database: :mod:`weavz_flow.engine.services.approval_policies` makes them from rows,
:mod:`weavz_flow.engine.gates.matching` decides with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from weavz_flow.wire.vocabulary import (
    ApprovalAccessMode,
    ApprovalDecision,
    ApproverType,
    DefaultOnTimeout,
    EndUserMode,
    ExecuteSource,
    RiskMode,
)


@dataclass(frozen=True, slots=True)
class Approver:
    type: ApproverType
    roles: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    webhook_url: str | None = None
    has_webhook_secret: bool = False  # the secret itself is never in this value


@dataclass(frozen=True, slots=True)
class Policy:
    """One approval_policies row. The filter tuples are None for "any"."""

    id: str
    org_id: str
    workspace_id: str | None  # None: the whole organization
    name: str
    description: str | None
    enabled: bool
    priority: int
    sources: tuple[ExecuteSource, ...] | None
    mcp_server_ids: tuple[str, ...] | None
    workspace_integration_ids: tuple[str, ...] | None
    integration_names: tuple[str, ...] | None
    integration_aliases: tuple[str, ...] | None
    action_names: tuple[str, ...] | None
    connection_strategies: tuple[str, ...] | None
    end_user_mode: EndUserMode
    decision: ApprovalDecision
    risk_mode: RiskMode
    rules: Mapping[str, Any] | None
    approvers: tuple[Approver, ...]
    timeout_seconds: int
    default_on_timeout: DefaultOnTimeout
    reuse_window_seconds: int | None
    approval_access_mode: ApprovalAccessMode
    metadata: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class GateCall:
    """What the gate knows of a call after resolution and merge; ``input`` is the final merged input."""

    workspace_id: str
    source: ExecuteSource
    integration_name: str
    action_name: str
    integration_alias: str | None
    workspace_integration_id: str | None
    connection_strategy: str | None
    end_user_id: str | None
    mcp_server_id: str | None
    input: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class GateVerdict:
    decision: ApprovalDecision | None  # None = allow (no enabled policy matched)
    policy: Policy | None  # the winning policy
    matched: tuple[Policy, ...]  # every matching policy, in precedence order
    reasons: tuple[str, ...]  # human-readable: why each policy matched, and which one won
