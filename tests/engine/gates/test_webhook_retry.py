"""The retry schedule of webhook deliveries: waits grow, jitter only lengthens them, attempts end."""

from __future__ import annotations

import random

from weavz_flow.engine.gates.webhook_retry import BACKOFF_S, MAX_ATTEMPTS, RetrySchedule


def test_each_wait_is_its_step_or_up_to_a_quarter_longer() -> None:
    schedule = RetrySchedule()
    rng = random.Random(7)
    for attempts in range(1, MAX_ATTEMPTS):
        base = BACKOFF_S[min(attempts, len(BACKOFF_S)) - 1]
        waits = [schedule.delay_after(attempts, rng=rng) for _ in range(200)]
        assert all(w is not None and base <= w <= base * 1.25 for w in waits)
        assert len(set(waits)) > 100  # jittered, not one value


def test_the_waits_follow_the_schedule_and_stop_after_the_last_attempt() -> None:
    schedule = RetrySchedule(jitter=0)
    assert [schedule.delay_after(n) for n in range(1, MAX_ATTEMPTS + 1)] == \
        [10, 30, 120, 600, 3600, 3600, 3600, None]
    assert RetrySchedule(max_attempts=1).delay_after(1) is None
