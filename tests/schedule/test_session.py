"""Where a scheduler keeps its state and its run records: the project's store on SQLite (no runs.db); one PostgreSQL
database (and schema) for state and runs alike, so that every machine's runs are listed together."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.engine.engine_fixtures import postgres_schema
from tests.schedule.queue_fixtures import url_in_schema
from tests.schedule.sched_project import tally_flow, write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.config.load import load_project
from weavz_flow.runner.outcome import RunResult, RunStatus
from weavz_flow.runner.records import RunRecords
from weavz_flow.schedule.session import open_schedule_session

STARTED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def record_one(records: RunRecords, run_id: str) -> None:
    records.start(run_id=run_id, flow="tally", workspace="lab", started_at=STARTED, inputs={}, end_user=None)
    records.finish(RunResult(run_id, "tally", RunStatus.SUCCEEDED, STARTED, STARTED, {}, [], None))


def test_sqlite_state_is_the_projects_store_and_runs_go_to_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    session = open_schedule_session(load_project(root))
    try:
        assert isinstance(session.backend, LocalBackend) and session.store is session.backend.store
        assert session.store.sqlite_path == root / ".weavz-flow" / "state.db"
        assert session.records.store is session.store  # the runs are in the store (revision 0007), no runs.db
        assert not (root / ".weavz-flow" / "runs.db").exists()
    finally:
        session.close()


def test_an_explicit_database_url_moves_state_and_engine_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    elsewhere = tmp_path / "shared" / "state.db"
    session = open_schedule_session(load_project(root), database_url=str(elsewhere))
    try:
        assert isinstance(session.backend, LocalBackend) and session.store is session.backend.store
        assert session.store.sqlite_path == elsewhere
    finally:
        session.close()


def test_a_remote_project_keeps_schedule_state_in_its_local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    (root / "weavz-flow.yaml").write_text(
        "version: 1\nname: remote-test\n"
        "backend: {type: remote, api_url: 'http://127.0.0.1:9', api_key: {env: SCHEDULE_TEST_API_KEY}}\n",
        encoding="utf-8")
    monkeypatch.setenv("SCHEDULE_TEST_API_KEY", "wvz_not_a_real_key")
    session = open_schedule_session(load_project(root))
    try:
        assert isinstance(session.backend, RemoteBackend)
        assert session.store.sqlite_path == root / ".weavz-flow" / "state.db"
    finally:
        session.close()


@pytest.mark.postgres
def test_on_postgresql_run_records_live_in_the_stores_database_and_schema(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    with postgres_schema() as (url, schema):
        session = open_schedule_session(load_project(root), database_url=url_in_schema(url, schema))
        try:
            assert session.store.dialect == "postgresql"
            record_one(session.records, "run-on-postgres")
            assert [r.id for r in session.records.recent()] == ["run-on-postgres"]
            tables = sa.inspect(session.store.engine).get_table_names(schema=schema)
            assert {"flow_runs", "flow_run_steps", "schedule_fires", "schedule_state"} <= set(tables)
        finally:
            session.close()
        assert not (root / ".weavz-flow" / "runs.db").exists()


@pytest.mark.postgres
def test_run_records_take_a_schema_and_restart_a_run_recorded_under_the_same_id():
    with postgres_schema() as (url, schema):
        records = RunRecords(url, schema=schema)
        try:
            record_one(records, "again")
            record_one(records, "again")  # a fire re-run after its worker died records under its own id again
            assert [r.id for r in records.recent()] == ["again"]
        finally:
            records.close()
        engine = sa.create_engine(url)
        try:
            assert "flow_runs" in sa.inspect(engine).get_table_names(schema=schema)
        finally:
            engine.dispose()
