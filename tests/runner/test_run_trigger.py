"""``runs list`` has a header and says what started each run (manual / schedule), in text and JSON; run records
keep it in a column that revision 0007 adds to older run tables (their runs show no trigger)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.schedule.sched_project import tally_flow, write_project
from tests.schedule.test_schedule_cli import move_watermark_back
from weavz_flow.cli.main import cli
from weavz_flow.engine.tables import flow_runs
from weavz_flow.runner.records import RunRecords, RunTrigger

ENV = {"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None,
       "WEAVZ_FLOW_SECRET_KEY": "run-trigger-test-secret-key-0123456789"}


def test_runs_list_shows_a_header_and_each_runs_trigger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    runner = CliRunner()
    assert runner.invoke(cli, ["apply", "-p", str(root), "--auto-approve"], env=ENV).exit_code == 0
    assert runner.invoke(cli, ["schedule", "-p", str(root), "--once"], env=ENV).exit_code == 0
    move_watermark_back(root, "tally", 1)
    assert runner.invoke(cli, ["schedule", "-p", str(root), "--once"], env=ENV).exit_code == 0
    manual = runner.invoke(cli, ["run", "tally", "--json", "-p", str(root)], env=ENV)
    assert manual.exit_code == 0, manual.output
    manual_id = json.loads(manual.stdout)["run_id"]

    as_json = json.loads(runner.invoke(cli, ["runs", "list", "--json", "-p", str(root)], env=ENV).stdout)
    assert [(r["run_id"] == manual_id, r["trigger"]) for r in as_json] == [(True, "manual"), (False, "schedule")]

    text = runner.invoke(cli, ["runs", "list", "-p", str(root)], env=ENV).stdout.splitlines()
    assert text[0].split() == ["RUN", "ID", "STARTED", "(UTC)", "STATUS", "DURATION", "TRIGGER", "FLOW"]
    assert [line.split()[6:8] for line in text[1:]] == [["manual", "tally"], ["schedule", "tally"]]
    assert text[1].startswith(manual_id)
    # The columns line up under the header.
    assert {line.index("tally") for line in text[1:]} == {text[0].index("FLOW")}


OLD = sa.MetaData()
WAITING_COLUMNS = ("flow_digest", "flow_version")  # revision 0023's, which no release before 0007 had
OLD_RUNS = sa.Table(  # flow_runs as the releases before triggers were recorded made it
    "flow_runs", OLD,
    *[sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
      for c in flow_runs.columns if c.name not in ("started_by", *WAITING_COLUMNS)],
)


def test_an_old_runs_table_gets_the_trigger_column(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    engine = sa.create_engine(url)
    OLD.create_all(engine)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with engine.begin() as conn:  # a run recorded by an older version
        conn.execute(OLD_RUNS.insert().values(id="old", flow="f", workspace="w", status="succeeded", started_at=at,
                                              inputs="{}"))
    try:
        records = RunRecords(url)
        try:
            records.start(run_id="new", flow="f", workspace="w", started_at=at, inputs={}, end_user=None,
                          trigger=RunTrigger.SCHEDULE)
            records.stop_heartbeat("new")
            assert (records.get("new").trigger, records.get("old").trigger) == ("schedule", None)
        finally:
            records.close()
    finally:
        engine.dispose()
