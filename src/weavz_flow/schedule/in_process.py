"""The embedded dispatcher: fires run on a thread pool in the scheduler's own process, with no extra service.

A fire already waiting or running here is not queued a second time (the scheduler re-delivers PENDING fires it finds
in the store, which includes those still waiting for a free thread); a duplicate that slipped through anyway would be
harmless, since the fire runner claims each fire atomically.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from weavz_flow.config.model.flow import Overlap
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Fire

log = logging.getLogger("weavz_flow.schedule")


class InProcessDispatcher:
    def __init__(self, fire_runner: FireRunner, max_workers: int = 4) -> None:
        self.fire_runner = fire_runner
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="fire")
        self._lock = threading.Lock()
        self._in_flight: dict[str, Future[None]] = {}

    def submit(self, fire: Fire, overlap: Overlap) -> bool:
        with self._lock:
            if fire.key in self._in_flight:
                return False
            future = self._pool.submit(self._run, fire, overlap)
            self._in_flight[fire.key] = future
        future.add_done_callback(lambda _f: self._done(fire.key))
        return True

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every fire submitted so far has finished; False when ``timeout`` ran out first."""
        with self._lock:
            pending = list(self._in_flight.values())
        _done, not_done = wait(pending, timeout=timeout)
        return not not_done

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def close(self) -> None:
        """Stop taking fires and wait for those submitted (a fire not started stays PENDING in the store and is
        delivered again by the next scheduler)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, fire: Fire, overlap: Overlap) -> None:
        try:
            self.fire_runner.run(fire, overlap)
        except Exception as exc:  # the store went away mid-fire: the fire stays claimed and is recovered once its lease
            # ends. One line for the operator; the traceback at DEBUG.
            log.error("fire %s could not be run: %s", fire.key,
                      one_line(exc, (self.fire_runner.state.store.url.password,)))
            log.debug("fire %s could not be run", fire.key, exc_info=True)

    def _done(self, key: str) -> None:
        with self._lock:
            self._in_flight.pop(key, None)
