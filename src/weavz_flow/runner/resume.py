"""Resuming a run that waits for approval: by hand (``weavz-flow runs resume RUN``) or by a scheduler or worker once
the approvals are decided (:mod:`weavz_flow.schedule.resumer`).

The run goes on under its own id, with its recorded inputs and the flow version it started with (kept in its record
when it began to wait: a resume never runs another version of the flow, and needs no checkout); secrets are read
again from this process's environment, never from the record. The steps that had finished are taken as recorded;
the waiting ones run again with their same idempotency keys (runner.retry.idempotency_key of the run id, step id
and item), so the engine runs an approved call exactly once (or replays it), answers a rejected, expired or canceled
one with its error (the step fails with that code; ``continue_on_error`` applies, and ``finally`` steps run), and a
still pending one with "approval required" again (the run waits again).

Of several processes resuming one run at once, one claims it (a conditional UPDATE of its record from
``waiting_approval`` to ``running``); the others are told it is not waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from weavz_flow.backends.protocol import Backend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.deployment import project_from_version
from weavz_flow.runner.outcome import RunEvent, RunResult, RunStatus, StepStatus
from weavz_flow.runner.records import RunRecord, RunRecords
from weavz_flow.runner.restored import restore
from weavz_flow.runner.run import FlowRunner


class ResumeRefusedError(WeavzFlowError):
    """The run cannot be resumed (it is not waiting, or no longer)."""


def resume_run(records: RunRecords, backend: Backend, run_id: str, *, root: Path,
               environ: Mapping[str, str] | None = None, on_event: Callable[[RunEvent], None] | None = None,
               catalog: Catalog | None = None) -> RunResult:
    """Resume the waiting run ``run_id`` (or a unique prefix); its result (waiting again when an approval is still
    pending). ``root``: where the flow's ``file:`` secret references are read from."""
    run = records.get(run_id)
    _check_waiting(run)
    if run.flow_version is None:
        raise ResumeRefusedError(f"run {run.id} was recorded without its flow version; it cannot be resumed")
    if not records.claim(run):
        raise ResumeRefusedError(f"run {run.id} is not waiting for approval any more: another process resumed it")
    run = records.get(run.id)  # as the claim found it (a resume elsewhere may have waited again meanwhile)
    version = run.flow_version or {}
    try:
        runner = FlowRunner(project_from_version(version, root), backend, records=records, environ=environ,
                            on_event=on_event, catalog=catalog, preflight=False, flow_version=version)
        return runner.resume(restore(run))
    except BaseException:
        records.release(run)  # a no-op once the run recorded its end
        raise


def _check_waiting(run: RunRecord) -> None:
    if run.status is RunStatus.WAITING_APPROVAL:
        return
    raise ResumeRefusedError(f"run {run.id} is {run.status.value}: only a run waiting for approval can be resumed")


def waiting_approvals(run: RunRecord) -> list[dict[str, Any]]:
    """The approvals a waiting run's record says it waits for."""
    return [a for s in run.steps if s.status == StepStatus.APPROVAL_REQUIRED for a in s.approvals]
