"""Which approval policies match a call, and which one decides: a pure function of (policies, call).

A policy matches when it is enabled, its workspace is null (the whole organization) or the call's, every filter it
sets holds the call's value, its ``endUserMode`` holds, and its ``riskMode`` is ``always`` or its rules match the
call's final input. Precedence (weavz-api.md §1.8): the lowest ``priority`` wins; ties go to the most severe decision
(``DECISION_SEVERITY``), then to the smaller policy id.
"""

from __future__ import annotations

from collections.abc import Sequence

from weavz_flow.engine.gates.model import GateCall, GateVerdict, Policy
from weavz_flow.engine.gates.rules import rule_reasons
from weavz_flow.wire.vocabulary import DECISION_SEVERITY, EndUserMode, RiskMode

# (policy field, call field, how a reason names it)
_FILTERS = (
    ("sources", "source", "source"),
    ("mcp_server_ids", "mcp_server_id", "MCP server"),
    ("workspace_integration_ids", "workspace_integration_id", "workspace integration"),
    ("integration_names", "integration_name", "integration"),
    ("integration_aliases", "integration_alias", "alias"),
    ("action_names", "action_name", "action"),
    ("connection_strategies", "connection_strategy", "connection strategy"),
)


def evaluate(policies: Sequence[Policy], call: GateCall) -> GateVerdict:
    matched: list[tuple[Policy, list[str]]] = []
    for policy in policies:
        why = match_reasons(policy, call)
        if why is not None:
            matched.append((policy, why))
    matched.sort(key=lambda m: precedence(m[0]))
    if not matched:
        return GateVerdict(decision=None, policy=None, matched=(), reasons=("no enabled policy matches: allow",))
    reasons = [f"{_named(p)} matches: {'; '.join(why)}" for p, why in matched]
    winner = matched[0][0]
    if len(matched) > 1:
        reasons.append(f"{_named(winner)} wins ({_why_first(winner, matched[1][0])}): {winner.decision}")
    else:
        reasons.append(f"{_named(winner)} decides: {winner.decision}")
    return GateVerdict(decision=winner.decision, policy=winner, matched=tuple(p for p, _ in matched),
                       reasons=tuple(reasons))


def precedence(policy: Policy) -> tuple[int, int, str]:
    return policy.priority, -DECISION_SEVERITY[policy.decision], policy.id


def match_reasons(policy: Policy, call: GateCall) -> list[str] | None:
    """Why ``policy`` matches ``call``, or None when it does not."""
    if not policy.enabled:
        return None
    if policy.workspace_id is not None and policy.workspace_id != call.workspace_id:
        return None
    why = ["org-wide" if policy.workspace_id is None else "workspace"]
    for policy_field, call_field, label in _FILTERS:
        allowed = getattr(policy, policy_field)
        if allowed is None:
            continue
        value = getattr(call, call_field)
        if value is None or value not in allowed:
            return None
        why.append(f"{label} {value}")
    if policy.end_user_mode is EndUserMode.END_USER_PRESENT:
        if call.end_user_id is None:
            return None
        why.append("an end user is present")
    elif policy.end_user_mode is EndUserMode.NO_END_USER:
        if call.end_user_id is not None:
            return None
        why.append("no end user")
    if policy.risk_mode is RiskMode.ALWAYS:
        return why
    if policy.risk_mode is RiskMode.RULES:
        held = rule_reasons(policy.rules, call.input)
        return [*why, *held] if held else None
    return None  # model_assisted: refused at write time; a stored one (hand-edited) matches nothing


def _named(policy: Policy) -> str:
    return f"policy '{policy.name}' (priority {policy.priority})"


def _why_first(winner: Policy, runner_up: Policy) -> str:
    if winner.priority != runner_up.priority:
        return "lowest priority"
    if winner.decision != runner_up.decision:
        return f"same priority, {winner.decision} is more severe than {runner_up.decision}"
    return "same priority and decision, smaller policy id"
