"""The CLI of a flow that waits for approval: ``run`` exits 75 and says how to resume; ``runs list/show`` show the
waiting run and its approval; ``approvals approve`` decides it; ``runs resume`` goes on with it, and ``runs show``
then prints the decision."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.runner.conftest import Harness
from tests.runner.gated_flow import gate_slack, gated_flow, posts
from tests.stubs.slack import SlackStub
from weavz_flow.cli.main import cli
from weavz_flow.cli.run_cmd import EXIT_WAITING


def test_run_waits_with_exit_75_and_runs_resume_finishes_it(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("gated-post", gated_flow())
    gate_slack(stub_harness.backend)
    root = str(stub_harness.root)
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", "gated-post", "--project", root])
    assert ran.exit_code == EXIT_WAITING == 75, ran.output
    run_id = ran.stdout.split()[1]
    [approval] = stub_harness.records.get(run_id).steps[1].approvals
    assert f"step post: approval {approval['id']} pending" in ran.stdout
    assert f"weavz-flow runs resume {run_id}" in ran.stdout
    assert posts(slack_stub) == []

    listed = runner.invoke(cli, ["runs", "list", "--project", root])
    assert listed.exit_code == 0, listed.output
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(run_id)]
    assert "waiting_approval" in row and f"waiting for approval {approval['id']} pending" in row

    pending = runner.invoke(cli, ["runs", "show", run_id, "--project", root])
    assert f"approval {approval['id']} pending" in pending.stdout
    assert f"weavz-flow runs resume {run_id}" in pending.stdout

    approved = runner.invoke(cli, ["approvals", "approve", approval["id"], "--reason", "planned deploy",
                                   "--project", root])
    assert approved.exit_code == 0, approved.output
    resumed = runner.invoke(cli, ["runs", "resume", run_id, "--project", root])
    assert resumed.exit_code == 0, resumed.output
    assert f"Run {run_id} succeeded" in resumed.stdout
    assert len(posts(slack_stub)) == 1

    again = runner.invoke(cli, ["runs", "resume", run_id, "--project", root])
    assert again.exit_code == 1 and "only a run waiting for approval can be resumed" in again.output
    assert len(posts(slack_stub)) == 1

    shown = runner.invoke(cli, ["runs", "show", run_id, "--project", root])
    assert shown.exit_code == 0, shown.output
    # Approved from the CLI (as the local engine's operator), and consumed by the resumed call.
    assert f"approval {approval['id']} consumed via cli at " in shown.stdout
    assert shown.stdout.rstrip().count(": planned deploy") == 1
    document = json.loads(runner.invoke(cli, ["runs", "show", run_id, "--json", "--project", root]).stdout)
    [step_approval] = document["steps"][1]["approvals"]
    decision = step_approval["decision"]
    assert decision["decisionReason"] == "planned deploy" and decision["decidedAt"]
    assert decision["status"] == "consumed"
