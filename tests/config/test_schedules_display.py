"""validate lists each scheduled flow with its cron and time zone, and says when the zone is the UTC default."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.config.model.flow import Missed, Overlap
from weavz_flow.config.render_json import diagnostics_document
from weavz_flow.config.render_text import render_text
from weavz_flow.config.schedules import ScheduledFlow, scheduled_flows
from weavz_flow.config.validate import validate_project

WORKSPACE = "workspace: main\nintegrations:\n  kv: {integration: kv-store}\n"
STEPS = "steps:\n  - id: a\n    uses: kv.get\n    with: {key: k}\n"


def flow(name: str, schedule: str | None) -> str:
    head = f"flow: {name}\nworkspace: main\n"
    return head + (f"schedule: {schedule}\n" if schedule is not None else "") + STEPS


def three_flows(make_project: ProjectMaker) -> object:
    return make_project({
        "w.yaml": WORKSPACE,
        "berlin.yaml": flow("berlin", '{cron: "30 2 * * *", timezone: Europe/Berlin, missed: all}'),
        "utc.yaml": flow("utc", '{cron: "*/15 * * * *", overlap: queue, enabled: false}'),
        "explicit-utc.yaml": flow("explicit-utc", '{cron: "0 0 * * *", timezone: UTC}'),
        "plain.yaml": flow("plain", None),
    })


def test_scheduled_flows_know_whether_the_zone_was_written(make_project: ProjectMaker) -> None:
    project = load_project(three_flows(make_project))  # type: ignore[arg-type]
    assert scheduled_flows(project) == [
        ScheduledFlow("berlin", "main", "30 2 * * *", "Europe/Berlin", False, True, Overlap.SKIP, Missed.ALL),
        ScheduledFlow("explicit-utc", "main", "0 0 * * *", "UTC", False, True, Overlap.SKIP, Missed.LAST),
        ScheduledFlow("utc", "main", "*/15 * * * *", "UTC", True, False, Overlap.QUEUE, Missed.LAST),
    ]


def test_validate_text_and_json_show_the_schedules(make_project: ProjectMaker) -> None:
    three_flows(make_project)
    text = CliRunner().invoke(cli, ["validate"])
    assert text.exit_code == 0, text.output
    assert text.output == (
        "Schedules (cron, time zone):\n"
        '  berlin (main): "30 2 * * *" Europe/Berlin, enabled, overlap skip, missed all\n'
        '  explicit-utc (main): "0 0 * * *" UTC, enabled, overlap skip, missed last\n'
        '  utc (main): "*/15 * * * *" UTC (default), disabled, overlap queue, missed last\n'
        "valid (6 files checked)\n"
    )
    doc = json.loads(CliRunner().invoke(cli, ["validate", "--json"]).output)
    assert [(s["flow"], s["timezone"], s["timezone_is_default"], s["enabled"]) for s in doc["schedules"]] == [
        ("berlin", "Europe/Berlin", False, True), ("explicit-utc", "UTC", False, True), ("utc", "UTC", True, False),
    ]


def test_schedules_come_before_the_summary_and_after_diagnostics(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({
        "w.yaml": WORKSPACE,
        "ok.yaml": flow("ok", '{cron: "0 9 * * 1-5"}'),
        "bad.yaml": "flow: bad\nworkspace: main\nsteps:\n  - id: a\n    uses: kv.nope\n",
    })
    report = validate_project(root, catalog)
    lines = render_text(report.diagnostics, report.files_checked, scheduled_flows(report.project)).splitlines()
    assert lines[0].startswith("bad.yaml:5:11: error:")
    assert lines[1:] == [
        "Schedules (cron, time zone):",
        '  ok (main): "0 9 * * 1-5" UTC (default), enabled, overlap skip, missed last',
        "1 error, 0 warnings in 4 files checked",
    ]


def test_no_schedules_means_no_section_and_an_empty_list() -> None:
    assert render_text([], 2) == "valid (2 files checked)\n"
    assert diagnostics_document([], 2)["schedules"] == []
