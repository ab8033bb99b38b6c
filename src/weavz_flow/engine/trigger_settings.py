"""How often trigger sources may poll and how their callback deliveries are retried: read from the environment once,
when the engine starts (``serve``, ``schedule``, the CLI), with defaults for everything."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from weavz_flow.errors import WeavzFlowError

MIN_POLL_ENV = "WEAVZ_FLOW_TRIGGER_MIN_POLL_S"
DELIVERY_TIMEOUT_ENV = "WEAVZ_FLOW_TRIGGER_DELIVERY_TIMEOUT_S"
BACKOFF_ENV = "WEAVZ_FLOW_TRIGGER_BACKOFF_S"  # comma-separated seconds: after the 1st, 2nd, ... failure
GIVE_UP_ENV = "WEAVZ_FLOW_TRIGGER_GIVE_UP_S"
MIN_GIVE_UP_S = 24 * 3600.0  # a receiver may be down for a day and still get every event


@dataclass(frozen=True, slots=True)
class TriggerSettings:
    # The shortest polling interval a source may ask for (POLLING_INTERVAL_TOO_SHORT below it): one minute, the
    # smallest ``pollingIntervalMinutes`` Weavz accepts.
    min_polling_interval_s: float = 60.0
    delivery_timeout_s: float = 10.0
    # Waits between attempts of one delivery; the last one repeats until the delivery is given up.
    backoff_s: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0, 1800.0)
    # A delivery failing since this long (from its first attempt) is given up (``failed``), unblocking the next one.
    give_up_after_s: float = 3 * 24 * 3600.0
    # How long a poller owns a source it polls; past it another process may take the source over.
    poll_lease_s: float = 300.0

    def delay_after(self, attempts: int) -> float:
        return self.backoff_s[min(attempts, len(self.backoff_s)) - 1]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TriggerSettings:
        env = os.environ if environ is None else environ
        defaults = cls()
        backoff = defaults.backoff_s
        if env.get(BACKOFF_ENV, "").strip():
            backoff = tuple(_seconds(BACKOFF_ENV, part) for part in env[BACKOFF_ENV].split(","))
        give_up = _seconds(GIVE_UP_ENV, env.get(GIVE_UP_ENV) or str(defaults.give_up_after_s))
        if give_up < MIN_GIVE_UP_S:
            raise WeavzFlowError(f"{GIVE_UP_ENV} must be at least {MIN_GIVE_UP_S:g} (24 hours)")
        return cls(
            min_polling_interval_s=_seconds(MIN_POLL_ENV,
                                            env.get(MIN_POLL_ENV) or str(defaults.min_polling_interval_s)),
            delivery_timeout_s=_seconds(DELIVERY_TIMEOUT_ENV,
                                        env.get(DELIVERY_TIMEOUT_ENV) or str(defaults.delivery_timeout_s)),
            backoff_s=backoff, give_up_after_s=give_up,
        )


def _seconds(name: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise WeavzFlowError(f"{name} must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise WeavzFlowError(f"{name} must be more than 0 seconds")
    return value
