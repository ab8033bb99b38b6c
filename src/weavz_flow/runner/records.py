"""Run records: one row per run and one per step, in the store (its tables ``flow_runs`` and ``flow_run_steps``, made
by the store's migrations and reached through :mod:`weavz_flow.backends.stores`): the local engine's store, so that
on PostgreSQL the runs of every machine sharing it (by hand or scheduled) are listed together, else the project's own
``.weavz-flow/state.db``. The ``runs.db`` of earlier versions is imported into it when found.

A run's row is written when it starts; its steps and final status in one transaction when it ends, so recording
adds two writes per run rather than one per step. Everything stored has passed the run's Redactor already; outputs
are capped at :data:`OUTPUT_CAP` characters of JSON.

A run in progress also names its owner (host, pid, process token: :mod:`weavz_flow.runner.liveness`) and refreshes
its ``heartbeat_at`` every :data:`HEARTBEAT_EVERY` from a daemon thread, one small UPDATE per beat (a run shorter
than that never beats). A reader that finds a running record whose heartbeat is older than :data:`LOST_AFTER`, or
whose owner on this very machine is gone, marks it ``lost`` with a conditional UPDATE, so that every reader agrees.
On PostgreSQL heartbeats are stamped and judged by the database's clock: machines sharing it may disagree on time.
This module keeps what the records mean (statuses, owners, heartbeats); the SQL is the store's
(:class:`weavz_flow.engine.run_store.RunStore`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from weavz_flow.backends.applied import AppliedPartial
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.stores import (
    STATE_DB_FILE,
    RunStore,
    Store,
    aware,
    backend_store,
    open_store,
    run_store,
    state_store,
)
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.deployment import flow_digest
from weavz_flow.runner.liveness import Heartbeat, Owner, owner_gone, this_process
from weavz_flow.runner.outcome import RunResult, RunStatus, elapsed_ms

log = logging.getLogger("weavz_flow.runner")

OUTPUT_CAP = 64 * 1024

# Often enough that a dead run is told within a minute, rarely enough that a worker running many flows at once adds
# no noticeable load (one UPDATE of one row per run every 15 s).
HEARTBEAT_EVERY = timedelta(seconds=15)
# Four missed beats: a beat may be late by a busy database (SQLite waits up to 5 s for a lock), a stalled event loop
# or a machine under memory pressure; one late beat must not turn a live run into a lost one.
LOST_AFTER = 4 * HEARTBEAT_EVERY
# Rows written by versions before heartbeats (or by such a version still running beside this one) have no heartbeat:
# one of them still "running" after a day is surely lost, while a long but live run of an old worker is left alone.
LEGACY_LOST_AFTER = timedelta(hours=24)

class RunNotFoundError(WeavzFlowError):
    pass


class RunTrigger(StrEnum):
    """What started a run, as ``runs list`` shows it."""

    MANUAL = "manual"  # `weavz-flow run`, or a FlowRunner called without saying
    SCHEDULE = "schedule"  # a fire of the flow's cron schedule
    EVENT = "event"  # a fire of one event of the flow's `on:` triggers or webhook


@dataclass(frozen=True, slots=True)
class StepRecord:
    step_id: str
    is_finally: bool
    status: str
    attempts: int
    items: int | None
    started_at: datetime | None
    finished_at: datetime | None
    output: Any  # the stored JSON value, or the capped JSON text when truncated
    output_truncated: bool
    error: str | None
    error_code: str | None
    tolerated: bool
    partials: tuple[AppliedPartial, ...] | None = None  # None: not reported (a remote backend, a failed call)
    approvals: tuple[dict[str, Any], ...] = ()  # the approvals its calls asked for (see StepResult.approvals)
    resume_output: Any = None  # a waiting run's output in full when ``output`` is truncated (what a resume reads)

    @property
    def duration_ms(self) -> float | None:
        return elapsed_ms(self.started_at, self.finished_at)


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    flow: str
    workspace: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    end_user: str | None
    inputs: dict[str, Any]
    error: str | None
    steps: list[StepRecord] = field(default_factory=list)
    owner_host: str | None = None  # None for runs recorded before owners were
    owner_pid: int | None = None
    heartbeat_at: datetime | None = None
    trigger: str | None = None  # a RunTrigger value; None for runs recorded before triggers were
    flow_version: dict[str, Any] | None = None  # a waiting run's flow version document (read by :meth:`get`)

    @property
    def duration_ms(self) -> float | None:
        return elapsed_ms(self.started_at, self.finished_at)


def capped_json(value: Any, cap: int = OUTPUT_CAP) -> tuple[str | None, bool]:
    text = _json(value)
    if text is None:
        return None, False
    return (text[:cap], True) if len(text) > cap else (text, False)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


class RunRecords:
    def __init__(self, database: str | Store, *, schema: str | None = None,
                 heartbeat_every: timedelta = HEARTBEAT_EVERY, lost_after: timedelta = LOST_AFTER,
                 legacy_lost_after: timedelta = LEGACY_LOST_AFTER, state_dir: Path | None = None,
                 own_store: bool = False) -> None:
        """``database``: the store (closed by :meth:`close` only with ``own_store``), or a URL of one to open (with
        ``schema``) and close. ``state_dir``: where an earlier version's ``runs.db`` to import may be."""
        self.heartbeat_every = heartbeat_every
        self.lost_after = lost_after
        self.legacy_lost_after = legacy_lost_after
        self._beats: dict[str, Heartbeat] = {}
        self._beats_lock = threading.Lock()
        self._resumed: set[str] = set()  # runs this process claimed (see claim): their waiting step rows are replaced
        self._own_store = own_store or isinstance(database, str)
        self.store = open_store(database, schema=schema) if isinstance(database, str) else database
        try:
            self.runs: RunStore = run_store(self.store, state_dir)
        except BaseException:
            self._close_store()
            raise

    @property
    def engine(self) -> Any:
        """The SQLAlchemy engine the records are in (for tests and diagnostics)."""
        return self.store.engine

    @classmethod
    def for_project(cls, root: Path, **options: Any) -> RunRecords:
        """The records of a project without a store of its own (a remote backend): its ``.weavz-flow/state.db``."""
        state = root / ".weavz-flow"
        return cls(f"sqlite:///{state / STATE_DB_FILE}", state_dir=state, **options)

    @classmethod
    def for_backend(cls, backend: Backend, root: Path, **options: Any) -> RunRecords:
        """Where ``backend``'s runs are kept (see :func:`weavz_flow.backends.stores.state_store`): the local engine's
        store, else the project's local store, which these records then close."""
        state = root / ".weavz-flow"
        store = state_store(backend, state)
        return cls(store, state_dir=state, own_store=store is not backend_store(backend), **options)

    @classmethod
    def for_store(cls, store: Store, root: Path | None = None, *, own_store: bool = False,
                  **options: Any) -> RunRecords:
        """The records in ``store`` (left open by :meth:`close` unless ``own_store``), with the runs of ``root``'s
        old runs.db imported."""
        return cls(store, state_dir=root / ".weavz-flow" if root is not None else None, own_store=own_store,
                   **options)

    def _close_store(self) -> None:
        if self._own_store:
            self.store.close()

    def close(self) -> None:
        with self._beats_lock:
            beats = list(self._beats.values())
            self._beats.clear()
        for beat in beats:
            beat.stop()
        self._close_store()

    def start(self, *, run_id: str, flow: str, workspace: str, started_at: datetime, inputs: dict[str, Any],
              end_user: str | None, trigger: RunTrigger = RunTrigger.MANUAL) -> None:
        """Record the run as running, started by ``trigger`` and owned by this process, and keep its heartbeat
        until :meth:`finish` (or :meth:`stop_heartbeat`)."""
        owner = this_process()
        self.runs.start({
            "id": run_id, "flow": flow, "workspace": workspace, "status": RunStatus.RUNNING.value,
            "started_at": started_at, "end_user": end_user,
            "inputs": json.dumps(inputs, default=str, ensure_ascii=False), "owner_host": owner.host,
            "owner_pid": owner.pid, "owner_process": owner.process, "started_by": trigger.value})
        self._keep_beating(run_id, owner, started_at)

    def claim(self, run: RunRecord) -> bool:
        """Take up the waiting ``run`` to resume it: make it running, owned by this process, with its heartbeat kept
        until :meth:`finish`; False when it is not waiting (any more), e.g. another process resumed it first."""
        owner = this_process()
        if not self.runs.claim(run.id, {"owner_host": owner.host, "owner_pid": owner.pid,
                                        "owner_process": owner.process},
                               waiting=RunStatus.WAITING_APPROVAL.value, running=RunStatus.RUNNING.value):
            return False
        with self._beats_lock:
            self._resumed.add(run.id)
        self._keep_beating(run.id, owner, run.started_at)
        return True

    def release(self, run: RunRecord) -> None:
        """Put ``run``, claimed by this process, back to waiting: its resume stopped before it could record anything
        (a secret this environment lacks); a no-op once the run recorded its end here."""
        self.stop_heartbeat(run.id)
        with self._beats_lock:
            self._resumed.discard(run.id)
        owner = this_process()
        self.runs.release(run.id, run.started_at, owner.host, owner.pid, waiting=RunStatus.WAITING_APPROVAL.value,
                          running=RunStatus.RUNNING.value)

    def waiting(self, limit: int = 100) -> list[RunRecord]:
        """Runs waiting for approval, oldest first, without their steps."""
        return [_run(row) for row in self.runs.with_status(RunStatus.WAITING_APPROVAL.value, limit)]

    def _keep_beating(self, run_id: str, owner: Owner, started_at: datetime) -> None:
        beat = Heartbeat(partial(self._beat, run_id, owner, started_at), self.heartbeat_every.total_seconds(),
                         name=f"run-heartbeat-{run_id}")
        with self._beats_lock:
            previous = self._beats.pop(run_id, None)
            self._beats[run_id] = beat
        if previous is not None:
            previous.stop()
        beat.start()

    def _beat(self, run_id: str, owner: Owner, started_at: datetime) -> None:
        self.runs.beat(run_id, owner.host, owner.pid, started_at, running=RunStatus.RUNNING.value,
                       lost=RunStatus.LOST.value)

    def stop_heartbeat(self, run_id: str) -> None:
        """Stop refreshing ``run_id``'s heartbeat and wait for its thread (a no-op when it has none)."""
        with self._beats_lock:
            beat = self._beats.pop(run_id, None)
        if beat is not None:
            beat.stop()

    def finish(self, result: RunResult, flow_version: Mapping[str, Any] | None = None) -> None:
        """Record the end of the run, or its pause when it waits for approval: then with ``flow_version`` (the flow
        version document it runs) and each step's full output, which resuming it reads."""
        self.stop_heartbeat(result.run_id)
        waiting = result.status is RunStatus.WAITING_APPROVAL
        rows = []
        for position, step in enumerate(result.steps):
            text = _json(step.output)
            truncated = text is not None and len(text) > OUTPUT_CAP
            output = text[:OUTPUT_CAP] if truncated and text is not None else text
            rows.append({
                "position": position, "step_id": step.step_id,
                "is_finally": step.is_finally, "status": step.status.value, "attempts": step.attempts,
                "items": step.items, "started_at": step.started_at, "finished_at": step.finished_at,
                "output": output, "output_truncated": truncated, "error": step.error, "error_code": step.error_code,
                "tolerated": step.tolerated,
                "partials": None if step.partials is None else json.dumps([p.to_json() for p in step.partials]),
                "approvals": _json(list(step.approvals)) if step.approvals else None,
                "resume_output": text if waiting and truncated else None,
            })
        values: dict[str, Any] = {"status": result.status.value, "error": result.error,
                                  "finished_at": None if waiting else result.finished_at}
        if waiting and flow_version is not None:
            values["flow_version"] = _json(flow_version)
            values["flow_digest"] = flow_digest(flow_version)
        with self._beats_lock:
            resumed = result.run_id in self._resumed
            self._resumed.discard(result.run_id)
        owner = this_process()
        # Only the record this process started or resumed (see RunStore.finish).
        if not self.runs.finish(result.run_id, result.started_at, owner.host, owner.pid, values, rows,
                                replace_steps=resumed):
            log.warning("run %s was started again by another process; this attempt's result is not recorded",
                        result.run_id)

    def recent(self, *, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        return [_run(row) for row in self._settle(self.runs.runs(flow=flow, limit=limit))]

    def get(self, run_id: str) -> RunRecord:
        """A run by its id or a unique prefix of it."""
        rows = self.runs.matching(run_id)
        if not rows:
            raise RunNotFoundError(f"no run with id '{run_id}' (see `weavz-flow runs list`)")
        if len(rows) > 1:
            raise RunNotFoundError(f"'{run_id}' matches several runs; give more of the id")
        steps = self.runs.steps(rows[0]["id"])
        run = _run(self._settle(rows)[0])
        run.steps.extend(_step(s) for s in steps)
        version = rows[0]["flow_version"]
        return replace(run, flow_version=json.loads(version)) if version is not None else run

    def _settle(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """``rows`` with each running one whose process is gone marked lost (see RunStore.settle)."""
        return self.runs.settle(rows, running=RunStatus.RUNNING.value, lost=RunStatus.LOST.value,
                                lost_after=self.lost_after, legacy_lost_after=self.legacy_lost_after,
                                owner_gone=owner_gone)


def _run(row: Mapping[str, Any]) -> RunRecord:
    return RunRecord(row["id"], row["flow"], row["workspace"], RunStatus(row["status"]), aware(row["started_at"]),
                     aware(row["finished_at"]), row["end_user"], json.loads(row["inputs"]), row["error"],
                     owner_host=row["owner_host"], owner_pid=row["owner_pid"],
                     heartbeat_at=aware(row["heartbeat_at"]), trigger=row["started_by"])


def _step(row: Any) -> StepRecord:
    output: Any = row["output"]
    if output is not None and not row["output_truncated"]:
        output = json.loads(output)
    partials, approvals, full = row["partials"], row["approvals"], row["resume_output"]
    return StepRecord(row["step_id"], row["is_finally"], row["status"], row["attempts"], row["items"],
                      aware(row["started_at"]), aware(row["finished_at"]), output, row["output_truncated"],
                      row["error"], row["error_code"], row["tolerated"],
                      None if partials is None else tuple(AppliedPartial.of_json(p) for p in json.loads(partials)),
                      tuple(json.loads(approvals)) if approvals else (),
                      json.loads(full) if full is not None else None)
