"""``weavz-flow import``: apply a project, delete parts of its YAML, import, and plan again: nothing to create."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from tests.plan.project_files import WORKSPACE, write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.model import Action
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import fingerprint_book, make_plan

# acme-prod without its connection, its end user and its partial; the alias still names the connection.
TRIMMED = """\
workspace: acme-prod
name: ACME Production  # kept by hand
integrations:
  slack_bot:
    integration: slack
    connection: slack-prod
    actions: [send_channel_message]
  kv:
    integration: kv-store
    settings:
      persistence: {scope: workspace}
"""

PLACEHOLDER = "WEAVZ_ACME_PROD_SLACK_PROD_SECRET"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def apply_all(root: Path, backend: LocalBackend) -> None:
    project = load_project(root)
    result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error


def test_import_restores_deleted_yaml_then_plan_creates_nothing(project_root, local_backend, catalog, monkeypatch):
    apply_all(project_root, local_backend)
    local_backend.close()  # the command opens its own
    write_project(project_root, TRIMMED, staging=False)
    monkeypatch.chdir(project_root)

    result = run("import")
    assert result.exit_code == 0, result.output
    staging = project_root / "workspaces" / "acme-staging.yaml"
    prod = project_root / "workspaces" / "acme-prod.yaml"
    assert f"Wrote {prod}" in result.output and f"Wrote {staging}" in result.output
    assert PLACEHOLDER in result.output and "xoxb" not in result.output

    assert yaml.safe_load(staging.read_text()) == {
        "workspace": "acme-staging",
        "integrations": {"http": {"integration": "http"}},
    }
    prod_text = prod.read_text()
    assert prod_text.startswith(TRIMMED.rstrip("\n"))  # the hand-written part, comment included, is untouched
    assert f"secret: {{env: {PLACEHOLDER}}}  # set {PLACEHOLDER} to this connection's secret" in prod_text
    doc = yaml.safe_load(prod_text)
    assert doc["connections"] == {
        "slack-prod": {
            "integration": "slack",
            "type": "SECRET_TEXT",
            "display_name": "ACME Slack",
            "secret": {"env": PLACEHOLDER},
        },
    }
    assert doc["end_users"] == {"alice": {"display_name": "Alice", "email": "alice@acme.example"}}
    assert doc["partials"] == {
        "alerts": {
            "alias": "slack_bot",
            "action": "send_channel_message",
            "values": {"channel": "C0ALERTS"},
            "enforced": ["channel"],
            "default": True,
        },
    }

    validated = run("validate")
    assert validated.exit_code == 0, validated.output
    missing = run("plan")  # plan reads secrets: it names the placeholder that is not set yet
    assert missing.exit_code == 1 and PLACEHOLDER in missing.output and "acme-prod.yaml" in missing.output
    monkeypatch.setenv(PLACEHOLDER, "xoxb-test-token-1")  # the secret that was applied

    backend = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    try:
        plan = make_plan(load_project(project_root), backend)
        assert not plan.has_changes, render_text(plan)
        # A secret the importer could not know shows up as that connection's change, and nothing else.
        monkeypatch.setenv(PLACEHOLDER, "xoxb-some-other-token")
        changed = make_plan(load_project(project_root), backend)
        assert [(str(c.address), c.action) for c in changed.actionable] == [
            ("workspace.acme-prod/connection.slack-prod", Action.UPDATE),
        ]
    finally:
        backend.close()

    again = run("import")
    assert again.exit_code == 0 and "Nothing to import" in again.output


def test_import_one_workspace_into_another_directory(project_root, local_backend, monkeypatch, tmp_path):
    apply_all(project_root, local_backend)
    local_backend.close()
    write_project(project_root, WORKSPACE, staging=False)
    out = tmp_path / "imported"
    result = run("import", str(project_root), "--workspace", "acme-staging", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["acme-staging.yaml"]
    assert (project_root / "workspaces" / "acme-prod.yaml").read_text() == WORKSPACE

    unknown = run("import", str(project_root), "--workspace", "nope")
    assert unknown.exit_code == 1 and "workspace 'nope' does not exist" in unknown.output


def test_import_out_writes_every_file_into_the_directory(project_root, local_backend, monkeypatch, tmp_path):
    apply_all(project_root, local_backend)
    local_backend.close()
    write_project(project_root, TRIMMED, staging=False)
    monkeypatch.chdir(tmp_path)
    result = run("import", "--project", str(project_root), "--out", "review")
    assert result.exit_code == 0, result.output
    out = tmp_path / "review"
    assert sorted(p.name for p in out.iterdir()) == ["acme-prod.yaml", "acme-staging.yaml"]
    assert (project_root / "workspaces" / "acme-prod.yaml").read_text() == TRIMMED  # the project is left alone
    assert not (project_root / "workspaces" / "acme-staging.yaml").exists()
    prod = yaml.safe_load((out / "acme-prod.yaml").read_text())
    assert set(prod["connections"]) == {"slack-prod"} and set(prod["partials"]) == {"alerts"}
    assert prod["name"] == "ACME Production" and set(prod["integrations"]) == {"slack_bot", "kv"}

    again = run("import", "--project", str(project_root), "--out", "review")
    assert again.exit_code == 1 and "acme-prod.yaml already exists" in again.output


def test_import_keeps_an_alias_that_connects_through_the_portal(project_root, local_backend, tmp_path):
    """``end_user_connect`` lives in the alias's settings: import reads it back, with the per-user strategy it needs
    (an alias without connection would otherwise read back as the default ``fixed``, which refuses it)."""
    portal_aliases = WORKSPACE.replace("integrations:\n", "integrations:\n"
                                       "  mine: {integration: slack, strategy: per_user, end_user_connect: portal}\n"
                                       "  ours: {integration: slack, strategy: per_user_with_fallback, "
                                       "connection: slack-prod, end_user_connect: portal}\n", 1)
    write_project(project_root, portal_aliases, staging=False)
    apply_all(project_root, local_backend)
    local_backend.close()
    (project_root / "workspaces" / "acme-prod.yaml").unlink()
    out = tmp_path / "imported"
    result = run("import", str(project_root), "--workspace", "acme-prod", "--out", str(out))
    assert result.exit_code == 0, result.output
    aliases = yaml.safe_load((out / "acme-prod.yaml").read_text())["integrations"]
    assert aliases["mine"] == {"integration": "slack", "strategy": "per_user", "end_user_connect": "portal"}
    assert aliases["ours"] == {"integration": "slack", "strategy": "per_user_with_fallback",
                               "connection": "slack-prod", "end_user_connect": "portal"}
    assert "end_user_connect" not in aliases["slack_bot"]
