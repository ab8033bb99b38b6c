"""The pure matcher: a precedence table (priority, severity ties, id ties, disabled, workspace vs org-wide, filters,
endUserMode, rules)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from weavz_flow.engine.gates.matching import evaluate
from weavz_flow.engine.gates.model import Approver, GateCall, Policy
from weavz_flow.wire.vocabulary import (
    ApprovalAccessMode,
    ApprovalDecision,
    ApproverType,
    DefaultOnTimeout,
    EndUserMode,
    ExecuteSource,
    RiskMode,
)

D = ApprovalDecision
CALL = GateCall(workspace_id="ws", source=ExecuteSource.SDK, integration_name="slack", action_name="send",
                integration_alias="slack_bot", workspace_integration_id="wi", connection_strategy="fixed",
                end_user_id=None, mcp_server_id=None, input={"channel": "#general"})


def _p(pid: str, priority: int = 100, decision: D = D.REQUIRE_APPROVAL, **kw: Any) -> Policy:
    base = Policy(id=pid, org_id="org", workspace_id="ws", name=pid, description=None, enabled=True,
                  priority=priority, sources=None, mcp_server_ids=None, workspace_integration_ids=None,
                  integration_names=None, integration_aliases=None, action_names=None, connection_strategies=None,
                  end_user_mode=EndUserMode.ANY, decision=decision, risk_mode=RiskMode.ALWAYS, rules=None,
                  approvers=(Approver(ApproverType.ORG_ROLE, roles=("admin",)),), timeout_seconds=60,
                  default_on_timeout=DefaultOnTimeout.REJECT, reuse_window_seconds=None,
                  approval_access_mode=ApprovalAccessMode.DASHBOARD_ONLY, metadata=None)
    return replace(base, **kw)


RULES = {"match": "any", "conditions": [{"path": "channel", "op": "in", "value": ["#general", "#all"]}]}

TABLE: list[tuple[str, list[Policy], str | None]] = [
    ("none", [], None),
    ("lowest priority wins", [_p("a", 10, D.AUTO_APPROVE), _p("b", 5, D.NOTIFY_ONLY)], "b"),
    ("severity breaks a priority tie", [_p("a", 5, D.NOTIFY_ONLY), _p("b", 5, D.BLOCK)], "b"),
    ("id breaks a full tie", [_p("b", 5), _p("a", 5)], "a"),
    ("disabled never matches", [_p("a", 1, enabled=False), _p("b", 9)], "b"),
    ("another workspace never matches", [_p("a", 1, workspace_id="other"), _p("b", 9, workspace_id=None)], "b"),
    ("org-wide matches", [_p("a", workspace_id=None)], "a"),
    ("sources", [_p("a", 1, sources=(ExecuteSource.MCP_TOOLS,)), _p("b", 2, sources=(ExecuteSource.SDK,))], "b"),
    ("mcp server needs one", [_p("a", 1, mcp_server_ids=("m",)), _p("b", 2)], "b"),
    ("workspace integrations", [_p("a", 1, workspace_integration_ids=("x",)),
                                _p("b", 2, workspace_integration_ids=("wi",))], "b"),
    ("integration names", [_p("a", 1, integration_names=("github",)), _p("b", 2, integration_names=("slack",))], "b"),
    ("aliases", [_p("a", 1, integration_aliases=("x",)), _p("b", 2, integration_aliases=("slack_bot",))], "b"),
    ("actions", [_p("a", 1, action_names=("other",)), _p("b", 2, action_names=("send",))], "b"),
    ("strategies", [_p("a", 1, connection_strategies=("per_user",)),
                    _p("b", 2, connection_strategies=("fixed",))], "b"),
    ("endUserMode", [_p("a", 1, end_user_mode=EndUserMode.END_USER_PRESENT),
                     _p("b", 2, end_user_mode=EndUserMode.NO_END_USER)], "b"),
    ("rules in", [_p("a", 1, risk_mode=RiskMode.RULES, rules=RULES)], "a"),
    ("rules no match", [_p("a", 1, risk_mode=RiskMode.RULES, rules={
        "conditions": [{"path": "channel", "op": "equals", "value": "#x"}]}), _p("b", 2)], "b"),
]


@pytest.mark.parametrize(("policies", "winner"), [(p, w) for _, p, w in TABLE], ids=[c for c, _, _ in TABLE])
def test_precedence(policies: list[Policy], winner: str | None) -> None:
    verdict = evaluate(policies, CALL)
    assert (verdict.policy.id if verdict.policy else None) == winner
    assert verdict.reasons
    if winner is not None:
        assert verdict.decision == verdict.policy.decision and verdict.matched[0] == verdict.policy  # type: ignore[union-attr]
    else:
        assert verdict.decision is None
