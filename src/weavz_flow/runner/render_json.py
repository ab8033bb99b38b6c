"""A run as JSON, for machines: the one document that ``run --json`` and ``runs show --json`` print for a run, read
from its record (``runs list --json`` prints each run's document without ``steps``). The keys are the union of what
the two commands printed before they shared this document, so a reader of either keeps every key it read:

    {
      "run_id": str,
      "flow": str,
      "workspace": str,
      "status": "running" | "succeeded" | "failed" | "lost" | "waiting_approval",
      "started_at": str,                        # ISO 8601, UTC
      "finished_at": str | null,                # null while it runs or waits (or when it was lost)
      "duration_ms": float | null,
      "trigger": "manual" | "schedule" | null,  # null for runs recorded before triggers were
      "end_user": str | null,
      "inputs": {name: any},                    # redacted
      "error": str | null,
      "owner": {"host": str, "pid": int | null} | null,   # the process that ran it; null before owners were
      "heartbeat_at": str | null,
      "steps": [                                # main steps in flow order, then the finally steps
        {"id": str, "finally": bool,
         "status": "succeeded" | "failed" | "skipped" | "approval_required",
         "attempts": int, "items": int | null,  # items: how many for_each items ran
         "duration_ms": float | null,
         "output": any,                         # redacted; the first OUTPUT_CAP characters of its JSON when truncated
         "output_truncated": bool,
         "error": str | null, "error_code": str | null,   # a runner.error_codes.StepErrorCode, or the backend's code
         "continued": bool,                     # failed, and continue_on_error let the run go on
         "partials": [{"id": str, "name": str, "reason": str}] | null,   # null: the backend did not say
         "approvals": [{"id": str, "status": str, "policyId": str | null, "approvalAccessMode": str,
                        "expiresAt": str, "approvalUrl": str?, "retry": {"idempotencyKey": str},
                        "decision": {approval record: status, decidedVia, decidedByApiKeyId, decidedAt,
                                     decisionReason, ...}?}]}   # what it asked; decision: `runs show` only
      ]
    }

``run --json`` prints the document of the record it has just written, except that a step's output the record had to
truncate is printed in full (``"output_truncated": false``): only the record is capped, the run had all of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from weavz_flow.runner.outcome import RunResult
from weavz_flow.runner.records import RunRecord, StepRecord
from weavz_flow.wire.approvals import Approval


def run_document(run: RunRecord, *, steps: bool = True,
                 decisions: Mapping[str, Approval] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "run_id": run.id, "flow": run.flow, "workspace": run.workspace, "status": run.status.value,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_ms": run.duration_ms, "trigger": run.trigger, "end_user": run.end_user, "inputs": run.inputs,
        "error": run.error,
        "owner": None if run.owner_host is None else {"host": run.owner_host, "pid": run.owner_pid},
        "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
    }
    if steps:
        out["steps"] = [_step(s, decisions or {}) for s in run.steps]
    return out


def render_json(run: RunRecord, decisions: Mapping[str, Approval] | None = None) -> str:
    """``decisions``: approval id -> the approval's record now, added to the step's approvals as ``decision``."""
    return json.dumps(run_document(run, decisions=decisions), indent=2, default=str) + "\n"


def with_full_outputs(record: RunRecord, result: RunResult) -> RunRecord:
    """``record`` (of the run that returned ``result``) with the outputs it truncated as the run returned them."""
    outputs = {s.step_id: s.output for s in result.steps}
    return replace(record, steps=[
        replace(s, output=outputs[s.step_id], output_truncated=False) if s.output_truncated and s.step_id in outputs
        else s for s in record.steps])


def _step(step: StepRecord, decisions: Mapping[str, Approval]) -> dict[str, Any]:
    return {
        "id": step.step_id, "finally": step.is_finally, "status": step.status, "attempts": step.attempts,
        "items": step.items, "duration_ms": step.duration_ms, "output": step.output,
        "output_truncated": step.output_truncated, "error": step.error, "error_code": step.error_code,
        "continued": step.tolerated,
        "partials": None if step.partials is None else [p.to_json() for p in step.partials],
        "approvals": [_approval(a, decisions) for a in step.approvals],
    }


def _approval(approval: Mapping[str, Any], decisions: Mapping[str, Approval]) -> dict[str, Any]:
    decided = decisions.get(str(approval.get("id")))
    if decided is None:
        return dict(approval)
    return {**approval, "decision": decided.model_dump(mode="json", by_alias=True, exclude_none=True)}
