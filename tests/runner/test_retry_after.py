"""A step's ``retry`` is the one owner of its call's retries: it waits as a 503's (or 429's) Retry-After says, in
seconds or as an HTTP date, up to a cap, and the provider layer under it makes one attempt per try. Waits are
recorded by an injected sleep, written down with how many requests the provider had seen at that moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from tests.runner.conftest import Harness
from tests.stubs.slack import SlackStub
from weavz_flow.runner.outcome import RunStatus
from weavz_flow.runner.retry import RETRY_AFTER_CAP_S
from weavz_flow.runner.run import FlowRunner

RETRYING = """\
flow: retrying
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: hi}
    retry: {attempts: 3, backoff: 1s, jitter: false}
"""

ONCE = """\
flow: once
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: hi}
"""


@dataclass
class Timeline:
    """The runner's sleeps, each with the number of provider requests made before it."""

    stub: SlackStub
    waits: list[tuple[int, float]] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append((len(self.stub.requests), seconds))


def _run(harness: Harness, stub: SlackStub, flow: str) -> tuple[RunStatus, int, Timeline]:
    timeline = Timeline(stub)
    result = FlowRunner(harness.project, harness.backend, sleep=timeline).run(flow)
    return result.status, result.steps[0].attempts, timeline


def test_a_503_retry_after_in_seconds_is_waited_as_told(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRYING)
    slack_stub.fail_next(503, n=1, retry_after=5)
    status, attempts, timeline = _run(stub_harness, slack_stub, "retrying")
    assert status is RunStatus.SUCCEEDED and attempts == 2
    assert timeline.waits == [(1, 5.0)]  # after the failed request, before the next: 5 s, not the 1 s backoff
    assert len(slack_stub.requests) == 2


def test_a_503_retry_after_as_an_http_date_is_waited_as_told(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRYING)
    slack_stub.fail_next(503, n=1, retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=40),
                                                               usegmt=True))
    status, attempts, timeline = _run(stub_harness, slack_stub, "retrying")
    assert status is RunStatus.SUCCEEDED and attempts == 2
    [(seen, wait)] = timeline.waits
    assert seen == 1 and 30.0 < wait <= 40.0  # the date's distance from now (whole seconds on the wire)


def test_a_longer_retry_after_is_cut_to_the_cap(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRYING)
    slack_stub.fail_next(503, n=1, retry_after=format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True))
    status, _attempts, timeline = _run(stub_harness, slack_stub, "retrying")
    assert status is RunStatus.SUCCEEDED
    assert timeline.waits == [(1, RETRY_AFTER_CAP_S)]


def test_a_step_with_retry_makes_at_most_its_attempts_in_provider_calls(stub_harness: Harness,
                                                                       slack_stub: SlackStub):
    stub_harness.add_flow("retrying", RETRYING)
    slack_stub.fail_next(503, n=50, retry_after=0)
    status, attempts, timeline = _run(stub_harness, slack_stub, "retrying")
    assert status is RunStatus.FAILED and attempts == 3
    # The provider layer did not retry underneath: one request per attempt, each wait between two of them.
    assert len(slack_stub.requests) == 3
    assert timeline.waits == [(1, 1.0), (2, 2.0)]


def test_a_step_without_retry_keeps_the_provider_layers_own_retries(stub_harness: Harness, slack_stub: SlackStub):
    # Guard (passes before the change too): with no `retry`, the provider layer owns the call's retries.
    stub_harness.add_flow("once", ONCE)
    slack_stub.fail_next(503, n=1, retry_after=0)
    status, attempts, timeline = _run(stub_harness, slack_stub, "once")
    assert status is RunStatus.SUCCEEDED and attempts == 1
    assert len(slack_stub.requests) == 2 and timeline.waits == []
