"""Runs whose process died without finishing them are reported ``lost``, not ``running`` forever: by their owner's pid
on the same machine (a real ``weavz-flow run`` process SIGKILLed while its step waits at a gate stub), or by a
heartbeat older than the bound (written old directly: no test sleeps for the bound). Live runs are not lost, the
heartbeat stops with its run, and flow_runs tables of earlier versions get the new columns.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.engine.engine_fixtures import postgres_schema
from tests.runner.conftest import Harness
from tests.runner.example_project import converge
from tests.schedule.gate_stub import GateStub
from tests.schedule.sched_project import gate_flow, wait_until, write_project
from tests.stubs.base import running
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.engine.store import use_schema
from weavz_flow.engine.tables import flow_runs
from weavz_flow.runner.outcome import RunEvent, RunResult, RunStatus, StepResult, StepStatus
from weavz_flow.runner.records import RunRecords
from weavz_flow.runner.run import FlowRunner

CLEAN_ENV = {"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None}
HEARTBEAT_THREAD = "run-heartbeat-"


def heartbeat_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(HEARTBEAT_THREAD)]


# -- a real process, killed -------------------------------------------------------------------------------------------


@pytest.fixture
def gate() -> Iterator[GateStub]:
    with running(GateStub()) as stub:
        try:
            yield stub  # type: ignore[misc]
        finally:
            for name in ("doomed", "alive"):
                stub.open(name)  # never leave a request hanging


def start_run(root: Path, flow: str, log_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    with (log_dir / f"{flow}.log").open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "weavz_flow", "run", flow, "--project", str(root)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)


def runs_json(root: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["runs", "list", "--json", "--project", str(root)], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return {r["flow"]: r for r in json.loads(result.stdout)}


def test_a_killed_run_is_lost_at_once_and_a_live_one_in_another_process_is_running(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: GateStub) -> None:
    flows = {name: gate_flow(name, gate.url, "allow") for name in ("doomed", "alive")}
    root = write_project(tmp_path / "project", flows, monkeypatch)
    backend = LocalBackend(root / ".weavz-flow")
    try:
        converge(root, backend)
    finally:
        backend.close()
    doomed, alive = (start_run(root, name, tmp_path) for name in ("doomed", "alive"))
    try:
        wait_until(lambda: gate.arrived("doomed") and gate.arrived("alive"), "both runs to wait at the gate", 60)
        both = runs_json(root)
        assert both["doomed"]["status"] == both["alive"]["status"] == "running"
        assert both["alive"]["owner"] == {"host": socket.gethostname(), "pid": alive.pid}

        doomed.send_signal(signal.SIGKILL)
        doomed.wait(30)
        listed = runs_json(root)
        assert listed["doomed"]["status"] == "lost"  # at once: its pid is gone, no waiting for the heartbeat bound
        assert listed["alive"]["status"] == "running"
        run_id = listed["doomed"]["run_id"]
        with sqlite3.connect(root / ".weavz-flow" / "state.db") as db:  # persisted: every reader agrees
            assert db.execute("SELECT status FROM flow_runs WHERE id = ?", (run_id,)).fetchone() == ("lost",)

        text = CliRunner().invoke(cli, ["runs", "list", "--project", str(root)], env=CLEAN_ENV)
        [line] = [ln for ln in text.stdout.splitlines() if ln.startswith(run_id)]
        assert " lost " in line and f"pid {doomed.pid}" in line and "stopped without finishing" in line
        shown = CliRunner().invoke(cli, ["runs", "show", run_id[:12], "--project", str(root)], env=CLEAN_ENV)
        assert shown.exit_code == 0, shown.output
        assert "doomed (workspace lab) lost" in shown.stdout
        assert f"Lost: its process ({socket.gethostname()} pid {doomed.pid})" in shown.stdout
        assert "last heartbeat" in shown.stdout and "Traceback" not in shown.output
        as_json = json.loads(CliRunner().invoke(cli, ["runs", "show", run_id, "--json", "--project", str(root)],
                                                env=CLEAN_ENV).stdout)
        assert as_json["status"] == "lost" and as_json["owner"]["pid"] == doomed.pid and as_json["heartbeat_at"]

        gate.open("alive")
        assert alive.wait(60) == 0, (tmp_path / "alive.log").read_text()
        assert runs_json(root)["alive"]["status"] == "succeeded"
    finally:
        for process in (doomed, alive):
            if process.poll() is None:
                process.kill()
                process.wait(30)


# -- the heartbeat bound, on SQLite and PostgreSQL --------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(SQLAlchemy URL, schema) of an empty database for run records."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.db'}", None
        return
    with postgres_schema() as (url, schema):
        yield url, schema


def raw_engine(url: str, schema: str | None) -> sa.Engine:
    engine = sa.create_engine(url)
    if schema is not None:
        use_schema(engine, schema)
    return engine


def write_row(engine: sa.Engine, run_id: str, *, heartbeat_ago: timedelta | None, started_ago: timedelta,
              host: str = "another-machine", pid: int = 4242) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(flow_runs.insert().values(
            id=run_id, flow="f", workspace="w", status="running", started_at=now - started_ago, inputs="{}",
            owner_host=host, owner_pid=pid, owner_process=None,
            heartbeat_at=None if heartbeat_ago is None else now - heartbeat_ago))


def stored_status(engine: sa.Engine, run_id: str) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(flow_runs.c.status).where(flow_runs.c.id == run_id)).scalar_one()


def finished(run_id: str, started_at: datetime) -> RunResult:
    """The result of the run started at ``started_at`` (finish records only the run it started)."""
    return RunResult(run_id, "f", RunStatus.SUCCEEDED, started_at, datetime.now(UTC), {})


def test_a_running_record_is_lost_once_its_heartbeat_is_older_than_the_bound(database: tuple[str, str | None]):
    url, schema = database
    records = RunRecords(url, schema=schema)
    engine = raw_engine(url, schema)
    try:
        write_row(engine, "fresh", heartbeat_ago=timedelta(seconds=5), started_ago=timedelta(hours=3))
        write_row(engine, "stale", heartbeat_ago=timedelta(minutes=10), started_ago=timedelta(hours=3))
        statuses = {r.id: r.status for r in records.recent()}
        assert statuses == {"fresh": RunStatus.RUNNING, "stale": RunStatus.LOST}
        assert stored_status(engine, "stale") == "lost" and stored_status(engine, "fresh") == "running"
        lost = records.get("stale")
        assert lost.status is RunStatus.LOST and lost.owner_host == "another-machine" and lost.owner_pid == 4242
        assert lost.heartbeat_at is not None and lost.heartbeat_at.tzinfo is not None

        # A reader that saw a stale heartbeat does not mark the run lost if it beat since (merely slow).
        write_row(engine, "slow", heartbeat_ago=timedelta(minutes=10), started_ago=timedelta(hours=1))
        with engine.connect() as conn:
            seen = conn.execute(sa.select(flow_runs).where(flow_runs.c.id == "slow")).mappings().all()
        with engine.begin() as conn:
            conn.execute(flow_runs.update().where(flow_runs.c.id == "slow").values(heartbeat_at=datetime.now(UTC)))
        [after] = records._settle(seen)
        assert after["status"] == "running" and stored_status(engine, "slow") == "running"

        # Another machine's pid is never looked at here: a fresh heartbeat from a "dead" pid there is running.
        write_row(engine, "elsewhere", heartbeat_ago=timedelta(0), started_ago=timedelta(0), pid=2 ** 22 + 1)
        assert records.get("elsewhere").status is RunStatus.RUNNING
    finally:
        records.close()
        engine.dispose()


def test_the_bound_is_injectable(database: tuple[str, str | None]):
    url, schema = database
    records = RunRecords(url, schema=schema, lost_after=timedelta(seconds=1))
    engine = raw_engine(url, schema)
    try:
        write_row(engine, "r", heartbeat_ago=timedelta(seconds=30), started_ago=timedelta(seconds=30))
        assert records.get("r").status is RunStatus.LOST
    finally:
        records.close()
        engine.dispose()


def test_a_live_run_beats_marked_lost_runs_back_to_running_and_its_heartbeat_stops_when_it_finishes(
        database: tuple[str, str | None]):
    url, schema = database
    records = RunRecords(url, schema=schema, heartbeat_every=timedelta(seconds=0.02))
    engine = raw_engine(url, schema)
    try:
        started_at = datetime.now(UTC)
        records.start(run_id="live", flow="f", workspace="w", started_at=started_at, inputs={}, end_user=None)
        assert heartbeat_threads() == [f"{HEARTBEAT_THREAD}live"]
        with engine.begin() as conn:  # cut off for ten minutes, as far as any reader can tell
            conn.execute(flow_runs.update().values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=10)))
        # A reader finds it lost; the process is alive and its next beat says so (polls, no timed assertion).
        first = records.get("live")
        assert first.status in (RunStatus.LOST, RunStatus.RUNNING)
        wait_until(lambda: stored_status(engine, "live") == "running" and records.get("live").status
                   is RunStatus.RUNNING, "the live run's heartbeat to bring it back")
        records.finish(finished("live", started_at))
        assert heartbeat_threads() == []
        assert records.get("live").status is RunStatus.SUCCEEDED
    finally:
        records.close()
        engine.dispose()


# -- the heartbeat and the runner -------------------------------------------------------------------------------------

QUICK_FLOW = """\
flow: quick
workspace: acme-staging
steps:
  - id: put
    uses: kv.put
    with: {key: quick, value: 1}
