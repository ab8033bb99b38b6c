"""Run records: one row per run and one per step, in ``<project>/.weavz-flow/runs.db`` (SQLite, own tables), or, when
the engine's store is PostgreSQL, in that database and schema, so that the runs of every machine sharing the store
(by hand or scheduled) are listed together.

A run's row is written when it starts; its steps and final status in one transaction when it ends, so recording
adds two writes per run rather than one per step. Everything stored has passed the run's Redactor already; outputs
are capped at :data:`OUTPUT_CAP` characters of JSON.

A run in progress also names its owner (host, pid, process token: :mod:`weavz_flow.runner.liveness`) and refreshes
its ``heartbeat_at`` every :data:`HEARTBEAT_EVERY` from a daemon thread, one small UPDATE per beat (a run shorter
than that never beats). A reader that finds a running record whose heartbeat is older than :data:`LOST_AFTER`, or
whose owner on this very machine is gone, marks it ``lost`` with a conditional UPDATE, so that every reader agrees.
On PostgreSQL heartbeats are stamped and judged by the database's clock: machines sharing it may disagree on time.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine.applied_partial import AppliedPartial
from weavz_flow.engine.store import Store, use_schema
from weavz_flow.errors import WeavzFlowError
from weavz_flow.runner.liveness import Heartbeat, Owner, owner_gone, this_process
from weavz_flow.runner.outcome import RunResult, RunStatus

log = logging.getLogger("weavz_flow.runner")

RUNS_DB_FILE = "runs.db"
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

metadata = sa.MetaData()

flow_runs = sa.Table(
    "flow_runs", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("flow", sa.String(200), nullable=False, index=True),
    sa.Column("workspace", sa.String(200), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("end_user", sa.String(255), nullable=True),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    # Added after the first release: nullable, and added to older tables by RunRecords (see _add_missing_columns).
    sa.Column("owner_host", sa.String(255), nullable=True),
    sa.Column("owner_pid", sa.Integer, nullable=True),
    sa.Column("owner_process", sa.String(200), nullable=True),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
    # What started the run (a RunTrigger value); NULL for runs recorded before it was. Not named "trigger", a
    # keyword of SQL.
    sa.Column("started_by", sa.String(32), nullable=True),
)
ADDED_COLUMNS = ("owner_host", "owner_pid", "owner_process", "heartbeat_at", "started_by")

flow_run_steps = sa.Table(
    "flow_run_steps", metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("flow_runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("step_id", sa.String(200), nullable=False),
    sa.Column("is_finally", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("items", sa.Integer, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("output", sa.Text, nullable=True),
    sa.Column("output_truncated", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("tolerated", sa.Boolean, nullable=False),
    # Added after the first release, like flow_runs' ADDED_COLUMNS: JSON [{id, name, reason}], the partials the
    # backend applied and why; NULL when it did not say.
    sa.Column("partials", sa.Text, nullable=True),
)
ADDED_STEP_COLUMNS = ("partials",)


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
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds() * 1000


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
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds() * 1000


def capped_json(value: Any, cap: int = OUTPUT_CAP) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    return (text[:cap], True) if len(text) > cap else (text, False)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class RunRecords:
    def __init__(self, url: str, *, schema: str | None = None, heartbeat_every: timedelta = HEARTBEAT_EVERY,
                 lost_after: timedelta = LOST_AFTER, legacy_lost_after: timedelta = LEGACY_LOST_AFTER) -> None:
        """``url`` is a SQLAlchemy URL: the project's runs.db, or the PostgreSQL database (and ``schema``) of the
        engine's store, so that the runs of every machine sharing it are visible together."""
        self.heartbeat_every = heartbeat_every
        self.lost_after = lost_after
        self.legacy_lost_after = legacy_lost_after
        self._beats: dict[str, Heartbeat] = {}
        self._beats_lock = threading.Lock()
        self.engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        elif schema is not None:
            use_schema(self.engine, schema)
        try:
            self._create_tables()
        except sa.exc.OperationalError:
            # SQLite has no advisory lock: a process opening the same new runs.db at the same moment may create a
            # table between our check and our CREATE. Its tables are ours; a second pass finds them made.
            self._create_tables()

    def _create_tables(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # processes starting at once must not race to create the tables
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('weavz_flow.runs:' || current_schema()))"))
            metadata.create_all(conn)
            _add_missing_columns(conn)

    @classmethod
    def for_project(cls, root: Path, **options: Any) -> RunRecords:
        state = root / ".weavz-flow"
        state.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{state / RUNS_DB_FILE}", **options)

    @classmethod
    def for_store(cls, store: Store, root: Path, **options: Any) -> RunRecords:
        """The records that go with the engine's ``store``: its PostgreSQL database and schema, else ``root``'s
        runs.db (a SQLite store is one machine's: the project's own file is as shared as it gets)."""
        if store.dialect == "postgresql":
            return cls(store.url.render_as_string(hide_password=False), schema=store.schema, **options)
        return cls.for_project(root, **options)

    def close(self) -> None:
        with self._beats_lock:
            beats = list(self._beats.values())
            self._beats.clear()
        for beat in beats:
            beat.stop()
        self.engine.dispose()

    def _stamp(self) -> Any:
        """Now, for a heartbeat: the database's clock on PostgreSQL (shared by machines whose clocks may differ)."""
        return sa.func.now() if self.engine.dialect.name == "postgresql" else datetime.now(UTC)

    def _now(self) -> datetime:
        """Now by the clock :meth:`_stamp` writes with."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                return conn.execute(sa.select(sa.func.now())).scalar_one()
        return datetime.now(UTC)

    def start(self, *, run_id: str, flow: str, workspace: str, started_at: datetime, inputs: dict[str, Any],
              end_user: str | None, trigger: RunTrigger = RunTrigger.MANUAL) -> None:
        """Record the run as running, started by ``trigger`` and owned by this process, and keep its heartbeat
        until :meth:`finish` (or :meth:`stop_heartbeat`)."""
        owner = this_process()
        with self.engine.begin() as conn:
            # A run started again under its id (a scheduled fire recovered after its worker died) starts afresh.
            conn.execute(flow_run_steps.delete().where(flow_run_steps.c.run_id == run_id))
            conn.execute(flow_runs.delete().where(flow_runs.c.id == run_id))
            conn.execute(flow_runs.insert().values(
                id=run_id, flow=flow, workspace=workspace, status=RunStatus.RUNNING.value, started_at=started_at,
                end_user=end_user, inputs=json.dumps(inputs, default=str, ensure_ascii=False),
                owner_host=owner.host, owner_pid=owner.pid, owner_process=owner.process, heartbeat_at=self._stamp(),
                started_by=trigger.value))
        beat = Heartbeat(partial(self._beat, run_id, owner, started_at), self.heartbeat_every.total_seconds(),
                         name=f"run-heartbeat-{run_id}")
        with self._beats_lock:
            previous = self._beats.pop(run_id, None)
            self._beats[run_id] = beat
        if previous is not None:
            previous.stop()
        beat.start()

    def _beat(self, run_id: str, owner: Owner, started_at: datetime) -> None:
        # Only this process's own run: a run restarted under the same id elsewhere has another owner and start.
        # A run marked lost while it was merely cut off (its database unreachable for a minute) is running again.
        with self.engine.begin() as conn:
            conn.execute(flow_runs.update().where(
                flow_runs.c.id == run_id, flow_runs.c.owner_host == owner.host, flow_runs.c.owner_pid == owner.pid,
                flow_runs.c.started_at == started_at,
                flow_runs.c.status.in_([RunStatus.RUNNING.value, RunStatus.LOST.value]),
            ).values(heartbeat_at=self._stamp(), status=RunStatus.RUNNING.value))

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
                "run_id": result.run_id, "position": position, "step_id": step.step_id,
                "is_finally": step.is_finally, "status": step.status.value, "attempts": step.attempts,
                "items": step.items, "started_at": step.started_at, "finished_at": step.finished_at,
                "output": output, "output_truncated": truncated, "error": step.error, "error_code": step.error_code,
                "tolerated": step.tolerated,
                "partials": None if step.partials is None else json.dumps([p.to_json() for p in step.partials]),
            })
        owner = this_process()
        with self.engine.begin() as conn:
            # Only the record this process started: a scheduled fire taken over after its lease ran out is started
            # again under the same id by another worker, and the late first attempt must neither overwrite that
            # run's record nor collide with its steps.
            mine = conn.execute(flow_runs.update().where(
                flow_runs.c.id == result.run_id, flow_runs.c.started_at == result.started_at,
                flow_runs.c.owner_host == owner.host, flow_runs.c.owner_pid == owner.pid,
            ).values(status=result.status.value, finished_at=result.finished_at, error=result.error)).rowcount
            if not mine:
                log.warning("run %s was started again by another process; this attempt's result is not recorded",
                            result.run_id)
                return
            if rows:
                conn.execute(flow_run_steps.insert(), rows)

    def list(self, *, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        query = sa.select(flow_runs).order_by(flow_runs.c.started_at.desc()).limit(limit)
        if flow is not None:
            query = query.where(flow_runs.c.flow == flow)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_run(row) for row in self._settle(rows)]

    def get(self, run_id: str) -> RunRecord:
        """A run by its id or a unique prefix of it."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(flow_runs).where(flow_runs.c.id.startswith(run_id, autoescape=True))
                                .limit(2)).mappings().all()
            if not rows:
                raise RunNotFoundError(f"no run with id '{run_id}' (see `weavz-flow runs list`)")
            if len(rows) > 1:
                raise RunNotFoundError(f"'{run_id}' matches several runs; give more of the id")
            steps = conn.execute(sa.select(flow_run_steps).where(flow_run_steps.c.run_id == rows[0]["id"])
                                 .order_by(flow_run_steps.c.position)).mappings().all()
        run = _run(self._settle(rows)[0])
        run.steps.extend(_step(s) for s in steps)
        return run


    # -- lost runs ------------------------------------------------------------------------------------------------

    def _lost_because(self, row: Mapping[str, Any], now: datetime) -> sa.ColumnElement[bool] | None:
        """Why ``row`` (running) is lost, as the condition that must still hold when it is marked; None: it is not."""
        heartbeat = _aware(row["heartbeat_at"])
        if heartbeat is None:
            bound = now - self.legacy_lost_after
            started = _aware(row["started_at"])
            if started is None or started >= bound:
                return None
            return sa.and_(flow_runs.c.heartbeat_at.is_(None), flow_runs.c.started_at < bound)
        if heartbeat < now - self.lost_after:
            # Compared again by the UPDATE: a run that beat since it was read (merely slow) stays running.
            return flow_runs.c.heartbeat_at < now - self.lost_after
        if owner_gone(row["owner_host"], row["owner_pid"], row["owner_process"]):
            # That process is dead and cannot beat again; a run restarted under this id has another owner or start.
            return sa.and_(flow_runs.c.owner_host == row["owner_host"], flow_runs.c.owner_pid == row["owner_pid"],
                           flow_runs.c.started_at == row["started_at"])
        return None

    def _settle(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """``rows`` with each running one whose process is gone marked lost, in the database when it lets us (a
        read-only reader still reports it lost); a row that changed meanwhile is read again."""
        running = [r for r in rows if r["status"] == RunStatus.RUNNING.value]
        if not running:
            return list(rows)
        now = self._now()
        settled: dict[str, Mapping[str, Any]] = {}
        for row in running:
            because = self._lost_because(row, now)
            if because is None:
                continue
            lost = {**row, "status": RunStatus.LOST.value}
            try:
                with self.engine.begin() as conn:
                    marked = conn.execute(flow_runs.update().where(
                        flow_runs.c.id == row["id"], flow_runs.c.status == RunStatus.RUNNING.value, because,
                    ).values(status=RunStatus.LOST.value)).rowcount
                    if not marked:
                        lost = conn.execute(sa.select(flow_runs).where(flow_runs.c.id == row["id"])).mappings().first()
            except sa.exc.DBAPIError:
                pass  # e.g. a read-only file or role: this reader's verdict stands, unpersisted
            settled[row["id"]] = lost if lost is not None else row
        return [settled.get(r["id"], r) for r in rows]


def _add_missing_columns(conn: sa.Connection) -> None:
    """Tables made by an earlier version lack the columns added since: add them (nullable, so old rows and old
    writers are fine). On PostgreSQL this runs under the advisory lock taken to create the tables; SQLite processes
    racing to add a column each try, and one finding it added by the other is fine."""
    for table, added in ((flow_runs, ADDED_COLUMNS), (flow_run_steps, ADDED_STEP_COLUMNS)):
        present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
        for name in added:
            if name in present:
                continue
            column = table.c[name]
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {name} {column.type.compile(dialect=conn.dialect)}"
            try:
                conn.execute(sa.text(ddl))
            except sa.exc.OperationalError:
                if name not in {c["name"] for c in sa.inspect(conn).get_columns(table.name)}:
                    raise


def _run(row: Mapping[str, Any]) -> RunRecord:
    return RunRecord(row["id"], row["flow"], row["workspace"], RunStatus(row["status"]), _aware(row["started_at"]),
                     _aware(row["finished_at"]), row["end_user"], json.loads(row["inputs"]), row["error"],
                     owner_host=row["owner_host"], owner_pid=row["owner_pid"],
                     heartbeat_at=_aware(row["heartbeat_at"]), trigger=row["started_by"])


def _step(row: Any) -> StepRecord:
    output: Any = row["output"]
    if output is not None and not row["output_truncated"]:
        output = json.loads(output)
    partials = row["partials"]
    return StepRecord(row["step_id"], row["is_finally"], row["status"], row["attempts"], row["items"],
                      _aware(row["started_at"]), _aware(row["finished_at"]), output, row["output_truncated"],
                      row["error"], row["error_code"], row["tolerated"],
                      None if partials is None else tuple(AppliedPartial.of_json(p) for p in json.loads(partials)))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()

