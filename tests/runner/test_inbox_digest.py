"""The gmail + openai + notion example flow (examples/flows/inbox-digest.yaml) against the three providers' stubs:
what each provider received, in order, and that the summary the model wrote is the page Notion got."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runner.conftest import Harness, point_prod_at_stubs
from tests.runner.example_project import copy_examples
from tests.stubs.base import running
from tests.stubs.github import GitHubStub
from tests.stubs.gmail import GmailStub
from tests.stubs.google import GOOGLE_TOKEN
from tests.stubs.notion import NOTION_TOKEN, NotionStub
from tests.stubs.openai import OPENAI_TOKEN, OpenAIStub
from tests.stubs.sheets import SheetsStub
from tests.stubs.slack import SlackStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.runner.outcome import RunStatus


@pytest.fixture
def providers() -> Iterator[tuple[GmailStub, OpenAIStub, NotionStub]]:
    with running(GmailStub()) as gmail, running(OpenAIStub()) as openai, running(NotionStub()) as notion:
        yield gmail, openai, notion  # type: ignore[misc]


def test_inbox_digest_reads_gmail_asks_openai_and_writes_notion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_stub: SlackStub, github_stub: GitHubStub,
    sheets_stub: SheetsStub, providers: tuple[GmailStub, OpenAIStub, NotionStub],
) -> None:
    gmail, openai, notion = providers
    root = copy_examples(tmp_path / "project", monkeypatch, {
        "ACME_PROD_GMAIL_ACCESS_TOKEN": GOOGLE_TOKEN, "ACME_PROD_NOTION_TOKEN": NOTION_TOKEN,
        "ACME_PROD_OPENAI_API_KEY": OPENAI_TOKEN})
    point_prod_at_stubs(root, slack_stub, github_stub, sheets_stub, {
        "gmail": gmail.url + "/gmail/v1/users/me", "openai": openai.url + "/v1", "notion": notion.url + "/v1"})
    harness = Harness(root, LocalBackend(root / ".weavz-flow"))
    try:
        result = harness.runner().run("inbox-digest", {"notion_parent": "page-home"})
    finally:
        harness.close()
    assert result.status is RunStatus.SUCCEEDED, result.error

    listed = [r for r in gmail.requests if r.path.endswith("/messages")]
    assert [(r.method, r.query.get("q"), r.query.get("maxResults")) for r in listed] == [("GET", "is:unread", "5")]
    fetched = [r.path.rsplit("/", 1)[1] for r in gmail.requests if "/messages/" in r.path]
    assert fetched == ["msg-lunch"] and all(r.bearer == GOOGLE_TOKEN for r in gmail.requests)

    [asked] = [r for r in openai.requests if r.path == "/v1/chat/completions"]
    assert asked.bearer == OPENAI_TOKEN and asked.json is not None and asked.json["stream"] is False
    assert asked.json["messages"][0]["role"] == "system" and asked.json["max_completion_tokens"] == 300
    summary = {s.step_id: s for s in result.steps}["summary"].output
    assert summary["content"].startswith("Echo: ") and summary["usage"]["totalTokens"] == 17

    [made] = [r for r in notion.requests if r.method == "POST" and r.path == "/v1/pages"]
    assert made.bearer == NOTION_TOKEN and made.json is not None
    assert made.json["parent"] == {"page_id": "page-home"}
    assert "Inbox digest: 1 unread" in str(made.json["properties"])
    assert summary["content"] in str(made.json.get("children"))
