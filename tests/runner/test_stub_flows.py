"""The GitHub, Slack and Google Sheets example flows against the provider stubs; enforcement; retries."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.runner.conftest import OPS_SHEET, Harness
from tests.stubs.github import GitHubStub
from tests.stubs.sheets import SheetsStub
from tests.stubs.slack import SlackStub
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome
from weavz_flow.backends.local import LocalBackend
from weavz_flow.runner.outcome import RunStatus, StepStatus
from weavz_flow.runner.retry import RETRY_AFTER_CAP_S
from weavz_flow.runner.run import FlowRunner


def _posts(slack: SlackStub) -> list[dict]:
    return [r.params() for r in slack.requests if r.path.endswith("chat.postMessage")]


def test_open_issues_digest_posts_to_the_enforced_channel(stub_harness: Harness, slack_stub: SlackStub,
                                                          github_stub: GitHubStub):
    result = stub_harness.runner().run("open-issues-digest")
    assert result.status is RunStatus.SUCCEEDED, result.error
    issues, post = result.steps
    assert [i["number"] for i in issues.output] == [1]
    assert post.status is StepStatus.SUCCEEDED
    [sent] = _posts(slack_stub)
    assert sent["channel"] == "C0ALERTS"
    assert sent["text"] == "1 open 'bug' issues in acme/api"
    assert github_stub.requests[0].bearer == github_stub.token


def test_issues_to_sheet_for_each_needs_and_finally(stub_harness: Harness, slack_stub: SlackStub,
                                                    sheets_stub: SheetsStub, github_stub: GitHubStub):
    github_stub.issues["acme/api"][3] = dict(github_stub.issues["acme/api"][1], number=3, title="Third")
    result = stub_harness.runner().run("issues-to-sheet")
    assert result.status is RunStatus.SUCCEEDED, result.error
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["rows"].items == 2 and len(by_id["rows"].output) == 2
    assert by_id["count"].output["value"] == 2  # one expression keeps its type
    rows = sheets_stub.spreadsheets[OPS_SHEET]["Issues"]
    assert sorted(row[1] for row in rows) == ["Crash on start", "Third"]
    [sent] = _posts(slack_stub)
    assert sent["channel"] == "C0ALERTS" and sent["text"].startswith("Synced 2 issues of acme/api")
    assert by_id["notify"].is_finally


def test_an_enforced_partial_value_cannot_be_overridden_at_run_time(stub_harness: Harness, slack_stub: SlackStub):
    # validate rejects this flow; run must still hold the enforcement.
    stub_harness.add_flow("sneaky", """\
flow: sneaky
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {channel: C0GENERAL, text: hello}
""")
    result = stub_harness.runner().run("sneaky")
    assert result.ok, result.error
    [sent] = _posts(slack_stub)
    assert sent["channel"] == "C0ALERTS"


@dataclass
class RecordingBackend:
    """The real backend, with the calls the runner makes written down."""

    inner: LocalBackend
    calls: list[ExecuteCall] = field(default_factory=list)

    def execute(self, call: ExecuteCall) -> ExecuteOutcome:
        self.calls.append(call)
        return self.inner.execute(call)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


RETRY_FLOW = """\
flow: retrying
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: "{{ run.id }}"}
    retry: {attempts: 3, backoff: 2s, jitter: false}
"""


def test_a_transient_provider_failure_is_retried_under_one_idempotency_key(stub_harness: Harness,
                                                                            slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRY_FLOW)
    # The step owns its retries: the provider layer makes one attempt; the step waits as told, cut to its cap.
    slack_stub.fail_next(429, n=1, retry_after=600)
    backend = RecordingBackend(stub_harness.backend)
    runner = FlowRunner(stub_harness.project, backend, records=stub_harness.records,  # type: ignore[arg-type]
                        sleep=stub_harness.sleeps.append)
    result = runner.run("retrying")
    assert result.ok, result.error
    assert result.steps[0].attempts == 2
    assert stub_harness.sleeps == [RETRY_AFTER_CAP_S]  # not 600 s, and not the 2 s backoff either
    assert len(slack_stub.requests) == 2  # the provider saw the failed call and the retried one
    keys = {c.idempotency_key for c in backend.calls}
    assert len(backend.calls) == 2 and len(keys) == 1 and None not in keys
    assert stub_harness.records.get(result.run_id).steps[0].attempts == 2


def test_the_same_run_and_step_never_runs_the_action_twice(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRY_FLOW)
    runner = FlowRunner(stub_harness.project, stub_harness.backend, sleep=stub_harness.sleeps.append)
    first = runner.run("retrying", run_id="fixed-run-id")
    again = runner.run("retrying", run_id="fixed-run-id")  # e.g. a resumed run: same keys
    assert first.ok and again.ok
    assert again.steps[0].output == first.steps[0].output
    assert len(_posts(slack_stub)) == 1  # the engine replayed the recorded result


def test_a_client_error_is_not_retried(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRY_FLOW)
    slack_stub.fail_next(400, n=1)
    result = stub_harness.runner().run("retrying")
    assert result.status is RunStatus.FAILED
    assert result.steps[0].attempts == 1 and result.steps[0].error_code == "ACTION_FAILED"
    assert stub_harness.sleeps == []
