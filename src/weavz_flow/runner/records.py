"""Run records: one row per run and one per step, in ``<project>/.weavz-flow/runs.db`` (SQLite, own tables), or, when
the engine's store is PostgreSQL, in that database and schema, so that the runs of every machine sharing the store
(by hand or scheduled) are listed together.

A run's row is written when it starts; its steps and final status in one transaction when it ends, so recording
adds two writes per run rather than one per step. Everything stored has passed the run's Redactor already; outputs
are capped at :data:`OUTPUT_CAP` characters of JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine.store import Store, use_schema
from weavz_flow.errors import WeavzFlowError
from weavz_flow.runner.outcome import RunResult, RunStatus

RUNS_DB_FILE = "runs.db"
OUTPUT_CAP = 64 * 1024

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
)

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
)


class RunNotFoundError(WeavzFlowError):
    pass


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
    status: str
    started_at: datetime
    finished_at: datetime | None
    end_user: str | None
    inputs: dict[str, Any]
    error: str | None
    steps: list[StepRecord] = field(default_factory=list)

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
    def __init__(self, url: str, *, schema: str | None = None) -> None:
        """``url`` is a SQLAlchemy URL: the project's runs.db, or the PostgreSQL database (and ``schema``) of the
        engine's store, so that the runs of every machine sharing it are visible together."""
        self.engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        elif schema is not None:
            use_schema(self.engine, schema)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # processes starting at once must not race to create the tables
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('weavz_flow.runs:' || current_schema()))"))
            metadata.create_all(conn)

    @classmethod
    def for_project(cls, root: Path) -> RunRecords:
        state = root / ".weavz-flow"
        state.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{state / RUNS_DB_FILE}")

    @classmethod
    def for_store(cls, store: Store, root: Path) -> RunRecords:
        """The records that go with the engine's ``store``: its PostgreSQL database and schema, else ``root``'s
        runs.db (a SQLite store is one machine's: the project's own file is as shared as it gets)."""
        if store.dialect == "postgresql":
            return cls(store.url.render_as_string(hide_password=False), schema=store.schema)
        return cls.for_project(root)

    def close(self) -> None:
        self.engine.dispose()

    def start(self, *, run_id: str, flow: str, workspace: str, started_at: datetime, inputs: dict[str, Any],
              end_user: str | None) -> None:
        with self.engine.begin() as conn:
            # A run started again under its id (a scheduled fire recovered after its worker died) starts afresh.
            conn.execute(flow_run_steps.delete().where(flow_run_steps.c.run_id == run_id))
            conn.execute(flow_runs.delete().where(flow_runs.c.id == run_id))
            conn.execute(flow_runs.insert().values(
                id=run_id, flow=flow, workspace=workspace, status=RunStatus.RUNNING.value, started_at=started_at,
                end_user=end_user, inputs=json.dumps(inputs, default=str, ensure_ascii=False)))

    def finish(self, result: RunResult) -> None:
        rows = []
        for position, step in enumerate(result.steps):
            output, truncated = capped_json(step.output)
            rows.append({
                "run_id": result.run_id, "position": position, "step_id": step.step_id,
                "is_finally": step.is_finally, "status": step.status.value, "attempts": step.attempts,
                "items": step.items, "started_at": step.started_at, "finished_at": step.finished_at,
                "output": output, "output_truncated": truncated, "error": step.error, "error_code": step.error_code,
                "tolerated": step.tolerated,
            })
        with self.engine.begin() as conn:
            conn.execute(flow_runs.update().where(flow_runs.c.id == result.run_id).values(
                status=result.status.value, finished_at=result.finished_at, error=result.error))
            if rows:
                conn.execute(flow_run_steps.insert(), rows)

    def list(self, *, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        query = sa.select(flow_runs).order_by(flow_runs.c.started_at.desc()).limit(limit)
        if flow is not None:
            query = query.where(flow_runs.c.flow == flow)
        with self.engine.connect() as conn:
            return [_run(row) for row in conn.execute(query).mappings()]

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
        run = _run(rows[0])
        run.steps.extend(_step(s) for s in steps)
        return run


def _run(row: Any) -> RunRecord:
    return RunRecord(row["id"], row["flow"], row["workspace"], row["status"], _aware(row["started_at"]),
                     _aware(row["finished_at"]), row["end_user"], json.loads(row["inputs"]), row["error"])


def _step(row: Any) -> StepRecord:
    output: Any = row["output"]
    if output is not None and not row["output_truncated"]:
        output = json.loads(output)
    return StepRecord(row["step_id"], row["is_finally"], row["status"], row["attempts"], row["items"],
                      _aware(row["started_at"]), _aware(row["finished_at"]), output, row["output_truncated"],
                      row["error"], row["error_code"], row["tolerated"])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()

