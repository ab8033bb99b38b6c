"""plan lists the project's schedules (cron, time zone, "(default)" when omitted) in an informational section. The
deployed flows and schedules themselves are plan objects (tests/plan/test_deployment.py): they count in the summary,
and a schedule changed after a plan was saved makes that plan stale."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from tests.plan.states import FINGERPRINTS, converged_live, desired
from weavz_flow.cli.main import cli
from weavz_flow.config.model.flow import Missed, Overlap
from weavz_flow.config.schedules import ScheduledFlow
from weavz_flow.plan.compute import compute_plan
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.render_json import plan_document
from weavz_flow.plan.render_text import render_text

DIGEST = ScheduledFlow("digest", "acme-prod", "0 9 * * 1-5", "Europe/Berlin", False, True, Overlap.SKIP, Missed.LAST)
SYNC = ScheduledFlow("sync", "acme-prod", "*/15 * * * *", "UTC", True, False, Overlap.ALLOW, Missed.NONE)

FLOW = """\
flow: {name}
workspace: acme-prod
schedule: {schedule}
steps:
  - id: get
    uses: kv.get
    with: {{key: k}}
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_text_section_sits_above_the_summary_and_changes_nothing() -> None:
    plan = replace(compute_plan(desired(), converged_live(), credential_fingerprints=FINGERPRINTS),
                   schedules=(DIGEST, SYNC))
    assert render_text(plan) == (
        "Schedules (information only; they are not backend objects):\n"
        '  digest (acme-prod): "0 9 * * 1-5" Europe/Berlin, enabled, overlap skip, missed last\n'
        '  sync (acme-prod): "*/15 * * * *" UTC (default), disabled, overlap allow, missed none\n'
        "\n"
        "No changes. The live state matches the configuration.\n"
    )
    assert not plan.has_changes


def test_json_adds_a_schedules_key_and_keeps_the_others() -> None:
    bare = compute_plan(desired(), LiveState(), credential_fingerprints=FINGERPRINTS)
    doc = plan_document(replace(bare, schedules=(SYNC,)))
    assert doc["schedules"] == [{
        "flow": "sync", "workspace": "acme-prod", "cron": "*/15 * * * *", "timezone": "UTC",
        "timezone_is_default": True, "enabled": False, "overlap": "allow", "missed": "none",
    }]
    without = {k: v for k, v in doc.items() if k != "schedules"}
    assert without == {k: v for k, v in plan_document(bare).items() if k != "schedules"}
    assert plan_document(bare)["schedules"] == []


def test_plan_command_lists_schedules_of_targeted_workspaces(project_root: Path, monkeypatch) -> None:
    monkeypatch.chdir(project_root)
    (project_root / "flows").mkdir()
    (project_root / "flows" / "digest.yaml").write_text(
        FLOW.format(name="digest", schedule='{cron: "0 9 * * 1-5", timezone: Europe/Berlin}'), encoding="utf-8")
    (project_root / "flows" / "sync.yaml").write_text(
        FLOW.format(name="sync", schedule='{cron: "*/15 * * * *"}'), encoding="utf-8")

    text = run("plan").output
    assert (
        "Schedules (information only; they are not backend objects):\n"
        '  digest (acme-prod): "0 9 * * 1-5" Europe/Berlin, enabled, overlap skip, missed last\n'
        '  sync (acme-prod): "*/15 * * * *" UTC (default), enabled, overlap skip, missed last\n'
    ) in text
    # 8 backend objects, and the two flows with their schedules for the schedule store.
    assert "Plan: 12 to add, 0 to change, 0 to destroy." in text
    doc = json.loads(run("plan", "--json").output)
    assert [(s["flow"], s["timezone"], s["timezone_is_default"]) for s in doc["schedules"]] == [
        ("digest", "Europe/Berlin", False), ("sync", "UTC", True),
    ]
    assert doc["summary"]["add"] == 12
    assert "Schedules" not in run("plan", "--target", "workspace.acme-staging").output


def test_a_schedule_changed_after_the_plan_was_saved_makes_it_stale(project_root: Path, monkeypatch,
                                                                    tmp_path: Path) -> None:
    monkeypatch.chdir(project_root)
    (project_root / "flows").mkdir()
    flow_file = project_root / "flows" / "sync.yaml"
    flow_file.write_text(FLOW.format(name="sync", schedule='{cron: "*/15 * * * *"}'), encoding="utf-8")
    planfile = tmp_path / "plan.json"
    assert run("plan", "--out", str(planfile)).exit_code == 0
    flow_file.write_text(FLOW.format(name="sync", schedule='{cron: "0 * * * *", timezone: Asia/Tokyo}'),
                         encoding="utf-8")
    applied = run("apply", str(planfile))
    assert applied.exit_code == 1 and "changed since the plan was made" in applied.output  # the reviewed cron differs
    assert run("apply", "--auto-approve").exit_code == 0
    again = run("plan", "--detailed-exitcode")
    assert again.exit_code == 0
    assert '  sync (acme-prod): "0 * * * *" Asia/Tokyo, enabled, overlap skip, missed last\n' in again.output
    assert again.output.endswith("No changes. The live state matches the configuration.\n")
