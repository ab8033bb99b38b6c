"""A small project on disk for plan/apply tests, and helpers to edit its workspace file."""

from __future__ import annotations

from pathlib import Path

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
