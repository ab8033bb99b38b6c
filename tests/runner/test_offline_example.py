"""The offline example flow end to end on the embedded engine, through the library and the CLI."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.runner.conftest import Harness
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.cli.main import cli
from weavz_flow.runner.dry_run import dry_run
from weavz_flow.runner.outcome import EventKind, RunStatus, StepStatus


def test_offline_flow_runs_end_to_end_and_is_recorded(harness: Harness):
    first = harness.runner().run("offline-report", {"report": "weekly"})
    assert first.status is RunStatus.SUCCEEDED, first.error
    assert [s.step_id for s in first.steps] == ["record_run", "summary", "write_report", "remember_last"]
    assert all(s.status is StepStatus.SUCCEEDED for s in first.steps)
    summary = first.steps[1].output
    assert summary["name"] == "weekly" and summary["environment"] == "test"
    assert summary["runs"]["value"] == [first.run_id]
    second = harness.runner().run("offline-report", {"report": "weekly"})
    assert second.steps[0].output["value"] == [first.run_id, second.run_id]
    stored = harness.backend.execute(ExecuteCall("acme-staging", "storage", "read_file",
                                                 {"path": "reports/weekly.json"}, alias="files"))
    assert json.loads(stored.output["content"])["runs"]["value"] == [first.run_id, second.run_id]

    record = harness.records.get(first.run_id)
    assert record.status == "succeeded" and record.inputs == {"report": "weekly", "owner": "ops"}
    assert [(s.step_id, s.status, s.attempts, s.is_finally) for s in record.steps] == [
        ("record_run", "succeeded", 1, False), ("summary", "succeeded", 1, False),
        ("write_report", "succeeded", 1, False), ("remember_last", "succeeded", 1, True)]
    assert record.steps[1].output == summary
    assert [r.id for r in harness.records.recent(flow="offline-report")] == [second.run_id, first.run_id]
    kinds = [e.kind for e in harness.events if e.run_id == first.run_id]
    assert kinds[0] is EventKind.RUN_STARTED and kinds[-1] is EventKind.RUN_FINISHED
    assert kinds.count(EventKind.STEP_FINISHED) == 4


def test_dry_run_previews_without_executing(harness: Harness):
    previews = dry_run(harness.runner(), "offline-report", {"report": "dry"})
    by_id = {p.step_id: p for p in previews}
    assert by_id["record_run"].final_input == {"key": "runs:dry", "value": "dry-run"}
    assert by_id["summary"].note == "needs the output of an earlier step"
    assert by_id["remember_last"].is_finally
    got = harness.backend.execute(ExecuteCall("acme-staging", "kv-store", "get", {"key": "runs:dry"}, alias="kv"))
    assert got.output["value"] is None  # nothing ran
    assert harness.records.recent() == []


def test_cli_run_json_runs_list_and_show(harness: Harness):
    cli_runner = CliRunner()
    root = str(harness.root)
    harness.close()  # the CLI opens its own backend on the same database
    result = cli_runner.invoke(cli, ["run", "offline-report", "-i", "report=cli", "--json", "--project", root])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "succeeded" and body["inputs"]["report"] == "cli"
    listed = cli_runner.invoke(cli, ["runs", "list", "--json", "--project", root])
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [body["run_id"]]
    shown = cli_runner.invoke(cli, ["runs", "show", body["run_id"][:10], "--project", root])
    assert shown.exit_code == 0 and "finally remember_last: succeeded" in shown.stdout
    text = cli_runner.invoke(cli, ["run", "offline-report", "--project", root])
    assert text.exit_code == 0 and "succeeded" in text.stdout
    dry = cli_runner.invoke(cli, ["run", "offline-report", "--dry-run", "--project", root])
    assert dry.exit_code == 0 and 'key: "runs:daily"' in dry.stdout


def test_cli_types_inputs_and_refuses_bad_ones(harness: Harness, tmp_path):
    harness.add_flow("typed", """\
flow: typed
workspace: acme-staging
inputs:
  n: {type: integer, required: true}
  tags: {type: array, default: []}
steps:
  - id: save
    uses: kv.put
    with: {key: typed, value: {n: "{{ inputs.n }}", tags: "{{ inputs.tags }}"}}
""")
    root = str(harness.root)
    harness.close()
    cli_runner = CliRunner()
    ok = cli_runner.invoke(cli, ["run", "typed", "-i", "n=3", "-i", 'tags=["a","b"]', "--json", "--project", root])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["steps"][0]["output"]["value"] == {"n": 3, "tags": ["a", "b"]}
    inputs_file = tmp_path / "inputs.yaml"
    inputs_file.write_text("n: 5\n", encoding="utf-8")
    from_file = cli_runner.invoke(cli, ["run", "typed", "--inputs", str(inputs_file), "--json", "--project", root])
    assert json.loads(from_file.stdout)["steps"][0]["output"]["value"]["n"] == 5
    bad = cli_runner.invoke(cli, ["run", "typed", "-i", "n=three", "--project", root])
    assert bad.exit_code != 0 and "input 'n' must be integer" in bad.stderr
    missing = cli_runner.invoke(cli, ["run", "typed", "--project", root])
    assert missing.exit_code != 0 and "needs input 'n'" in missing.stderr
    unknown = cli_runner.invoke(cli, ["run", "typed", "-i", "m=1", "-i", "n=1", "--project", root])
    assert unknown.exit_code != 0 and "no input 'm'" in unknown.stderr
