"""The curl examples of the Weavz docs (seed-execute-actions.txt), run with the real ``curl`` against our server.

The command text is the docs', byte for byte, with three substitutions: the base URL, and for execute the two
placeholders the docs tell readers to replace (``wvz_your_key`` and the example workspace UUID). The docs page lost
its line breaks when it was saved, so each `` \\ `` continuation is put back on its own line before bash runs it.
The listing examples keep even the placeholder key: the integration list needs no auth and ignores a bad one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.server.accounts import Account, unique
from tests.stubs.slack import SlackStub

SEED = Path("/work/shared/seed-execute-actions.txt")
DOCS_BASE = "https://api.weavz.io"
DOCS_KEY = "wvz_your_key"
DOCS_WORKSPACE = "550e8400-e29b-41d4-a716-446655440000"

pytestmark = [
    pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed"),
    pytest.mark.skipif(not SEED.exists(), reason=f"{SEED} is not present"),
]


def _docs_commands() -> tuple[str, list[str]]:
    text = SEED.read_text(encoding="utf-8")
    execute = re.search(r"curl -X POST https://api\.weavz\.io/api/v1/actions/execute .*?\}'", text)
    assert execute is not None
    listing = re.findall(r'curl "?https://api\.weavz\.io/api/v1/integrations[^#]*?wvz_your_key"', text)
    assert len(listing) == 2
    return execute.group(0), listing


def _run(command: str) -> tuple[int, dict[str, object]]:
    script = command.replace(" \\ ", " \\\n") + ' -s -o /dev/stdout -w "\\n%{http_code}"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_docs_execute_example(account: Account, any_token_slack: SlackStub) -> None:
    any_token_slack.channels["#alerts"] = {"id": "#alerts", "name": "alerts", "is_channel": True}
    with account.client() as api:
        ws = api.post("/api/v1/workspaces", json={"name": "Docs", "slug": unique("docs")}).json()["workspace"]["id"]
        conn = api.post("/api/v1/connections", json={
            "type": "SECRET_TEXT", "externalId": unique("slack"), "displayName": "Bot", "integrationName": "slack",
            "secretText": "xoxb-docs-example-token", "baseUrl": any_token_slack.url}).json()["connection"]
        created = api.post(f"/api/v1/workspaces/{ws}/integrations", json={
            "integrationName": "slack", "alias": "slack_bot", "connectionStrategy": "fixed",
            "connectionId": conn["id"]})
        assert created.status_code == 201, created.text
    command, _ = _docs_commands()
    command = command.replace(DOCS_BASE, account.url).replace(DOCS_KEY, account.api_key)
    command = command.replace(DOCS_WORKSPACE, ws)
    status, body = _run(command)
    assert status == 200, body
    assert body["success"] is True
    received = any_token_slack.last
    assert received.bearer == "xoxb-docs-example-token"
    assert received.params()["channel"] == "#alerts"
    assert received.params()["text"] == "Alert!"


def test_docs_execute_example_unchanged_is_a_clean_401(account: Account) -> None:
    command, _ = _docs_commands()
    status, body = _run(command.replace(DOCS_BASE, account.url))
    assert status == 401
    assert body["code"] == "UNAUTHORIZED"


def test_docs_listing_examples(account: Account) -> None:
    _, listing = _docs_commands()
    status, everything = _run(listing[0].replace(DOCS_BASE, account.url))
    assert status == 200
    assert everything["total"] == len(everything["integrations"]) > 1000  # type: ignore[arg-type]
    status, one = _run(listing[1].replace(DOCS_BASE, account.url))
    assert status == 200
    slack = one["integration"]
    assert slack["name"] == "slack"  # type: ignore[index]
    assert "send_channel_message" in slack["actions"]  # type: ignore[index]
    # The docs' own httpx/fetch snippets read integrations[0] from the same answer.
    assert one["integrations"][0]["name"] == "slack"  # type: ignore[index]
