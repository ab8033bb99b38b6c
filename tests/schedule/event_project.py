"""A project whose flow starts on GitHub's ``new_issue`` (against the GitHub stub) and records each event's title, and
how tests read what its runs did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.schedule.sched_project import write_project
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from weavz_flow.backends.local import STATE_DB_FILE
from weavz_flow.cli.main import cli
from weavz_flow.engine.store import Store
from weavz_flow.runner.records import RunRecords

SECRET_KEY = "event-flow-test-secret-key-0123456789"

ISSUES_FLOW = """\
flow: issues
workspace: lab
on:
  - trigger: {uses: github.new_issue, with: {repository: acme/api}, every: 1s}
steps:
  - id: title
    uses: kv.put
    with: {key: "title:{{ trigger.id }}", value: "{{ trigger.data.title }}"}
"""


def github_workspace(stub_url: str) -> str:
    return f"""\
  github:
    integration: github
    connection: gh
connections:
  gh: {{integration: github, type: SECRET_TEXT, secret: {{env: GH_TOKEN}}, base_url: "{stub_url}"}}
"""


def event_project(root: Path, github: GitHubStub, monkeypatch: pytest.MonkeyPatch,
                  flows: dict[str, str] | None = None, project_file: str | None = None) -> Path:
    """The project, applied: its flow deployed with its trigger."""
    root = write_project(root, flows or {"issues": ISSUES_FLOW}, monkeypatch)
    if project_file is not None:
        (root / "weavz-flow.yaml").write_text(project_file, encoding="utf-8")
    workspace = root / "workspaces" / "lab.yaml"
    workspace.write_text(workspace.read_text(encoding="utf-8") + github_workspace(github.url), encoding="utf-8")
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("GH_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("WEAVZ_FLOW_TRIGGER_MIN_POLL_S", "1")
    return applied(root)


def applied(root: Path) -> Path:
    """``root`` after ``weavz-flow apply`` (its flows and their triggers deployed)."""
    result = CliRunner().invoke(cli, ["apply", "--project", str(root), "--auto-approve"])
    assert result.exit_code == 0, result.output
    return root


def event_runs(records: RunRecords, flow: str = "issues") -> list[tuple[str, Any, str | None]]:
    """Each run of ``flow``, oldest first: its status, what its first step stored, and what started it."""
    runs = sorted(records.recent(flow=flow, limit=500), key=lambda r: r.started_at)
    out = []
    for run in runs:
        full = records.get(run.id)
        value = full.steps[0].output.get("value") if full.steps and isinstance(full.steps[0].output, dict) else None
        out.append((full.status.value, value, full.trigger))
    return out


def sqlite_runs(root: Path, flow: str = "issues") -> list[tuple[str, Any, str | None]]:
    store = Store.sqlite(root / ".weavz-flow" / STATE_DB_FILE)
    records = RunRecords.for_store(store, own_store=True)
    try:
        return event_runs(records, flow)
    finally:
        records.close()
