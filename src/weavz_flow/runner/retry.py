"""Which failures a step retries, how long it waits, and the idempotency key every attempt of one call shares."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from weavz_flow.config.model.flow import RetryConfig
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


def _provider_status(error: ApiError) -> int | None:
    value = (error.details or {}).get("providerStatus")
    return value if isinstance(value, int) else None


def _transient_status(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


def idempotency_key(run_id: str, step_id: str, index: int | None) -> str:
    """The same for every attempt of one step (or one for_each item) of one run, distinct across runs."""
    raw = f"{run_id}/{step_id}/{'' if index is None else index}"
    return "wf-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
