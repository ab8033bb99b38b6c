"""``weavz-flow worker`` and ``weavz-flow schedule --once`` on the queue, in process (CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    SECRET_KEY,
    QueueDatabase,
    converge,
    pg_project,
    queue_db,
    recorded_runs,
    set_watermark,
    write_project,
)
from tests.stubs.echo import EchoStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.state import ScheduleState

CLEAN_ENV = {"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None, "WEAVZ_FLOW_SECRET_KEY": SECRET_KEY}


def test_worker_on_a_sqlite_store_says_it_needs_postgresql(tmp_path: Path, echo_stub: EchoStub,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    root = write_project(tmp_path / "project", database_url=str(tmp_path / "state.db"), echo_url=echo_stub.url)
    result = CliRunner().invoke(cli, ["worker", str(root)], env=CLEAN_ENV)
    assert result.exit_code == 1
    assert "a worker needs a PostgreSQL store" in result.output
    assert "Traceback" not in result.output


@pytest.mark.postgres
def test_schedule_once_on_postgresql_runs_the_due_fires_through_the_queue(
        pg_project: tuple[Path, LocalBackend]) -> None:  # noqa: F811
    root, backend = pg_project
    state = ScheduleState(backend.store)
    due = set_watermark(state, 3)
    result = CliRunner().invoke(cli, ["schedule", str(root), "--once"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    fires = [f for f in state.fires("tick") if f.fire.fire_at in due]
    assert [f.status for f in fires] == [FireStatus.SUCCEEDED] * 3
    assert sorted(recorded_runs(backend)) == sorted(f.fire.run_id for f in fires)
    for f in fires:
        assert f"{f.fire.key}: succeeded" in result.output


@pytest.mark.postgres
def test_schedule_once_without_a_worker_leaves_the_fires_queued(
        pg_project: tuple[Path, LocalBackend]) -> None:  # noqa: F811
    root, backend = pg_project
    state = ScheduleState(backend.store)
    due = set_watermark(state, 2)
    result = CliRunner().invoke(cli, ["schedule", str(root), "--once", "--no-worker"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    assert [f.status for f in state.fires("tick") if f.fire.fire_at in due] == [FireStatus.PENDING] * 2
    assert recorded_runs(backend) == []
