from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.integrations.context import context
from tests.integrations.test_provider_http import ECHO
from tests.stubs.echo import EchoStub
from weavz_flow.errors import ApiError
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.provider import ProviderRequest
from weavz_flow.integrations.retry import NO_RETRY, RetryPolicy, decide, parse_retry_after

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        (format_datetime(NOW + timedelta(seconds=42), usegmt=True), 42.0),
        (format_datetime(NOW - timedelta(seconds=42), usegmt=True), 0.0),
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5)
    assert [policy.backoff(n) for n in range(5)] == [1, 2, 4, 5, 5]


def test_decide_honours_retry_after_and_both_bounds() -> None:
    policy = RetryPolicy(max_retries=2, max_total_wait=10)
    assert decide(policy, 0, 0.0, 3.0).delay == 3.0
    assert decide(policy, 0, 0.0, None).delay == 0.5
    beyond = decide(policy, 1, 8.0, 3.0)
    assert beyond.delay is None and beyond.beyond_bound and not beyond.exhausted
    spent = decide(policy, 2, 0.0, 0.0)
    assert spent.delay is None and spent.exhausted


def test_a_single_attempt_reports_retry_after_in_seconds_for_the_caller(http: httpx.Client,
                                                                        echo_stub: EchoStub) -> None:
    # The flow runner asks for one attempt when a step retries itself; the wait the provider asked for must reach
    # it, in seconds whichever form the header had.
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok-abc", retry=NO_RETRY)
    when = datetime.now(UTC) + timedelta(seconds=90)
    echo_stub.fail_next(503, n=1, retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/"))
    details = caught.value.details or {}
    assert len(echo_stub.requests) == 1 and details["attempts"] == 1 and details["providerStatus"] == 503
    assert 80 < details["retryAfter"] <= 90
    assert "retry bound" not in caught.value.message  # nothing was refused: the caller decides

    echo_stub.fail_next(429, n=1, retry_after=3)
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/"))
    assert (caught.value.details or {})["retryAfter"] == 3.0
