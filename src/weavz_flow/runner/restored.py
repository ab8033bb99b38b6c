"""A waiting run as its record keeps it, ready to go on: the steps that had finished (as results, with the outputs
later templates read) and the approvals its waiting steps asked for. Made by :func:`restore`; run by
:meth:`weavz_flow.runner.run.FlowRunner.resume`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weavz_flow.runner.outcome import StepResult, StepStatus
from weavz_flow.runner.records import RunRecord, StepRecord


@dataclass(frozen=True, slots=True)
class Restored:
    run: RunRecord
    results: dict[str, StepResult] = field(default_factory=dict)  # the steps that finished before it waited
    outputs: dict[str, Any] = field(default_factory=dict)  # their outputs in full (redacted, as recorded)
    approvals: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)  # waiting step -> its approvals

    @property
    def waiting_steps(self) -> list[str]:
        return list(self.approvals)


def restore(run: RunRecord) -> Restored:
    restored = Restored(run)
    for step in run.steps:
        if step.status == StepStatus.APPROVAL_REQUIRED:
            restored.approvals[step.step_id] = step.approvals
            continue
        output = step.resume_output if step.output_truncated else step.output
        restored.results[step.step_id] = _result(step, output)
        restored.outputs[step.step_id] = output
    return restored


def _result(step: StepRecord, output: Any) -> StepResult:
    return StepResult(step.step_id, StepStatus(step.status), step.attempts, step.started_at, step.finished_at, output,
                      step.error, step.error_code, step.is_finally, step.tolerated, step.items, step.partials,
                      step.approvals)
