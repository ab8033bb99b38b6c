"""The example project validates cleanly, and each broken mini-project gives its exact file:line:column messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from tests.config.conftest import EXAMPLES, REPO
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.config.validate import validate_project

# Each broken case and the diagnostic code it exists to demonstrate (the snapshot pins the full wording).
BROKEN_CASES = {
    "unknown-key": "unknown-key",
    "literal-secret": "literal-secret",
    "unknown-integration": "unknown-integration",
    "unknown-action": "unknown-action",
    "unknown-alias": "unknown-alias",
    "partial-key-not-input": "unknown-input-key",
    "wrong-literal-type": "wrong-type",
    "missing-required-input": "missing-input",
    "enforced-key-override": "enforced-key",
    "template-syntax": "template-syntax",
    "template-step-reference": "later-step",
    "bad-cron": "invalid-value",
    "bad-timezone": "invalid-value",
    "yaml-syntax": "yaml-syntax",
    "duplicate-names": "duplicate-workspace",
}


@pytest.fixture(autouse=True)
def _from_repo_root(monkeypatch: pytest.MonkeyPatch, sdk_cache_dir: Path) -> None:
    monkeypatch.chdir(REPO)


def test_every_broken_folder_is_covered() -> None:
    assert sorted(p.name for p in (EXAMPLES / "broken").iterdir() if p.is_dir()) == sorted(BROKEN_CASES)


def test_examples_are_valid() -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-secrets", "examples/"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Schedules (cron, time zone):\n"
        '  offline-report (acme-staging): "*/15 * * * *" UTC (default), enabled, overlap skip, missed last\n'
        '  open-issues-digest (acme-prod): "0 9 * * 1-5" Europe/Berlin, enabled, overlap skip, missed last\n'
        "valid (9 files checked)\n"
    )


def test_examples_json_lists_schedules_with_their_time_zone() -> None:
    result = CliRunner().invoke(cli, ["validate", "--json", "examples/"])
    assert result.exit_code == 0, result.output
    schedules = {s["flow"]: s for s in json.loads(result.output)["schedules"]}
    assert schedules == {
        "offline-report": {
            "flow": "offline-report", "workspace": "acme-staging", "cron": "*/15 * * * *", "timezone": "UTC",
            "timezone_is_default": True, "enabled": True, "overlap": "skip", "missed": "last",
        },
        "open-issues-digest": {
            "flow": "open-issues-digest", "workspace": "acme-prod", "cron": "0 9 * * 1-5",
            "timezone": "Europe/Berlin", "timezone_is_default": False, "enabled": True, "overlap": "skip",
            "missed": "last",
        },
    }


def test_examples_use_every_required_piece(full_catalog: Catalog) -> None:
    report = validate_project(EXAMPLES, full_catalog)
    project = report.project
    assert report.valid and len(project.workspaces) >= 2 and len(project.flows) >= 3
    integrations = {a.integration for w in project.workspaces.values() for a in w.integrations.values()}
    assert {"slack", "github", "google-sheets", "http", "kv-store", "storage", "data-transformer"} <= integrations
    assert any(p.enforced for w in project.workspaces.values() for p in w.partials.values())
    offline = project.flows["offline-report"]
    aliases = project.workspaces[offline.workspace].integrations
    used = {aliases[s.alias].integration for s in offline.all_steps}
    assert used <= {"kv-store", "storage", "data-transformer"}
    assert not any(full_catalog.find(name).needs_connection for name in used)  # type: ignore[union-attr]


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_broken_case_messages(case: str, snapshot: SnapshotAssertion) -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-secrets", f"examples/broken/{case}"])
    assert result.exit_code == 1
    assert result.output == snapshot
    doc = json.loads(CliRunner().invoke(cli, ["validate", "--json", f"examples/broken/{case}"]).output)
    assert BROKEN_CASES[case] in {d["code"] for d in doc["diagnostics"]}
    assert all(d["file"].startswith(f"examples/broken/{case}/") and d["line"] >= 1 for d in doc["diagnostics"])


def test_literal_secret_is_never_echoed() -> None:
    for flags in ([], ["--json"]):
        result = CliRunner().invoke(cli, ["validate", *flags, "examples/broken/literal-secret"])
        assert "xoxb-0000" not in result.output


def test_json_shape() -> None:
    result = CliRunner().invoke(cli, ["validate", "--json", "--no-secrets", "examples/broken/unknown-key"])
    assert json.loads(result.output) == {
        "format_version": 1,
        "valid": False,
        "files_checked": 2,
        "diagnostics": [{
            "severity": "error",
            "code": "unknown-key",
            "message": "unknown key 'stratgy'",
            "file": "examples/broken/unknown-key/workspace.yaml",
            "line": 7,
            "column": 5,
            "hint": "did you mean 'strategy'?",
        }],
        "schedules": [],
    }


def test_no_project_found(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--json", str(tmp_path)])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False and doc["diagnostics"][0]["code"] == "project-not-found"


def test_examples_have_every_secret_with_demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `make demo` does before `validate`: source demo.env and write the placeholder refresh token.
    project = tmp_path / "examples"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns(".weavz-flow", "secrets", "broken"))
    for line in (EXAMPLES / "demo.env").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            monkeypatch.setenv(name, value)
    (project / "secrets").mkdir()
    (project / "secrets" / "sheets-refresh-token").write_text("placeholder\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--secrets", str(project)])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("\nvalid (9 files checked)\n")
