"""``weavz-flow runs list/show`` read runs where they are written: on a PostgreSQL store, runs by hand and scheduled
ones in its database (found from the project's backend, ``WEAVZ_FLOW_DATABASE_URL`` or ``--database-url``, as the
scheduler finds it), with an older runs.db of the project imported into it; on SQLite, in the project's store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    SECRET_KEY,
    QueueDatabase,
    converge,
    pg_project,
    queue_db,
    set_watermark,
    write_project,
)
from tests.schedule.sched_project import tally_flow
from tests.schedule.sched_project import write_project as write_sqlite_project
from tests.schedule.test_schedule_cli import move_watermark_back
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.runner.outcome import RunResult, RunStatus
from weavz_flow.runner.records import RunNotFoundError, RunRecords
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.run_history import RunHistory
from weavz_flow.schedule.state import ScheduleState

CLEAN_ENV = {"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None, "WEAVZ_FLOW_SECRET_KEY": SECRET_KEY}


def listed(root: Path, *args: str, env: dict[str, str | None] | None = None) -> list[tuple[str, str, str]]:
    result = CliRunner().invoke(cli, ["runs", "list", "--json", "--project", str(root), *args], env=env or CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return [(r["run_id"], r["flow"], r["status"]) for r in json.loads(result.stdout)]


def shown(root: Path, run_id: str, *args: str, env: dict[str, str | None] | None = None) -> dict:
    result = CliRunner().invoke(cli, ["runs", "show", run_id, "--json", "--project", str(root), *args],
                                env=env or CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_on_sqlite_scheduled_and_manual_runs_are_listed_from_runs_db(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    root = write_sqlite_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    runner = CliRunner()
    env = {**CLEAN_ENV, "WEAVZ_FLOW_SECRET_KEY": "run-history-test-secret-key-0123456789"}
    assert runner.invoke(cli, ["apply", "--project", str(root), "--auto-approve"], env=env).exit_code == 0
    assert runner.invoke(cli, ["schedule", str(root), "--once"], env=env).exit_code == 0
    move_watermark_back(root, "tally", 1)
    assert runner.invoke(cli, ["schedule", str(root), "--once"], env=env).exit_code == 0
    manual = runner.invoke(cli, ["run", "tally", "--json", "--project", str(root)], env=env)
    assert manual.exit_code == 0, manual.output
    manual_id = json.loads(manual.stdout)["run_id"]
    backend = LocalBackend(root / ".weavz-flow")
    try:
        (fire,) = ScheduleState(backend.store).fires("tally")
    finally:
        backend.close()
    runs = listed(root, env=env)
    assert runs == [(manual_id, "tally", "succeeded"), (fire.fire.run_id, "tally", "succeeded")]
    assert shown(root, fire.fire.run_id[:10], env=env)["run_id"] == fire.fire.run_id


def forget_database_url(root: Path) -> None:
    """The project file without ``backend.database_url``: the store must then come from elsewhere."""
    path = root / "weavz-flow.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["backend"] = {"type": "local"}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.mark.postgres
def test_on_postgresql_scheduled_runs_are_listed_beside_manual_ones(pg_project: tuple[Path, LocalBackend],  # noqa: F811
                                                                    queue_db: QueueDatabase):  # noqa: F811
    root, backend = pg_project
    state = ScheduleState(backend.store)
    set_watermark(state, 1)
    scheduled = CliRunner().invoke(cli, ["schedule", str(root), "--once"], env=CLEAN_ENV)
    assert scheduled.exit_code == 0, scheduled.output
    # One fire due, or two if a minute began meanwhile (missed: all): whatever ran is what must be listed.
    fires = state.fires("tick")
    assert fires and {f.status for f in fires} == {FireStatus.SUCCEEDED}
    scheduled_ids = {f.fire.run_id for f in fires}
    assert not (root / ".weavz-flow" / "runs.db").exists()  # the scheduled runs are in PostgreSQL only
    assert {run_id for run_id, _, _ in listed(root)} == scheduled_ids
    first = fires[0].fire.run_id
    detail = shown(root, first[:12])
    assert detail["run_id"] == first and [s["id"] for s in detail["steps"]] == ["record", "work"]

    manual = CliRunner().invoke(cli, ["run", "tick", "--json", "--project", str(root)], env=CLEAN_ENV)
    assert manual.exit_code == 0, manual.output
    manual_id = json.loads(manual.stdout)["run_id"]
    # A run by hand on a PostgreSQL store is recorded there too, beside the scheduled ones (seen from every machine).
    assert not (root / ".weavz-flow" / "runs.db").exists()
    pg_records = RunRecords.for_store(backend.store, root)
    try:
        assert pg_records.get(manual_id).status == RunStatus.SUCCEEDED.value
    finally:
        pg_records.close()
    both = listed(root)
    assert both[0] == (manual_id, "tick", "succeeded")  # newest first
    assert {run_id for run_id, _, _ in both[1:]} == scheduled_ids
    assert shown(root, manual_id)["run_id"] == manual_id
    assert listed(root, "--limit", "1") == both[:1]

    # The store found as the scheduler finds it without the project's database_url: the environment, or the option.
    forget_database_url(root)
    assert listed(root) == []  # the project's own SQLite store has no runs
    assert listed(root, env={**CLEAN_ENV, "WEAVZ_FLOW_DATABASE_URL": queue_db.url}) == both
    assert listed(root, "--database-url", queue_db.url) == both
    assert shown(root, first, "--database-url", queue_db.url)["status"] == "succeeded"
    missing = CliRunner().invoke(cli, ["runs", "show", first, "--project", str(root)], env=CLEAN_ENV)
    assert missing.exit_code != 0 and "no run with id" in missing.output and "Traceback" not in missing.output


def test_history_over_two_sources_lists_newest_first_and_finds_a_prefix_in_either(tmp_path: Path):
    def record(records: RunRecords, run_id: str, minute: int) -> None:
        at = datetime(2026, 3, 2, 8, minute, tzinfo=UTC)
        records.start(run_id=run_id, flow="f", workspace="w", started_at=at, inputs={}, end_user=None)
        records.finish(RunResult(run_id, "f", RunStatus.SUCCEEDED, at, at + timedelta(seconds=1), {}, [], None))

    scheduled, manual = RunRecords(f"sqlite:///{tmp_path / 'a.db'}"), RunRecords(f"sqlite:///{tmp_path / 'b.db'}")
    record(scheduled, "aaa111", 1)
    record(scheduled, "bbb222", 3)
    record(manual, "aaa999", 2)
    record(manual, "ccc333", 4)
    history = RunHistory([scheduled, manual])
    try:
        assert [r.id for r in history.recent()] == ["ccc333", "bbb222", "aaa999", "aaa111"]
        assert [r.id for r in history.recent(limit=2)] == ["ccc333", "bbb222"]
        assert history.get("bbb").id == "bbb222" and history.get("ccc").id == "ccc333"
        with pytest.raises(RunNotFoundError, match="several"):
            history.get("aaa")  # one match in each source: ambiguous
        with pytest.raises(RunNotFoundError, match="no run with id"):
            history.get("zzz")
    finally:
        history.close()


def test_an_unreachable_store_is_a_one_line_error_without_its_password(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    root = write_sqlite_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    result = CliRunner().invoke(cli, ["runs", "list", "--project", str(root), "--database-url",
                                      "postgresql://bob:pw-not-to-show@127.0.0.1:9/weavz"], env=CLEAN_ENV)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot read the run records") and result.output.count("\n") == 1
    assert "pw-not-to-show" not in result.output and "Traceback" not in result.output
