"""A step whose idempotency key is still held by an earlier attempt of its own call waits for it, then replays or
takes over; against the real engine and the Slack provider stub.

The earlier attempt is a "dead" one: its claim is written through the engine's own ledger, the way an execute claims
its key before calling the provider, and then never completed, as when the worker running it is SIGKILLed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runner.conftest import OPS_SHEET, Harness, point_prod_at_stubs
from tests.runner.example_project import copy_examples
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.engine.execute import fingerprint_of
from weavz_flow.engine.idempotency import Claim, ExecuteLimits, IdempotencyLedger
from weavz_flow.runner.outcome import EventKind, RunEvent, RunStatus, StepStatus
from weavz_flow.runner.retry import InProgressWait, idempotency_key
from weavz_flow.runner.run import FlowRunner

# The takeover bound of the engine under test: short, so that a dead claim goes stale within the test.
SHORT = ExecuteLimits(max_execute_s=0.5, takeover_margin_s=0.5)
WAIT = "waiting for an earlier attempt"

POST_FLOW = """\
flow: post-once
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: "posted by {{ run.id }}"}
"""


def _harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackStub, github: GitHubStub,
             sheets: SheetsStub, limits: ExecuteLimits | None) -> Harness:
    tokens = {"ACME_PROD_SLACK_BOT_TOKEN": SLACK_TOKEN, "ACME_PROD_GITHUB_TOKEN": GITHUB_TOKEN,
              "ALICE_GITHUB_TOKEN": GITHUB_TOKEN, "ACME_PROD_SHEETS_ACCESS_TOKEN": SHEETS_TOKEN}
    root = copy_examples(tmp_path / "project", monkeypatch, tokens)
    point_prod_at_stubs(root, slack, github, sheets)
    sheets.spreadsheets[OPS_SHEET] = {"Issues": []}
    backend = LocalBackend(root / ".weavz-flow", **({"limits": limits} if limits is not None else {}))
    h = Harness(root, backend)
    h.add_flow("post-once", POST_FLOW)
    return h


@pytest.fixture
def short_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_stub: SlackStub, github_stub: GitHubStub,
                sheets_stub: SheetsStub) -> Iterator[Harness]:
    h = _harness(tmp_path, monkeypatch, slack_stub, github_stub, sheets_stub, SHORT)
    yield h
    h.close()


@pytest.fixture
def default_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_stub: SlackStub, github_stub: GitHubStub,
                  sheets_stub: SheetsStub) -> Iterator[Harness]:
    h = _harness(tmp_path, monkeypatch, slack_stub, github_stub, sheets_stub, None)
    yield h
    h.close()


def _posts(slack: SlackStub) -> list[dict]:
    return [r.params() for r in slack.requests if r.path.endswith("chat.postMessage")]


def _dead_attempt(h: Harness, run_id: str) -> tuple[IdempotencyLedger, Claim]:
    """Claim the key of the flow's step in run ``run_id`` as the engine does before running it, and never finish."""
    backend = h.backend
    call = ExecuteCall(workspace="acme-prod", integration="slack", action="send_channel_message",
                       input={"text": f"posted by {run_id}"}, alias="slack_bot",
                       idempotency_key=idempotency_key(run_id, "post", None))
    request = backend._execute_request(call)
    ledger = IdempotencyLedger(backend.store)
    claim = ledger.claim(backend.org.id, request.idempotency_key or "", fingerprint_of(request))
    assert claim.record_id is not None and claim.replay is None
    return ledger, claim


def _waits(events: list[RunEvent]) -> list[RunEvent]:
    return [e for e in events if e.kind is EventKind.STEP_RETRYING and WAIT in (e.message or "")]


