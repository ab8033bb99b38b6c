"""plan and apply through the real command group (CliRunner in process; one test uses a real process and SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.plan import paused_apply
from tests.plan.project_files import WORKSPACE, write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_plan_detailed_exitcode_then_apply_then_no_changes(project_root, monkeypatch):
    monkeypatch.chdir(project_root)
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "Plan: 8 to add, 0 to change, 0 to destroy." in result.output
    refused = run("apply")  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 1 and "stdin is not a terminal" in refused.output
    applied = run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "[8/8] workspace.acme-prod/partial.alerts: done" in applied.output
    assert "Apply complete! Resources: 8 added, 0 changed, 0 destroyed." in applied.output
    again = run("plan", "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes." in again.output


def test_plan_json(project_root, monkeypatch):
    import json

    monkeypatch.chdir(project_root)
    doc = json.loads(run("plan", "--json").output)
    assert doc["format_version"] == "1" and doc["summary"]["add"] == 8
    assert "xoxb" not in json.dumps(doc)


def test_saved_plan_applies_only_while_exact(project_root, monkeypatch, tmp_path):
    monkeypatch.chdir(project_root)
    planfile = tmp_path / "plan.json"
    assert run("plan", "--out", str(planfile)).exit_code == 0
    assert "xoxb-test-token" not in planfile.read_text()
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-changed")
    stale = run("apply", str(planfile))
    assert stale.exit_code == 1 and "secrets changed since the plan was made" in stale.output
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-1")
    assert run("apply", "--auto-approve", "--target", "workspace.acme-staging").exit_code == 0
    live_changed = run("apply", str(planfile))
    assert live_changed.exit_code == 1 and "live state changed since the plan was made" in live_changed.output
    assert run("plan", "--out", str(planfile)).exit_code == 0
    exact = run("apply", str(planfile))
    assert exact.exit_code == 0 and "Apply complete! Resources: 6 added" in exact.output


def test_bad_target_is_a_clear_error(project_root, monkeypatch):
    monkeypatch.chdir(project_root)
    result = run("plan", "--target", "acme")
    assert result.exit_code == 1 and "is not an address" in result.output


def _apply_process(root: Path, pause: float) -> subprocess.Popen[str]:
    argv = paused_apply.command(pause, "apply", "--auto-approve") if pause else [
        sys.executable, "-m", "weavz_flow", "apply", "--auto-approve"]
    return subprocess.Popen(argv, cwd=root, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kill_after", [1, 4, 7])
def test_killed_apply_converges_without_duplicates(project_root, catalog, kill_after):
    write_project(project_root, WORKSPACE)
    proc = _apply_process(project_root, 2)  # the pause after each object is where the kill lands
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(f"[{kill_after}/8]") and line.rstrip().endswith("done"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(line.startswith(f"[{kill_after}/8]") for line in seen), "".join(seen)
    finish = _apply_process(project_root, 0)
    out, _ = finish.communicate()
    assert finish.returncode == 0, out
    assert "Apply complete!" in out and "0 destroyed" in out
    backend = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    try:
        workspaces = backend.list_workspaces()
        assert sorted(w.slug for w in workspaces) == ["acme-prod", "acme-staging"]
        assert [c.external_id for c in backend.list_connections()] == ["slack-prod"]
        snaps = backend.snapshots(workspaces)
        assert sorted(a.alias for s in snaps for a in s.aliases) == ["http", "kv", "slack_bot"]
        assert [p.name for s in snaps for p in s.partials] == ["alerts"]
        assert [e.external_id for s in snaps for e in s.end_users] == ["alice"]
    finally:
        backend.close()
    again = _apply_process(project_root, "0")
    out, _ = again.communicate()
    assert again.returncode == 0 and "No changes." in out


def test_plan_apply_and_run_refuse_an_invalid_project_and_list_every_error(project_root, monkeypatch):
    monkeypatch.chdir(project_root)
    workspace = project_root / "workspaces" / "acme-prod.yaml"
    workspace.write_text(workspace.read_text().replace("integration: kv-store", "integration: kv-stor"))
    (project_root / "flow.yaml").write_text(
        "flow: notify\nworkspace: acme-prod\nsteps:\n  - id: a\n    uses: slack_bot.send_channel_message\n"
        "    with: {text: \"{{ inputs.missing }}\"}\n")
    expected = [
        "flow.yaml:6:18: error: template reads undeclared input 'missing' (declare it under the flow's 'inputs')",
        "workspaces/acme-prod.yaml:19:18: error: unknown integration 'kv-stor' (did you mean 'kv-store' or 'kvcore'?)",
    ]
    for args in (("plan",), ("apply", "--auto-approve"), ("run", "notify")):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "Error: 2 problems in the configuration" in result.output
        assert [line.strip() for line in result.output.splitlines()[1:]] == expected, args
    # Nothing reached the backend: not even the state store was created.
    assert not (project_root / ".weavz-flow" / "state.db").exists()
