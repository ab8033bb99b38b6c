"""Run records: capped outputs, lookup by id prefix, and the CLI's exit code and messages for failed runs."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.runner.conftest import Harness
from weavz_flow.cli.main import cli
from weavz_flow.engine.applied_partial import AppliedPartial, PartialReason
from weavz_flow.engine.tables import flow_run_steps, flow_runs
from weavz_flow.runner.outcome import RunResult, RunStatus, StepResult, StepStatus
from weavz_flow.runner.records import OUTPUT_CAP, RunNotFoundError, RunRecords


def _result(run_id: str, output: object) -> RunResult:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    step = StepResult("big", StepStatus.SUCCEEDED, 1, at, at, output)
    return RunResult(run_id, "f", RunStatus.SUCCEEDED, at, at, {"a": 1}, [step])


def test_outputs_are_capped_and_runs_are_found_by_prefix(tmp_path):
    records = RunRecords.for_project(tmp_path)
    try:
        for run_id, output in (("abc111", "x" * (OUTPUT_CAP * 2)), ("abc222", {"small": [1, 2]})):
            records.start(run_id=run_id, flow="f", workspace="w", started_at=_result(run_id, None).started_at,
                          inputs={"a": 1}, end_user=None)
            records.finish(_result(run_id, output))
        big = records.get("abc1").steps[0]
        assert big.output_truncated and len(big.output) == OUTPUT_CAP
        small = records.get("abc2")
        assert small.steps[0].output == {"small": [1, 2]} and not small.steps[0].output_truncated
        assert small.started_at.tzinfo is not None and small.inputs == {"a": 1}
        with pytest.raises(RunNotFoundError, match="several runs"):
            records.get("abc")
        with pytest.raises(RunNotFoundError, match="no run"):
            records.get("zzz")
    finally:
        records.close()


def test_a_failed_run_exits_non_zero_with_its_error(harness: Harness):
    harness.add_flow("broken", """\
flow: broken
workspace: acme-staging
inputs:
  keys: {type: array, default: []}
steps:
  - id: bad
    uses: kv.put
    with: {key: "{{ inputs.keys[3] }}", value: 1}
""")
    root = str(harness.root)
    harness.close()
    cli_runner = CliRunner()
    text = cli_runner.invoke(cli, ["run", "broken", "--project", root])
    assert text.exit_code == 1
    assert "FAILED" in text.stdout and "step 'bad' failed" in text.stderr and "inputs.keys[3]" in text.stderr
    # The step line keeps the whole error on one line when stderr is not a terminal (logs, pipes).
    assert "cannot render '{{ inputs.keys[3] }}': list object has no element 3" in text.stderr.splitlines()[1]
    as_json = cli_runner.invoke(cli, ["run", "broken", "--json", "--project", root])
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["steps"][0]["error_code"] == "TEMPLATE_ERROR"
    unknown = cli_runner.invoke(cli, ["run", "brokn", "--project", root])
    assert unknown.exit_code != 0 and "did you mean 'broken'" in unknown.stderr.lower()
    missing = cli_runner.invoke(cli, ["runs", "show", "nope", "--project", root])
    assert missing.exit_code != 0 and "no run with id 'nope'" in missing.stderr


# Revision 0023's columns (runs waiting for approval): no release before revision 0007 had them.
WAITING_COLUMNS = ("flow_digest", "flow_version", "approvals", "resume_output")
OLD = sa.MetaData()
OLD_STEPS = sa.Table(  # flow_run_steps as the releases before applied partials were recorded made it
    "flow_run_steps", OLD,
    *[sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
      for c in flow_run_steps.columns if c.name not in ("partials", *WAITING_COLUMNS)],
)


def test_steps_record_the_partials_applied_and_an_old_steps_table_gets_the_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    engine = sa.create_engine(url)
    OLD.create_all(engine)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    applied = (AppliedPartial("p1", "alerts", PartialReason.DEFAULT_ENFORCED),
               AppliedPartial("p2", "quiet", PartialReason.REQUESTED))
    try:
        records = RunRecords(url)
        try:
            records.start(run_id="r1", flow="f", workspace="w", started_at=at, inputs={}, end_user=None)
            records.finish(RunResult("r1", "f", RunStatus.SUCCEEDED, at, at, {}, [
                StepResult("post", StepStatus.SUCCEEDED, 1, at, at, None, partials=applied),
                StepResult("remote", StepStatus.SUCCEEDED, 1, at, at, None)]))
            post, remote = records.get("r1").steps
        finally:
            records.close()
        assert post.partials == applied and remote.partials is None
        with engine.connect() as conn:
            assert "partials" in {c["name"] for c in sa.inspect(conn).get_columns("flow_run_steps")}
    finally:
        engine.dispose()


def test_records_opening_a_new_database_at_once_all_work(tmp_path):
    # Processes opening a new store at once (a scheduler and a `run`): the store's migrations, run under its lock,
    # make the run tables once and every opener uses them.
    url = f"sqlite:///{tmp_path / 'state.db'}"
    start = threading.Barrier(3)
    opened: list[RunRecords] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            opened.append(RunRecords(url))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(opened) == 3
        result = _result("run-1", {"ok": True})
        opened[0].start(run_id="run-1", flow="f", workspace="w", started_at=result.started_at, inputs={"a": 1},
                        end_user=None)
        opened[0].finish(result)
        assert opened[1].get("run-1").steps[0].output == {"ok": True}
    finally:
        for records in opened:
            records.close()


FIRST = sa.MetaData()  # the runs.db tables as the first release's RunRecords made them
ADDED = {"owner_host", "owner_pid", "owner_process", "heartbeat_at", "started_by", "partials", *WAITING_COLUMNS}
for _table in (flow_runs, flow_run_steps):
    sa.Table(_table.name, FIRST, *[sa.Column(c.name, c.type, *c.foreign_keys and [sa.ForeignKey("flow_runs.id")],
                                             primary_key=c.primary_key, nullable=c.nullable)
                                   for c in _table.columns if c.name not in ADDED])


def test_a_projects_old_runs_db_is_imported_into_its_store_once(tmp_path):
    state = tmp_path / ".weavz-flow"
    state.mkdir()
    old = sa.create_engine(f"sqlite:///{state / 'runs.db'}")
    FIRST.create_all(old)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with old.begin() as conn:
        conn.execute(FIRST.tables["flow_runs"].insert().values(
            id="old-1", flow="f", workspace="w", status="succeeded", started_at=at, finished_at=at, inputs="{}"))
        conn.execute(FIRST.tables["flow_run_steps"].insert().values(
            run_id="old-1", position=0, step_id="s", is_finally=False, status="succeeded", attempts=1,
            output='{"n": 1}', output_truncated=False, tolerated=False))
    old.dispose()
    records = RunRecords.for_project(tmp_path)
    try:
        run = records.get("old-1")
        assert run.status is RunStatus.SUCCEEDED and run.started_at == at and run.trigger is None
        assert [(s.step_id, s.output, s.partials) for s in run.steps] == [("s", {"n": 1}, None)]
    finally:
        records.close()
    assert not (state / "runs.db").exists() and (state / "runs.db.imported").exists()
    again = RunRecords.for_project(tmp_path)  # nothing left to import; the runs stay
    try:
        assert [r.id for r in again.recent()] == ["old-1"]
    finally:
        again.close()
