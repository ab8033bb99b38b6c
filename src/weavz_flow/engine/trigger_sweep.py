"""The background work of trigger sources, for ``serve``: every ``WEAVZ_FLOW_TRIGGER_SWEEP_S`` seconds, poll the
due POLLING sources and deliver the due callback events.

Safe in several processes at once (``serve --workers N``, several servers on one PostgreSQL, a scheduler polling
too): each source is polled under a lease and each delivery attempt is leased (:mod:`.trigger_polling`,
:mod:`.trigger_delivery`). Polling first, so the events a poll stores go out in the same round.
"""

from __future__ import annotations

from weavz_flow.engine.periodic_sweep import PeriodicSweep
from weavz_flow.engine.services.triggers import TriggerService

DEFAULT_INTERVAL_S = 2.0


class TriggerSweeper(PeriodicSweep):
    name = "trigger sweep"

    def __init__(self, triggers: TriggerService, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__(interval_s)
        self._triggers = triggers

    def sweep(self) -> None:
        self._triggers.poll_due()
        self._triggers.deliver_due()