def test_a_recovered_run_takes_over_the_key_a_dead_attempt_left_and_calls_the_provider_once(
        short_bound: Harness, slack_stub: SlackStub) -> None:
    _dead_attempt(short_bound, "recovered-run")
    events: list[RunEvent] = []
    runner = FlowRunner(short_bound.project, short_bound.backend, on_event=events.append, sleep=time.sleep,
                        in_progress=InProgressWait(limit_s=SHORT.stale_after_s, first_delay_s=0.05,
                                                   max_delay_s=0.25))
    result = runner.run("post-once", run_id="recovered-run")
    assert result.status is RunStatus.SUCCEEDED, result.error
    [step] = result.steps
    assert step.status is StepStatus.SUCCEEDED and step.attempts == 1  # waiting is not an attempt
    [sent] = _posts(slack_stub)
    assert sent["text"] == "posted by recovered-run"
    # The key now holds this run's result: the same run again replays it without calling the provider.
    again = runner.run("post-once", run_id="recovered-run")
    assert again.ok and again.steps[0].output == step.output
    assert len(_posts(slack_stub)) == 1


def test_a_key_completed_while_the_step_waits_replays_without_a_provider_call(
        default_bound: Harness, slack_stub: SlackStub) -> None:
    # The engine's default bound: the claim stays in progress for minutes, so the first try is surely refused.
    ledger, claim = _dead_attempt(default_bound, "slow-run")
    recorded = {"output": {"ok": True, "channel": "C0ALERTS", "ts": "1700000000.000100"}, "duration": 12.0,
                "executionId": "exec-of-the-first-attempt"}
    sleeps: list[float] = []

    def first_attempt_finishes_meanwhile(seconds: float) -> None:
        sleeps.append(seconds)
        assert ledger.complete(claim, recorded)

    events: list[RunEvent] = []
    runner = FlowRunner(default_bound.project, default_bound.backend, on_event=events.append,
                        sleep=first_attempt_finishes_meanwhile)
    result = runner.run("post-once", run_id="slow-run")
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.steps[0].output == recorded["output"] and result.steps[0].attempts == 1
    assert _posts(slack_stub) == []
    assert sleeps == [InProgressWait().first_delay_s] and len(_waits(events)) == 1


def test_a_step_stops_waiting_after_the_stale_bound_and_fails_with_the_conflict(
        default_bound: Harness, slack_stub: SlackStub) -> None:
    _dead_attempt(default_bound, "stuck-run")
    sleeps: list[float] = []
    wait = InProgressWait(limit_s=10.0, first_delay_s=1.0, max_delay_s=4.0)
    runner = FlowRunner(default_bound.project, default_bound.backend, sleep=sleeps.append, in_progress=wait)
    result = runner.run("post-once", run_id="stuck-run")  # the claim is fresh for minutes: never stale here
    assert result.status is RunStatus.FAILED
    [step] = result.steps
    assert step.error_code == "DUPLICATE" and "still running" in (step.error or "")
    assert sleeps == [1.0, 2.0, 4.0, 4.0] and step.attempts == 1
    assert _posts(slack_stub) == []


def test_a_conflict_over_another_request_is_not_waited_for(default_bound: Harness, slack_stub: SlackStub) -> None:
    backend = default_bound.backend
    call = ExecuteCall(workspace="acme-prod", integration="slack", action="send_channel_message",
                       input={"text": "something else"}, alias="slack_bot",
                       idempotency_key=idempotency_key("reused-run", "post", None))
    request = backend._execute_request(call)
    IdempotencyLedger(backend.store).claim(backend.org.id, request.idempotency_key or "", fingerprint_of(request))
    sleeps: list[float] = []
    result = FlowRunner(default_bound.project, backend, sleep=sleeps.append).run("post-once", run_id="reused-run")
    assert result.status is RunStatus.FAILED and result.steps[0].error_code == "DUPLICATE"
    assert sleeps == [] and _posts(slack_stub) == []


def test_the_wait_is_bound_by_the_stale_claim_bound_the_backend_reports(short_bound: Harness) -> None:
    # The local backend reports its own engine's bound; a runner given no wait uses the bound of its backend.
    assert short_bound.backend.capabilities.stale_claim_after_s == SHORT.stale_after_s
    assert FlowRunner(short_bound.project, short_bound.backend).in_progress.limit_s == SHORT.stale_after_s
    assert InProgressWait().limit_s == ExecuteLimits().stale_after_s  # what a backend that does not say gets
