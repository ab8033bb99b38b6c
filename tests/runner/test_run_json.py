"""``run --json`` and ``runs show --json`` print one document for one run (runner.render_json): the same text, with
every key either printed before they shared it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.runner.conftest import Harness
from weavz_flow.cli.main import cli
from weavz_flow.runner.records import OUTPUT_CAP

FLOW = """\
flow: shapes
workspace: acme-staging
inputs:
  big: {type: string, default: ""}
steps:
  - id: save
    uses: kv.put
    with: {key: shapes, value: "{{ inputs.big }}"}
  - id: each
    uses: kv.put
    for_each: "{{ [1, 2] }}"
    with: {key: "each-{{ item }}", value: "{{ index }}"}
  - id: never
    uses: kv.put
    if: "{{ false }}"
    with: {key: never, value: 1}
  - id: broken
    uses: kv.put
    continue_on_error: true
    with: {key: broken, value: "{{ inputs.big[100000000] }}"}
finally:
  - id: last
    uses: kv.get
    with: {key: each-1}
"""

RUN_KEYS = {"run_id", "flow", "status", "error", "started_at", "finished_at", "inputs", "steps"}  # run --json's
SHOW_KEYS = {"run_id", "flow", "workspace", "status", "started_at", "finished_at", "duration_ms", "trigger",
             "end_user", "inputs", "error", "owner", "heartbeat_at", "steps"}  # runs show --json's
STEP_KEYS = {"id", "status", "finally", "attempts", "duration_ms", "items", "output", "output_truncated", "error",
             "error_code", "continued", "partials", "approvals"}


def _run_and_show(harness: Harness, *inputs: str) -> tuple[str, str]:
    harness.add_flow("shapes", FLOW)
    root = str(harness.root)
    harness.close()  # the CLI opens its own backend on the same database
    cli_runner = CliRunner()
    ran = cli_runner.invoke(cli, ["run", "shapes", "--json", "--project", root, *inputs])
    assert ran.exit_code == 0, ran.output
    shown = cli_runner.invoke(cli, ["runs", "show", json.loads(ran.stdout)["run_id"], "--json", "--project", root])
    assert shown.exit_code == 0, shown.output
    return ran.stdout, shown.stdout


def test_run_json_and_runs_show_json_print_the_same_document(harness: Harness):
    ran, shown = _run_and_show(harness)
    assert ran == shown
    doc = json.loads(ran)
    assert set(doc) == RUN_KEYS | SHOW_KEYS
    assert all(set(s) == STEP_KEYS for s in doc["steps"])
    assert (doc["workspace"], doc["status"], doc["trigger"]) == ("acme-staging", "succeeded", "manual")
    steps = {s["id"]: s for s in doc["steps"]}
    assert [s["id"] for s in doc["steps"]] == ["save", "each", "never", "broken", "last"]
    assert steps["each"]["items"] == 2 and steps["never"]["status"] == "skipped"
    assert (steps["broken"]["status"], steps["broken"]["error_code"], steps["broken"]["continued"]) == (
        "failed", "TEMPLATE_ERROR", True)
    assert steps["last"]["finally"] is True


def test_run_json_keeps_the_output_the_record_truncates(harness: Harness):
    big = "x" * (OUTPUT_CAP + 10)
    ran, shown = _run_and_show(harness, "-i", f"big={big}")
    printed, recorded = json.loads(ran), json.loads(shown)
    assert printed["steps"][0]["output"]["value"] == big and printed["steps"][0]["output_truncated"] is False
    assert recorded["steps"][0]["output_truncated"] is True and len(recorded["steps"][0]["output"]) == OUTPUT_CAP
    for doc in (printed, recorded):
        doc["steps"][0].pop("output"), doc["steps"][0].pop("output_truncated")
    assert printed == recorded
