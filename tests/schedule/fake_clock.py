"""A clock the test moves by hand: ``now()`` stays put until :meth:`FakeClock.advance` or a ``sleep`` moves it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kw)
            return self._now

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Moves the time on by ``seconds`` at once. A real millisecond passes too, so that a loop polling on this
        clock leaves the other threads room to run."""
        if stop is not None and stop.is_set():
            return True
        self.advance(seconds=max(seconds, 0.0))
        time.sleep(0.001)
        return stop.is_set() if stop is not None else False
