"""Which failures a step retries, how long it waits, and the idempotency key every attempt of one call shares.

A step with ``retry`` owns the retries of its call: it asks the backend for one provider attempt per execute
(``ExecuteCall.provider_retries``), so ``attempts: 4`` means at most 4 provider calls, and it waits as long as a
429 or 5xx answer's ``Retry-After`` says (the provider layer reports it in seconds as ``details.retryAfter``), up to
:data:`RETRY_AFTER_CAP_S`. A step without ``retry`` leaves retries to the provider layer's own bounded policy.

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

from weavz_flow.backends.protocol import DEFAULT_STALE_CLAIM_S, BackendCapabilities
from weavz_flow.config.model.flow import RetryConfig
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.retry import parse_retry_after

# The longest a step waits because a provider (or the API) said Retry-After: a longer ask is cut to this, so a
# provider's "come back in an hour" costs one attempt, not a run stuck for an hour.
RETRY_AFTER_CAP_S = 60.0


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

    def delay(self, failed_attempts: int, rng: random.Random, error: BaseException | None = None) -> float:
        """Seconds to wait after the ``failed_attempts``-th failure: backoff doubling, jittered to 50-100%, or the
        failure's ``Retry-After`` (capped at RETRY_AFTER_CAP_S) when that is longer."""
        base = self.backoff_s * (2 ** (failed_attempts - 1))
        wait = base * (0.5 + rng.random() / 2) if self.jitter else base
        told = retry_after(error)
        return wait if told is None else max(wait, min(told, RETRY_AFTER_CAP_S))

    def should_retry(self, error: BaseException) -> bool:
        if isinstance(error, StepTimeoutError):
            return True
        if not isinstance(error, ApiError):
            return False
        if error.code is ErrorCode.ACTION_FAILED:
            # Idempotent steps may retry any provider failure: the shared key keeps a completed call from rerunning.
            # A refused connection never reached the provider, so trying again cannot repeat an effect.
            return self.idempotent or _transient_status(_provider_status(error)) or _never_sent(error)
        return error.code is ErrorCode.RATE_LIMITED or _transient_status(error.status)


@dataclass(frozen=True, slots=True)
class InProgressWait:
    """How a step waits for an earlier attempt of its own call that still holds the idempotency key.

    ``limit_s`` is the stale-claim bound of the backend's engine (:meth:`for_backend`; by default the bound a backend
    reports when it does not say otherwise): once the step has waited that long, the claim of an attempt that died
    is stale, and the last try takes it over.
    """

    limit_s: float = DEFAULT_STALE_CLAIM_S
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0

    @classmethod
    def for_backend(cls, capabilities: BackendCapabilities) -> InProgressWait:
        """The wait for a backend with these ``capabilities`` (its engine's stale-claim bound)."""
        return cls(limit_s=capabilities.stale_claim_after_s)

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


def retry_after(error: BaseException | None) -> float | None:
    """The seconds a failure asked to wait (``details.retryAfter``: a number, or a Retry-After text), if any."""
    if not isinstance(error, ApiError):
        return None
    value = (error.details or {}).get("retryAfter")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value))
    return parse_retry_after(value) if isinstance(value, str) else None


def _never_sent(error: ApiError) -> bool:
    return (error.details or {}).get("reason") == "connect"


def _provider_status(error: ApiError) -> int | None:
    value = (error.details or {}).get("providerStatus")
    return value if isinstance(value, int) else None


def _transient_status(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


def idempotency_key(run_id: str, step_id: str, index: int | None) -> str:
    """The same for every attempt of one step (or one for_each item) of one run, distinct across runs."""
    raw = f"{run_id}/{step_id}/{'' if index is None else index}"
    return "wf-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
