"""The real CLI (``weavz-flow validate``, ``run``, ``run --dry-run``, ``runs show``) on a flow whose steps give
``partials: []`` or a list without the example's enforcing default: the post still reaches the enforced channel of
the Slack stub, validate warns where the list is, and the dry run, the run record and the execution record say
which partials applied and why."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from tests.runner.conftest import Harness
from tests.stubs.slack import SlackStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.engine.applied_partial import PartialReason

FLOW = """\
flow: locked
workspace: acme-prod
steps:
  - id: none
    uses: slack_bot.send_channel_message
    partials: []
    with: {text: asked for no partials}
  - id: listed
    uses: slack_bot.send_channel_message
    partials: [elsewhere]
    with: {text: asked for another channel}
"""


def _add_elsewhere(harness: Harness) -> None:
    """A partial any flow may name, enforcing another channel: naming it must not unlock the default's."""
    path = harness.root / "workspaces" / "acme-prod.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["partials"]["elsewhere"] = {"alias": "slack_bot", "action": "send_channel_message",
                                     "values": {"channel": "C0GENERAL"}, "enforced": ["channel"]}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_a_step_partials_list_cannot_drop_the_enforced_channel(stub_harness: Harness, slack_stub: SlackStub):
    _add_elsewhere(stub_harness)
    stub_harness.add_flow("locked", FLOW)
    root = str(stub_harness.root)
    stub_harness.close()  # the CLI opens the project's store itself
    cli_runner = CliRunner()

    checked = cli_runner.invoke(cli, ["validate", root])
    assert checked.exit_code == 0, checked.output  # a warning, not an error
    where = f"{stub_harness.root / 'flows' / 'locked.yaml'}"
    warnings = [line for line in checked.output.splitlines() if "warning:" in line]
    assert [w.split(": warning:")[0].removeprefix(where) for w in warnings] == [":6:5", ":10:5", ":10:16"]
    assert all("leaves out default partial 'alerts-channel', which enforces 'channel'" in w for w in warnings[:2])
    assert "partial 'elsewhere' sets 'channel', which default partial 'alerts-channel' enforces" in warnings[2]

    preview = cli_runner.invoke(cli, ["run", "locked", "--dry-run", "--json", "--project", root])
    assert preview.exit_code == 0, preview.output
    steps = {s["id"]: s for s in json.loads(preview.stdout)["steps"]}
    assert [(p["name"], p["reason"]) for p in steps["none"]["partials"]] == [("alerts-channel", "default_enforced")]
    assert [(p["name"], p["reason"]) for p in steps["listed"]["partials"]] == [
        ("alerts-channel", "default_enforced"), ("elsewhere", "requested")]
    assert steps["none"]["final_input"]["channel"] == steps["listed"]["final_input"]["channel"] == "C0ALERTS"
    text = cli_runner.invoke(cli, ["run", "locked", "--dry-run", "--project", root])
    assert "partials alerts-channel (default_enforced), elsewhere (requested)" in text.stdout
    assert 'channel: "C0ALERTS"  (enforced by alerts-channel)' in text.stdout
    assert steps["listed"]["enforced_by"] == {"channel": "alerts-channel"}

    ran = cli_runner.invoke(cli, ["run", "locked", "--json", "--project", root])
    assert ran.exit_code == 0, ran.output
    posts = [r.params() for r in slack_stub.requests if r.path.endswith("chat.postMessage")]
    assert [(p["channel"], p["text"]) for p in posts] == [("C0ALERTS", "asked for no partials"),
                                                          ("C0ALERTS", "asked for another channel")]
    run_id = json.loads(ran.stdout)["run_id"]
    assert [[p["reason"] for p in s["partials"]] for s in json.loads(ran.stdout)["steps"]] == [
        ["default_enforced"], ["default_enforced", "requested"]]

    shown = cli_runner.invoke(cli, ["runs", "show", run_id, "--json", "--project", root])
    assert shown.exit_code == 0, shown.output
    recorded = {s["id"]: s["partials"] for s in json.loads(shown.stdout)["steps"]}
    assert [(p["name"], p["reason"]) for p in recorded["none"]] == [("alerts-channel", "default_enforced")]
    assert [(p["name"], p["reason"]) for p in recorded["listed"]] == [("alerts-channel", "default_enforced"),
                                                                      ("elsewhere", "requested")]
    shown_text = cli_runner.invoke(cli, ["runs", "show", run_id, "--project", root])
    assert "  partials: alerts-channel (default_enforced), elsewhere (requested)" in shown_text.stdout
    assert "default_enforced: a default partial that enforces keys" in shown_text.stdout

    backend = LocalBackend(stub_harness.root / ".weavz-flow")
    try:
        records = backend.engine.executions.list_page(backend.caller).items
    finally:
        backend.close()
    assert sorted([(p.name, p.reason) for p in r.applied_partials or []] for r in records) == [
        [("alerts-channel", PartialReason.DEFAULT_ENFORCED)],
        [("alerts-channel", PartialReason.DEFAULT_ENFORCED), ("elsewhere", PartialReason.REQUESTED)],
    ]
