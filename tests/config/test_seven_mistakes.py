"""Acceptance (issue 13): a project with 7 planted mistakes across 3 files gives exactly those 7 errors, each with
its file:line:column and its fix, and nothing else: through the library and through the `weavz-flow validate` CLI
in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.config.conftest import REPO, ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.checks.secret_refs import SecretsCheck
from weavz_flow.config.validate import validate_project

WORKSPACE = """\
workspace: plat-prod
connections:
  slack-prod: {integration: slack, type: SECRET_TEXT, secret: {env: PLAT_SLACK_TOKEN}}
  trello-boards: {integration: trello, type: SECRET_TEXT, secret: {env: PLAT_TRELLO_TOKEN}}
integrations:
  slack_bot:
    integration: slack
    strategy: fixd
    connection: slack-prod
  trello:
    integration: trello
    connection: trello-board
  http:
    integration: http
partials:
  http-defaults:
    alias: http
    action: send_request
    values: {authType: NONE, headers: {}, queryParams: {}}
    enforced: [authTyp]
    default: true
"""

ANNOUNCE = """\
flow: announce
workspace: plat-prod
inputs:
  message: {type: string, default: hello}
steps:
  - id: ping
    uses: http.send_request
    with:
      method: GET
      url: https://status.example
      headers: [accept-json]
  - id: post
    uses: slack_bot.send_chanel_message
    with: {channel: C1, text: "{{ inputs.message }}"}
  - id: summary
    uses: slack_bot.send_channel_message
    with:
      channel: C1
      text: "{{ steps.ping.output | lenght }}"
"""

DOCS = """\
flow: docs
workspace: plat-prod
steps:
  - id: page
    uses: trello.create_card
    with: {listId: abc, name: Release notes}
"""

FILES = {"workspaces/plat-prod.yaml": WORKSPACE, "flows/announce.yaml": ANNOUNCE, "flows/docs.yaml": DOCS}

# Each planted mistake: its file, the text it starts at (unique in that file) and the code it must be reported as.
PLANTED = [
    ("workspaces/plat-prod.yaml", "fixd", "invalid-value"),  # misspelled strategy
    ("workspaces/plat-prod.yaml", "trello-board\n", "unknown-connection"),
    ("workspaces/plat-prod.yaml", "authTyp]", "invalid-value"),  # enforced key without a value (a typo)
    ("flows/announce.yaml", "[accept-json]", "wrong-type"),  # an object field given a list
    ("flows/announce.yaml", "slack_bot.send_chanel_message", "unknown-action"),
    ("flows/announce.yaml", '"{{ steps.ping.output | lenght }}"', "template-syntax"),  # unknown filter
    ("flows/docs.yaml", "trello.create_card", "not-native"),  # not native, and the backend is the embedded engine
]

HINTS = {
    "fixd": "did you mean 'fixed'?",
    "trello-board\n": "did you mean 'trello-boards'?",
    "authTyp]": "did you mean 'authType'?",
    "[accept-json]": "write a mapping, e.g. headers: {name: value}, not a list",
    "slack_bot.send_chanel_message": "did you mean 'send_channel_message', 'schedule_message' or "
                                     "'send_direct_message'?",
    '"{{ steps.ping.output | lenght }}"': "did you mean 'length'?",
    "trello.create_card": "run it on hosted Weavz: in weavz-flow.yaml set backend: {type: remote, api_url: "
                         "https://api.weavz.io, api_key: {env: WEAVZ_API_KEY}}",
}

SECRETS = {"PLAT_SLACK_TOKEN": "xoxb-planted", "PLAT_TRELLO_TOKEN": "trello_planted"}


def _expected() -> set[tuple[str, int, int, str, str]]:
    out = set()
    for file, text, code in PLANTED:
        content = FILES[file]
        assert content.count(text) == 1, text
        before = content[: content.index(text)]
        out.add((file, before.count("\n") + 1, len(before) - before.rfind("\n"), code, HINTS[text]))
    return out


def test_seven_mistakes_give_exactly_seven_errors(make_project: ProjectMaker, full_catalog: Catalog) -> None:
    root = make_project(FILES, project_file="version: 1\nbackend: {type: local}\n")
    report = validate_project(root, full_catalog, secrets=SecretsCheck.REQUIRE, environ=SECRETS)
    found = {(d.position.file, d.position.line, d.position.column, d.code, d.hint)
             for d in report.diagnostics if d.position is not None}
    assert len(report.diagnostics) == len(found) == 7
    assert found == _expected()
    assert report.errors == report.diagnostics  # no warning either


def test_seven_mistakes_through_the_cli(make_project: ProjectMaker, tmp_path: Path) -> None:
    root = make_project(FILES, project_file="version: 1\nbackend: {type: local}\n")
    env = {**os.environ, **SECRETS, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "weavz_flow", "validate", "--secrets"]
    doc = json.loads(subprocess.run([*command, "--json"], cwd=root, env=env, capture_output=True, text=True,
                                    check=False).stdout)
    found = {(d["file"], d["line"], d["column"], d["code"], d["hint"]) for d in doc["diagnostics"]}
    assert doc["valid"] is False and len(doc["diagnostics"]) == 7
    assert found == _expected()
    text = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    assert lines[-1] == "7 errors, 0 warnings in 4 files checked"
    assert sorted(line.split(": error: ")[0] for line in lines[:-1]) == sorted(
        f"{file}:{line}:{column}" for file, line, column, _, _ in _expected()
    )