"""


def test_a_short_run_writes_no_heartbeat_and_leaves_no_thread_even_when_it_raises(harness: Harness):
    harness.add_flow("quick", QUICK_FLOW)
    statements: list[str] = []
    sa.event.listen(harness.records.engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_: statements.append(statement))
    result = harness.runner().run("quick")
    assert result.ok and heartbeat_threads() == []
    # What a run wrote before heartbeats: the start (two deletes, an insert) and the finish (an update, the steps).
    writes = [s.split()[0] for s in statements if not s.startswith(("SELECT", "PRAGMA", "BEGIN"))]
    assert writes == ["DELETE", "DELETE", "INSERT", "UPDATE", "INSERT"]
    assert not any("heartbeat_at" in s for s in statements if s.startswith("UPDATE"))

    def broken_progress(event: RunEvent) -> None:
        raise RuntimeError("a renderer bug")

    runner = FlowRunner(harness.project, harness.backend, records=harness.records, on_event=broken_progress)
    with pytest.raises(RuntimeError):
        runner.run("quick")
    assert heartbeat_threads() == []


# -- tables of earlier versions ---------------------------------------------------------------------------------------

OLD = sa.MetaData()
OLD_FLOW_RUNS = sa.Table(  # flow_runs as versions before heartbeats created it
    "flow_runs", OLD,
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


def test_an_old_flow_runs_table_gets_the_new_columns_and_its_rows_are_read(database: tuple[str, str | None]):
    url, schema = database
    engine = raw_engine(url, schema)
    now = datetime.now(UTC)
    OLD.create_all(engine)
    with engine.begin() as conn:
        conn.execute(OLD_FLOW_RUNS.insert(), [
            {"id": "old-done", "flow": "f", "workspace": "w", "status": "succeeded", "inputs": "{}",
             "started_at": now - timedelta(days=3), "finished_at": now - timedelta(days=3)},
            # No heartbeat: lost only once it has been "running" for more than a day.
            {"id": "old-stuck", "flow": "f", "workspace": "w", "status": "running", "inputs": "{}",
             "started_at": now - timedelta(days=2), "finished_at": None},
            {"id": "old-long", "flow": "f", "workspace": "w", "status": "running", "inputs": "{}",
             "started_at": now - timedelta(hours=2), "finished_at": None},
        ])
    try:
        for _ in range(2):  # upgraded once; opening it again finds the columns there
            records = RunRecords(url, schema=schema)
            try:
                statuses = {r.id: r.status for r in records.recent()}
            finally:
                records.close()
            assert statuses == {"old-done": RunStatus.SUCCEEDED, "old-stuck": RunStatus.LOST,
                                "old-long": RunStatus.RUNNING}
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("flow_runs")}
        assert {"owner_host", "owner_pid", "owner_process", "heartbeat_at"} <= columns
        records = RunRecords(url, schema=schema)
        try:  # and new runs are recorded in the upgraded table
            records.start(run_id="new", flow="f", workspace="w", started_at=now, inputs={}, end_user=None)
            records.finish(finished("new", now))
            assert records.get("new").owner_pid == os.getpid()
        finally:
            records.close()
    finally:
        engine.dispose()


def test_a_late_attempt_does_not_overwrite_the_run_that_took_its_id_over(
    database: tuple[str, str | None], caplog: pytest.LogCaptureFixture,
):
    # A scheduled fire whose lease ran out is started again under the same run id; the first attempt, finishing late,
    # must leave the new run's record and steps alone.
    url, schema = database
    records = RunRecords(url, schema=schema)
    first_at = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    again_at = first_at + timedelta(minutes=10)
    try:
        for started in (first_at, again_at):
            records.start(run_id="fire-1", flow="f", workspace="w", started_at=started, inputs={}, end_user=None)
        late = RunResult("fire-1", "f", RunStatus.FAILED, first_at, again_at + timedelta(seconds=1), {},
                         [StepResult("a", StepStatus.FAILED, 1, first_at, first_at, None, error="late")], "late")
        records.finish(late)
        assert records.get("fire-1").status is RunStatus.RUNNING and records.get("fire-1").steps == []
        assert "fire-1 was started again by another process" in caplog.text
        current = RunResult("fire-1", "f", RunStatus.SUCCEEDED, again_at, again_at + timedelta(seconds=2), {},
                            [StepResult("a", StepStatus.SUCCEEDED, 1, again_at, again_at, {"ok": True})])
        records.finish(current)
        record = records.get("fire-1")
        assert record.status is RunStatus.SUCCEEDED and [s.output for s in record.steps] == [{"ok": True}]
    finally:
        records.close()
