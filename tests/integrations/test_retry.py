from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from weavz_flow.integrations.retry import RetryPolicy, decide, parse_retry_after

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
