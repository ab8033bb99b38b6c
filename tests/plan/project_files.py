"""A small project on disk for plan/apply tests, and helpers to edit its workspace file."""

from __future__ import annotations

from pathlib import Path

from weavz_flow.backends.protocol import Backend
from weavz_flow.config.import_yaml import ImportResult, WorkspaceImport
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.import_live import collect_import
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.model import Plan
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan

PROJECT = "version: 1\nname: test\n"

WORKSPACE = """\
workspace: acme-prod
name: ACME Production
connections:
  slack-prod:
    integration: slack
    type: SECRET_TEXT
    display_name: ACME Slack
    secret: {env: TEST_SLACK_TOKEN}
end_users:
  alice:
    display_name: Alice
    email: alice@acme.example
integrations:
  slack_bot:
    integration: slack
    connection: slack-prod
    actions: [send_channel_message]
  kv:
    integration: kv-store
    settings:
      persistence: {scope: workspace}
partials:
  alerts:
    alias: slack_bot
    action: send_channel_message
    values: {channel: C0ALERTS}
    enforced: [channel]
    default: true
"""

STAGING = """\
workspace: acme-staging
integrations:
  http:
    integration: http
"""


def write_project(root: Path, workspace: str = WORKSPACE, *, staging: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "weavz-flow.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "workspaces").mkdir(exist_ok=True)
    (root / "workspaces" / "acme-prod.yaml").write_text(workspace, encoding="utf-8")
    staging_file = root / "workspaces" / "acme-staging.yaml"
    if staging:
        staging_file.write_text(STAGING, encoding="utf-8")
    elif staging_file.exists():
        staging_file.unlink()
    return root


def lose_and_import(root: Path, backend: Backend, extra: str) -> tuple[ImportResult, WorkspaceImport]:
    """Apply WORKSPACE + ``extra``, lose ``extra`` from the file, and collect what import would write back; the
    result and its acme-prod part."""
    write_project(root, WORKSPACE + extra)
    plan_and_apply(root, backend)
    write_project(root, WORKSPACE)
    result = collect_import(load_project(root), read_live(backend), out_dir=root / "workspaces")
    [prod] = [w for w in result.workspaces if w.slug == "acme-prod"]
    return result, prod


def plan_and_apply(root: Path, backend: Backend, request: PlanRequest | None = None) -> Plan:
    project = load_project(root)
    plan = make_plan(project, backend, request)
    result = apply_plan(plan, backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    return plan
