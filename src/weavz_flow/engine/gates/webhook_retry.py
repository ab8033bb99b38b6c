"""When a failed webhook delivery is tried again: exponential backoff with jitter, and when it is given up.

Pure: the delivery service asks with the number of attempts made so far. Jitter only lengthens a wait (up to
``JITTER`` of it), so the spacing between attempts is never shorter than the schedule says, and receivers that all
failed at once (one outage) do not all get their retries in the same second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

BACKOFF_S = (10, 30, 120, 600, 3600)  # after the 1st, 2nd, ... failure; the last one repeats
MAX_ATTEMPTS = 8  # about 3.2 hours from the first attempt to the last
JITTER = 0.25


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    backoff_s: tuple[float, ...] = BACKOFF_S
    max_attempts: int = MAX_ATTEMPTS
    jitter: float = JITTER

    def delay_after(self, attempts: int, *, rng: random.Random | None = None) -> float | None:
        """Seconds to wait after ``attempts`` failed attempts; None once they are all spent."""
        if attempts >= self.max_attempts:
            return None
        base = self.backoff_s[min(attempts, len(self.backoff_s)) - 1]
        return base * (1 + (rng or random).random() * self.jitter)
