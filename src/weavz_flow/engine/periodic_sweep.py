"""A background thread that runs one round of work every few seconds, for a long-running process (``serve``).

One round at a time per sweeper; :meth:`PeriodicSweep.stop` waits for the round in progress and returns. A round that
fails (a database hiccup) is logged by its type only, and the next round tries again.
"""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger("weavz_flow.engine")


class PeriodicSweep:
    name = "sweep"  # in the thread's name and the log lines

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"weavz-flow-{self.name}", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def sweep(self) -> None:
        """One round."""
        raise NotImplementedError

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self.sweep()
            except Exception as exc:
                # The type only: a database error's text may quote SQL, parameters or the server's address.
                log.warning("%s failed (%s); trying again in %gs", self.name, type(exc).__name__, self._interval_s)
                log.debug("%s failed", self.name, exc_info=True)
