"""The results of a run as values, and the events a run emits while it goes (rendered by the CLI, never here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from weavz_flow.backends.applied import AppliedPartial


def elapsed_ms(started_at: datetime | None, finished_at: datetime | None) -> float | None:
    """Milliseconds from start to finish; None until both are known."""
    if started_at is None or finished_at is None:
        return None
    return (finished_at - started_at).total_seconds() * 1000


class StepStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # its `if` was false, or the run stopped before it
    APPROVAL_REQUIRED = "approval_required"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # A step needs a person's approval: the run stopped there, recorded with the approvals it waits for, and is
    # taken up again (runner.resume) once they are decided; its finally steps run when it really ends.
    WAITING_APPROVAL = "waiting_approval"
    # Never a RunResult's status: a reader's verdict on a run record whose process stopped without finishing it
    # (killed, out of memory, its machine lost), told by its heartbeat or its owner's pid (see runner.records).
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class StepResult:
    step_id: str
    status: StepStatus
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    output: Any = None
    error: str | None = None
    error_code: str | None = None
    is_finally: bool = False
    tolerated: bool = False  # failed, but continue_on_error let the run go on
    items: int | None = None  # for_each: how many items ran
    # The partials the backend applied, in merge order, and why; None when it did not say (a remote backend, or a
    # call that failed: the engine's execution record has them then).
    partials: tuple[AppliedPartial, ...] | None = None
    # The approvals its calls asked for (the backend's pending-approval objects, redacted): those it waits for while
    # APPROVAL_REQUIRED, and those its resumed call ran under after.
    approvals: tuple[dict[str, Any], ...] = ()

    @property
    def duration_ms(self) -> float | None:
        return elapsed_ms(self.started_at, self.finished_at)


@dataclass(frozen=True, slots=True)
class RunResult:
    run_id: str
    flow: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime
    inputs: dict[str, Any]
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.SUCCEEDED

    @property
    def waiting(self) -> bool:
        return self.status is RunStatus.WAITING_APPROVAL

    def approvals(self) -> list[dict[str, Any]]:
        """The approvals the run waits for (empty unless :attr:`waiting`)."""
        return [a for s in self.steps if s.status is StepStatus.APPROVAL_REQUIRED for a in s.approvals]


class EventKind(StrEnum):
    RUN_STARTED = "run_started"
    STEP_STARTED = "step_started"
    STEP_RETRYING = "step_retrying"
    STEP_FINISHED = "step_finished"
    RUN_FINISHED = "run_finished"


@dataclass(frozen=True, slots=True)
class RunEvent:
    kind: EventKind
    run_id: str
    flow: str
    step_id: str | None = None
    step: StepResult | None = None
    attempt: int | None = None
    message: str | None = None  # already redacted
    run: RunResult | None = None
