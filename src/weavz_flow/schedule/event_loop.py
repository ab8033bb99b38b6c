"""The event half of the ticks on its own thread: what ``weavz-flow worker`` runs beside its queue worker, so that
workers poll the flows' triggers and turn their events into fires too, without deciding cron schedules (that stays
the schedulers' job). The fires go to the task queue like any other (:mod:`weavz_flow.schedule.queue`)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from weavz_flow.schedule.event_dispatch import EventDispatch
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Dispatcher

log = logging.getLogger("weavz_flow.schedule")

DEFAULT_EVERY_S = 1.0


class EventLoop:
    def __init__(self, events: EventDispatch, dispatcher: Dispatcher, every_s: float = DEFAULT_EVERY_S) -> None:
        self.events = events
        self.dispatcher = dispatcher
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="trigger-events", daemon=True)

    def start(self) -> EventLoop:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self.dispatcher.close()

    def tick(self) -> int:
        """One round: register, poll, dispatch; how many fires were handed to the queue."""
        tick = self.events.tick(datetime.now(UTC))
        for fire, overlap in tick.fires:
            log.info("fire %s scheduled (an event of flow %s)", fire.key, fire.schedule)
            self.dispatcher.submit(fire, overlap)
        return len(tick.fires)

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # the store went away: logged, tried again next round
                log.error("triggers: could not poll or dispatch events: %s", one_line(exc))
                log.debug("the event loop's round failed", exc_info=True)
            self._stop.wait(self.every_s)
