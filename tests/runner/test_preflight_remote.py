"""The checks before a run and the one owner of a step's retries against a real ``weavz-flow serve`` (uvicorn on
127.0.0.1, port 0) through the remote backend, the providers being stubs on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.runner.conftest import point_prod_at_stubs
from tests.runner.example_project import copy_examples
from tests.runner.test_preflight import ANNOUNCE
from tests.runner.test_retry_after import RETRYING, Timeline
from tests.server.accounts import bootstrap_account
from tests.server.live_server import serve_weavz_flow
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.runner.outcome import RunStatus
from weavz_flow.runner.run import FlowRunner
from weavz_flow.sensitive import Sensitive


@dataclass
class Served:
    root: Path
    backend: RemoteBackend


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_stub: SlackStub, github_stub: GitHubStub,
           sheets_stub: SheetsStub) -> Iterator[Served]:
    tokens = {"ACME_PROD_SLACK_BOT_TOKEN": SLACK_TOKEN, "ACME_PROD_GITHUB_TOKEN": GITHUB_TOKEN,
              "ALICE_GITHUB_TOKEN": GITHUB_TOKEN, "ACME_PROD_SHEETS_ACCESS_TOKEN": SHEETS_TOKEN}
    root = copy_examples(tmp_path / "project", monkeypatch, tokens)
    point_prod_at_stubs(root, slack_stub, github_stub, sheets_stub)
    (root / "flows" / "announce.yaml").write_text(ANNOUNCE, encoding="utf-8")
    (root / "flows" / "retrying.yaml").write_text(RETRYING, encoding="utf-8")
    state = tmp_path / "server"
    state.mkdir()
    with serve_weavz_flow(f"sqlite:///{state / 'state.db'}", state / "secret.key") as server:
        account = bootstrap_account(server)
        monkeypatch.setenv("WEAVZ_API_URL", server.url)
        monkeypatch.setenv("WEAVZ_API_KEY", account.api_key)
        backend = RemoteBackend(server.url, Sensitive(account.api_key), lock_dir=tmp_path / "locks")
        try:
            project = load_project(root)
            applied = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
            assert applied.ok, applied.error
            yield Served(root, backend)
        finally:
            backend.close()


def test_run_with_an_unknown_end_user_fails_before_posting_through_serve(served: Served, slack_stub: SlackStub,
                                                                         github_stub: GitHubStub):
    ran = CliRunner().invoke(cli, ["run", "announce", "--end-user", "nobody", "--project", str(served.root)])
    assert ran.exit_code == 1, ran.output
    assert slack_stub.requests == [] and github_stub.requests == []
    message = ran.stderr.removeprefix("Error: ").strip()
    assert message.startswith("flow 'announce' cannot run: 1 problem found before any step ran")
    assert "step 'post' (" in message and "step 'issues' (" in message
    assert "end user 'nobody' does not exist in workspace 'acme-prod'" in message
    assert "or pass one of: alice, bob" in message

    previewed = CliRunner().invoke(cli, ["run", "announce", "--end-user", "nobody", "--dry-run",
                                         "--project", str(served.root)])
    assert previewed.exit_code == 1
    assert message in previewed.stdout
    assert slack_stub.requests == [] and github_stub.requests == []

    posted = CliRunner().invoke(cli, ["run", "announce", "--end-user", "alice", "--project", str(served.root)])
    assert posted.exit_code == 0, posted.output
    assert [r.path for r in slack_stub.requests if r.path.endswith("chat.postMessage")] != []


def test_the_server_does_not_retry_under_a_step_that_retries(served: Served, slack_stub: SlackStub):
    slack_stub.fail_next(503, n=50, retry_after=0)
    timeline = Timeline(slack_stub)
    result = FlowRunner(load_project(served.root), served.backend, sleep=timeline).run("retrying")
    assert result.status is RunStatus.FAILED and result.steps[0].attempts == 3
    assert len(slack_stub.requests) == 3  # one provider call per attempt: the server did not retry underneath
    assert timeline.waits == [(1, 1.0), (2, 2.0)]


def test_the_step_waits_as_a_503_says_through_serve(served: Served, slack_stub: SlackStub):
    slack_stub.fail_next(503, n=1, retry_after=7)
    timeline = Timeline(slack_stub)
    result = FlowRunner(load_project(served.root), served.backend, sleep=timeline).run("retrying")
    assert result.ok, result.error
    assert timeline.waits == [(1, 7.0)]  # details.retryAfter crossed the API
    assert len(slack_stub.requests) == 2
