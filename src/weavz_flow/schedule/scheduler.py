"""The scheduler loop: on every tick, decide each schedule's due fires in the store and hand them to the dispatcher.

A tick is safe to run from several processes at once: deciding happens under the schedule's row lock and inserts each
fire once, and only the scheduler that inserted a fire submits it. What a crash can leave behind (a fire committed but
never dispatched, a fire whose worker died mid-run) is found by :meth:`ScheduleState.undelivered` and submitted again;
the fire runner's atomic claim makes a second delivery harmless. A schedule removed from the config is not ticked; its
fires left in the store are not re-delivered.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from weavz_flow.config.model.flow import ScheduleConfig
from weavz_flow.config.project import Project
from weavz_flow.schedule.clock import Clock
from weavz_flow.schedule.model import Dispatcher, Fire
from weavz_flow.schedule.policy import DueFires, due_fires
from weavz_flow.schedule.state import ScheduleState

log = logging.getLogger("weavz_flow.schedule")

DEFAULT_TICK_S = 1.0
# A PENDING fire older than this is delivered again. Generous: in a busy pool a fire may wait its turn for a while,
# and a re-delivery of a fire still waiting is dropped by the dispatcher or by the claim anyway.
DEFAULT_REDELIVER_AFTER = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did: fires newly decided and submitted, fires submitted again for recovery, missed fires dropped
    per schedule, schedules another scheduler was deciding at that moment, and schedules that could not be decided."""

    submitted: tuple[Fire, ...] = ()
    redelivered: tuple[Fire, ...] = ()
    missed: dict[str, int] = field(default_factory=dict)
    busy: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()  # schedules whose decision failed this tick (logged; tried again next tick)


def schedules_of(project: Project) -> dict[str, ScheduleConfig]:
    """Flow name -> schedule, for every flow that has one (enabled or not: the policy handles ``enabled``)."""
    return {name: flow.schedule for name, flow in sorted(project.flows.items()) if flow.schedule is not None}


class Scheduler:
    def __init__(self, project: Project, state: ScheduleState, dispatcher: Dispatcher, clock: Clock,
                 tick: float = DEFAULT_TICK_S, *, redeliver_after: timedelta = DEFAULT_REDELIVER_AFTER) -> None:
        self.project = project
        self.state = state
        self.dispatcher = dispatcher
        self.clock = clock
        self.tick_s = tick
        self.redeliver_after = redeliver_after

    def tick(self) -> TickReport:
        now = self.clock.now()
        schedules = schedules_of(self.project)
        submitted: list[Fire] = []
        missed: dict[str, int] = {}
        busy: list[str] = []
        failed: list[str] = []
        for name, config in schedules.items():
            decision: list[DueFires] = []

            def decide(watermark: datetime | None, config: ScheduleConfig = config,
                       decision: list[DueFires] = decision) -> DueFires:
                decision.append(due_fires(config, watermark, now))
                return decision[-1]

            try:
                fires = self.state.advance(name, decide, now=now)
            except Exception as exc:  # one schedule's trouble (its transaction rolled back) must not stop the others
                failed.append(name)
                log.error("schedule %s: could not decide its fires: %s", name, _one_line(exc))
                continue
            if fires is None:
                busy.append(name)
                continue
            if decision and decision[-1].missed_skipped:
                missed[name] = decision[-1].missed_skipped
                log.warning("schedule %s: %d missed fire(s) not run (missed: %s)", name, decision[-1].missed_skipped,
                            config.missed.value)
            for fire in fires:
                log.info("fire %s scheduled", fire.key)
                self.dispatcher.submit(fire, config.overlap)
                submitted.append(fire)
        redelivered: list[Fire] = []
        for fire in self.state.undelivered(now, self.redeliver_after):
            config = schedules.get(fire.schedule)
            if config is None or fire in submitted:
                continue
            log.info("fire %s delivered again (left pending, or its worker stopped renewing its lease)", fire.key)
            self.dispatcher.submit(fire, config.overlap)
            redelivered.append(fire)
        return TickReport(tuple(submitted), tuple(redelivered), missed, tuple(busy), tuple(failed))

    def run_forever(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set. A tick that fails (the database is unreachable) is logged and tried again on
        the next tick: the state in the store is unchanged by a transaction that did not commit."""
        log.info("scheduler started: %d schedule(s), a tick every %gs", len(schedules_of(self.project)),
                 self.tick_s)
        while not stop.is_set():
            try:
                self.tick()
            except Exception as exc:
                log.error("scheduler tick failed: %s", _one_line(exc), exc_info=log.isEnabledFor(logging.DEBUG))
            if self.clock.sleep(self.tick_s, stop):
                break
        log.info("scheduler stopped")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
