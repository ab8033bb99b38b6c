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
from dataclasses import dataclass, field
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

    @property
    def duration_ms(self) -> float | None:
        return elapsed_ms(self.started_at, self.finished_at)


def capped_json(value: Any, cap: int = OUTPUT_CAP) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    return (text[:cap], True) if len(text) > cap else (text, False)


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

    def finish(self, result: RunResult) -> None:
        self.stop_heartbeat(result.run_id)
        rows = []
        for position, step in enumerate(result.steps):
            output, truncated = capped_json(step.output)
            rows.append({
                "position": position, "step_id": step.step_id,
                "is_finally": step.is_finally, "status": step.status.value, "attempts": step.attempts,
                "items": step.items, "started_at": step.started_at, "finished_at": step.finished_at,
                "output": output, "output_truncated": truncated, "error": step.error, "error_code": step.error_code,
                "tolerated": step.tolerated,
                "partials": None if step.partials is None else json.dumps([p.to_json() for p in step.partials]),
            })
        owner = this_process()
        # Only the record this process started (see RunStore.finish).
        if not self.runs.finish(result.run_id, result.started_at, owner.host, owner.pid,
                                {"status": result.status.value, "finished_at": result.finished_at,
                                 "error": result.error}, rows):
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
        return run

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
    partials = row["partials"]
    return StepRecord(row["step_id"], row["is_finally"], row["status"], row["attempts"], row["items"],
                      aware(row["started_at"]), aware(row["finished_at"]), output, row["output_truncated"],
                      row["error"], row["error_code"], row["tolerated"],
                      None if partials is None else tuple(AppliedPartial.of_json(p) for p in json.loads(partials)))
