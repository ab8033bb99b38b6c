"""The plan as JSON, for machines. The schema is stable and versioned by ``format_version``:

    {
      "format_version": "1",
      "backend": str,
      "live_state_fingerprint": str,            # sha256 of the live state read
      "prune": bool,
      "targets": [address, ...],
      "changes": [                              # apply order; no-ops left out
        {"address": str,                        # flow.<name>, flow.<name>/schedule.<index> for the last two kinds
         "kind": "workspace" | "end_user" | "connection" | "integration" | "partial" | "mcp_server" | "flow"
                 | "schedule",
         "action": "create" | "update" | "delete" | "replace",
         "reason": str | null,
         "attributes": [{"name": str, "before": any, "after": any, "sensitive": bool}]}
      ],
      "unmanaged": [address, ...],
      "deployment_note": str | null,            # why flows and schedules are not in this plan, when they are not
      "summary": {"add": int, "change": int, "destroy": int, "has_changes": bool},
      "schedules": [                            # information only: never changes, not in the summary
        {"flow": str, "workspace": str, "cron": str, "timezone": str,  # IANA name; "UTC" when omitted
         "timezone_is_default": bool, "enabled": bool, "overlap": "skip" | "queue" | "allow",
         "missed": "last" | "all" | "none"}
      ]
    }

A sensitive attribute has ``before`` and ``after`` null; ``"sensitive": true`` says the value is set or changed.
An MCP server's tools are attributes named ``tools.<alias>.<action>`` (a tool added has ``before`` null, a tool
removed ``after`` null), and ``tool_order`` when only their order changes; no token is ever part of a plan.
"""

from __future__ import annotations

import json
from typing import Any

from weavz_flow.config.render_schedules import schedule_object
from weavz_flow.plan.model import AttributeDiff, Change, Plan


def plan_document(plan: Plan) -> dict[str, Any]:
    summary = plan.summary
    return {
        "format_version": plan.format_version,
        "backend": plan.backend,
        "live_state_fingerprint": plan.live_fingerprint,
        "prune": plan.prune,
        "targets": [str(t) for t in plan.targets],
        "changes": [_change(c) for c in plan.actionable],
        "unmanaged": [str(a) for a in plan.unmanaged],
        "deployment_note": plan.deployment_note,
        "summary": {"add": summary.add, "change": summary.change, "destroy": summary.destroy,
                    "has_changes": not summary.empty},
        "schedules": [schedule_object(s) for s in plan.schedules],
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _change(change: Change) -> dict[str, Any]:
    return {
        "address": str(change.address),
        "kind": change.kind.value,
        "action": change.action.value,
        "reason": change.reason,
        "attributes": [_attribute(d) for d in change.diffs],
    }


def _attribute(diff: AttributeDiff) -> dict[str, Any]:
    if diff.sensitive:
        return {"name": diff.name, "before": None, "after": None, "sensitive": True}
    return {"name": diff.name, "before": diff.before, "after": diff.after, "sensitive": False}
