from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.runner.example_project import converge, copy_examples
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.project import Project
from weavz_flow.runner.outcome import RunEvent
from weavz_flow.runner.records import RunRecords
from weavz_flow.runner.run import FlowRunner

OPS_SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz"  # the spreadsheetId the example's enforced ops-sheet partial names


class Harness:
    """The example project in tmp_path, converged on a LocalBackend, with a runner whose retries do not sleep."""

    def __init__(self, root: Path, backend: LocalBackend) -> None:
        self.root = root
        self.backend = backend
        self.records = RunRecords.for_project(root)
        self.events: list[RunEvent] = []
        self.sleeps: list[float] = []
        self.project: Project = converge(root, backend)

    def add_flow(self, name: str, text: str) -> None:
        (self.root / "flows" / f"{name}.yaml").write_text(text, encoding="utf-8")
        self.project = converge(self.root, self.backend)

    def runner(self, **kwargs: object) -> FlowRunner:
        return FlowRunner(self.project, self.backend, records=self.records, on_event=self.events.append,
                          sleep=self.sleeps.append, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self.records.close()
        self.backend.close()


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    root = copy_examples(tmp_path / "project", monkeypatch)
    h = Harness(root, LocalBackend(root / ".weavz-flow"))
    yield h
    h.close()


def point_prod_at_stubs(root: Path, slack: SlackStub, github: GitHubStub, sheets: SheetsStub,
                        more: dict[str, str] | None = None) -> None:
    """Every acme-prod connection at its stub: Slack, GitHub and Sheets always, others by integration in ``more``
    (a connection without a stub goes to a closed port, so that nothing leaves the machine)."""
    path = root / "workspaces" / "acme-prod.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    urls = {"slack": slack.url, "github": github.url, "google-sheets": sheets.url, **(more or {})}
    for conn in data["connections"].values():
        conn["base_url"] = urls.get(conn["integration"], "http://127.0.0.1:9")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.fixture
def stub_harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_stub: SlackStub, github_stub: GitHubStub,
                 sheets_stub: SheetsStub) -> Iterator[Harness]:
    tokens = {"ACME_PROD_SLACK_BOT_TOKEN": SLACK_TOKEN, "ACME_PROD_GITHUB_TOKEN": GITHUB_TOKEN,
              "ALICE_GITHUB_TOKEN": GITHUB_TOKEN, "ACME_PROD_SHEETS_ACCESS_TOKEN": SHEETS_TOKEN}
    root = copy_examples(tmp_path / "project", monkeypatch, tokens)
    point_prod_at_stubs(root, slack_stub, github_stub, sheets_stub)
    sheets_stub.spreadsheets[OPS_SHEET] = {"Issues": []}
    h = Harness(root, LocalBackend(root / ".weavz-flow"))
    yield h
    h.close()


