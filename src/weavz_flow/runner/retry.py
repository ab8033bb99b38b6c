"""Which failures a step retries, how long it waits, and the idempotency key every attempt of one call shares.

Apart from the step's own ``retry`` there is one wait that every step does: when the engine answers 409 DUPLICATE
with reason ``in_progress`` for the call's own idempotency key, an earlier attempt of this very call still holds the
key: one the step abandoned on its ``timeout``, or, for a run recovered after its worker died, the dead worker's.
That attempt either completes (asking again then replays its result, without a provider call) or its claim goes
stale (asking again then takes the key over and runs the action). So the step asks again with backoff, for as long
as the engine may take to declare a claim stale; the wait uses none of the step's retry attempts.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from weavz_flow.config.model.flow import RetryConfig
from weavz_flow.engine.idempotency import DEFAULT_LIMITS
from weavz_flow.errors import ApiError, ErrorCode


class StepTimeoutError(Exception):
    """An attempt outlived the step's ``timeout``."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 1
    backoff_s: float = 0.0
    jitter: bool = False
    idempotent: bool = False

    @classmethod
    def of(cls, config: RetryConfig | None, *, idempotent: bool) -> RetryPolicy:
        if config is None:
            return cls(idempotent=idempotent)
        backoff = config.backoff
        seconds = backoff.total_seconds() if isinstance(backoff, timedelta) else float(backoff)
        return cls(config.attempts, seconds, config.jitter, idempotent)

    def delay(self, failed_attempts: int, rng: random.Random) -> float:
        """Seconds to wait after the ``failed_attempts``-th failure: backoff doubling, jittered to 50-100%."""
        base = self.backoff_s * (2 ** (failed_attempts - 1))
        return base * (0.5 + rng.random() / 2) if self.jitter else base

    def should_retry(self, error: BaseException) -> bool:
        if isinstance(error, StepTimeoutError):
            return True
        if not isinstance(error, ApiError):
            return False
        if error.code is ErrorCode.ACTION_FAILED:
            # Idempotent steps may retry any provider failure: the shared key keeps a completed call from rerunning.
            return self.idempotent or _transient_status(_provider_status(error))
        return error.code is ErrorCode.RATE_LIMITED or _transient_status(error.status)


@dataclass(frozen=True, slots=True)
class InProgressWait:
    """How a step waits for an earlier attempt of its own call that still holds the idempotency key.

    ``limit_s`` is the engine's stale-claim bound (the local engine's by default; a remote backend's engine is taken
    to use the same): once the step has waited that long, the claim of an attempt that died is stale, and the last
    try takes it over.
    """

    limit_s: float = DEFAULT_LIMITS.stale_after_s
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0

    def delay(self, waits_done: int, waited_s: float) -> float | None:
        """Seconds to wait before asking again, or None once ``limit_s`` has been waited (then the step fails)."""
        if waited_s >= self.limit_s:
            return None
        return min(self.max_delay_s, self.first_delay_s * 2 ** min(waits_done, 32))


def is_in_progress(error: BaseException, key: str | None) -> bool:
    """The engine refused the call because an earlier attempt with this same idempotency key is still running."""
    if key is None or not isinstance(error, ApiError) or error.code is not ErrorCode.DUPLICATE:
        return False
    details = error.details or {}
    return details.get("reason") == "in_progress" and details.get("idempotencyKey") == key


def _provider_status(error: ApiError) -> int | None:
    value = (error.details or {}).get("providerStatus")
    return value if isinstance(value, int) else None


def _transient_status(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


def idempotency_key(run_id: str, step_id: str, index: int | None) -> str:
    """The same for every attempt of one step (or one for_each item) of one run, distinct across runs."""
    raw = f"{run_id}/{step_id}/{'' if index is None else index}"
    return "wf-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
