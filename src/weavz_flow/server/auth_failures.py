"""Failed authentications per client address: past a generous threshold, a failure is answered 429, not 401.

Only failures are counted and only a failure is ever refused: a valid key is checked as always and never waits, even
from an address over its limit (many clients may share one address behind a NAT). The counts live in this process
(one :class:`AuthFailureLimiter` per worker; N workers allow up to N times the limit) in a fixed window per address.
Memory is bounded: at most ``max_addresses`` entries, the oldest evicted first and expired ones dropped as they are
met, so a flood of distinct addresses cannot grow it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from weavz_flow.errors import ApiError, ErrorCode


@dataclass(frozen=True, slots=True)
class AuthFailureLimits:
    max_failures: int = 50  # failures allowed per address and window; the next one is 429
    window_s: float = 60.0
    max_addresses: int = 10_000


class AuthFailureLimiter:
    def __init__(self, limits: AuthFailureLimits = AuthFailureLimits(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        # address -> (window start, failures in it); insertion order is window-start order.
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    def failed(self, address: str) -> ApiError | None:
        """Count one failure of ``address``; the 429 to answer instead of the 401 once it is over the limit."""
        now = self._clock()
        with self._lock:
            self._drop_expired(now)
            start, count = self._windows.get(address, (now, 0))
            count += 1
            if address not in self._windows and len(self._windows) >= self.limits.max_addresses:
                self._windows.popitem(last=False)
            self._windows[address] = (start, count)
        if count <= self.limits.max_failures:
            return None
        retry_after = max(1, math.ceil(start + self.limits.window_s - now))
        return ApiError(
            ErrorCode.RATE_LIMITED,
            f"Too many failed authentications from this address; retry after {retry_after} s",
            details={"retryAfter": retry_after},
            headers={"Retry-After": str(retry_after)},
        )

    def _drop_expired(self, now: float) -> None:
        while self._windows:
            address, (start, _) = next(iter(self._windows.items()))
            if start + self.limits.window_s > now:
                return
            del self._windows[address]
