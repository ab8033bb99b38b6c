"""A canary secret never appears in run results, events, records, CLI output or logs."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from tests.runner.conftest import Harness
from tests.runner.example_project import CANARY, EXAMPLE_ENV
from tests.stubs.echo import EchoStub
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.cli.main import cli
from weavz_flow.runner.dry_run import dry_run

LEAKY = """\
flow: leaky
workspace: acme-staging
secrets:
  token: {env: ACME_STATUS_TOKEN}
inputs:
  note: {type: string, default: "plain"}
steps:
  - id: store
    uses: kv.put
    with: {key: token, value: "Bearer {{ secrets.token }}"}
  - id: fails
    uses: kv.put
    # Fails at run time with the secret inside Jinja's own message ('dict object' has no element '<value>').
    with: {key: "{{ {}[secrets.token] }}", value: 1}
    continue_on_error: true
"""


def _dump(value: object) -> str:
    return json.dumps(value, default=repr)


def test_the_canary_never_leaves_a_run(harness: Harness, echo_stub: EchoStub, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    harness.add_flow("leaky", LEAKY)
    runner = harness.runner()
    status = runner.run("status-check", {"url": f"{echo_stub.url}/anything"})
    leaky = runner.run("leaky", {"note": f"input with {CANARY}"})
    assert echo_stub.last.bearer == CANARY  # the provider did receive it
    assert status.ok, status.error
    assert leaky.ok, leaky.error
    assert leaky.steps[0].output["value"] == "Bearer [REDACTED]"
    assert leaky.inputs["note"] == "input with [REDACTED]"
    everything = [status, leaky, harness.events, dry_run(runner, "leaky"),
                  harness.records.get(status.run_id), harness.records.get(leaky.run_id), harness.records.recent()]
    assert CANARY not in _dump([repr(x) for x in everything])
    assert CANARY not in caplog.text
    # Nor the engine's store (executions, idempotency results, kv), its WAL included: the runner named the secret.
    for name in ("runs.db", "state.db", "state.db-wal"):
        path = harness.root / ".weavz-flow" / name
        found = path.exists() and CANARY.encode() in path.read_bytes()
        assert not found, name


def test_the_canary_never_reaches_cli_output(harness: Harness, echo_stub: EchoStub):
    harness.add_flow("leaky", LEAKY)
    root = str(harness.root)
    harness.close()
    cli_runner = CliRunner()
    outputs = [cli_runner.invoke(cli, [*args, "--project", root]) for args in (
        ["run", "leaky"], ["run", "leaky", "--json"], ["run", "leaky", "--dry-run"],
        ["run", "status-check", "-i", f"url={echo_stub.url}/x", "--json"], ["runs", "list"])]
    run_id = json.loads(outputs[1].stdout)["run_id"]
    outputs.append(cli_runner.invoke(cli, ["runs", "show", run_id, "--json", "--project", root]))
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert CANARY not in result.stdout + result.stderr
    assert "Bearer [REDACTED]" in outputs[-1].stdout


READER = """\
flow: reader
workspace: acme-staging
steps:
  - id: read
    uses: kv.get
    with: {key: handed-over}
"""


def test_a_connection_secret_an_output_carries_is_kept_out_of_the_run(harness: Harness) -> None:
    # A backend redacts the credential of the call it runs, not another connection's secret that some output
    # happens to carry (nor does hosted Weavz take the runner's list): the runner redacts its workspace's
    # credentials from what it records and shows, as far as it can read them.
    token = EXAMPLE_ENV["ACME_STAGING_SLACK_BOT_TOKEN"]
    harness.add_flow("reader", READER)
    harness.backend.execute(ExecuteCall("acme-staging", "kv-store", "put",
                                        {"key": "handed-over", "value": f"token {token}"}, alias="kv"))
    result = harness.runner().run("reader")
    assert result.ok, result.error
    assert result.steps[0].output["value"] == "token [REDACTED]"
    assert token not in _dump([repr(result), repr(harness.events), repr(harness.records.get(result.run_id))])
