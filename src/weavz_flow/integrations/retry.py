"""When to try a provider call again: bounded exponential backoff that honours ``Retry-After``.

Pure decisions over plain values, so the policy is testable without a clock; the caller sleeps through
``RetryPolicy.sleep`` (tests pass a recorder instead of waiting).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# 429: rate limited; 5xx: the provider failed or is overloaded. Other 4xx are the caller's fault and final.
DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 3  # further attempts after the first
    max_total_wait: float = 30.0  # seconds slept across all retries of one call; a longer Retry-After fails fast
    base_delay: float = 0.5  # backoff without Retry-After: base, 2*base, 4*base, ... capped at max_delay
    max_delay: float = 8.0
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def backoff(self, retries_done: int) -> float:
        return min(self.max_delay, self.base_delay * (2**retries_done))


NO_RETRY = RetryPolicy(max_retries=0)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    delay: float | None  # seconds to wait before the next attempt; None: give up
    exhausted: bool = False  # gave up because max_retries were used
    beyond_bound: bool = False  # gave up because the wait would pass max_total_wait


def decide(policy: RetryPolicy, retries_done: int, waited: float, retry_after: float | None) -> RetryDecision:
    if retries_done >= policy.max_retries:
        return RetryDecision(None, exhausted=True)
    delay = retry_after if retry_after is not None else policy.backoff(retries_done)
    if waited + delay > policy.max_total_wait:
        return RetryDecision(None, beyond_bound=True)
    return RetryDecision(delay)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
