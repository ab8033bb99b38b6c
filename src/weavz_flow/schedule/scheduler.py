"""The scheduler loop: on every tick, decide each schedule's due fires in the store and hand them to the dispatcher.

A tick is safe to run from several processes at once: deciding happens under the schedule's row lock and inserts each
fire once, and only the scheduler that inserted a fire submits it. What a crash can leave behind (a fire committed but
never dispatched, a fire whose worker died mid-run) is found by :meth:`ScheduleState.undelivered` and submitted again;
the fire runner's atomic claim makes a second delivery harmless. A schedule removed from the config (or disabled) is not
ticked, and its fires left in the store are finished as ABANDONED instead of being delivered again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from weavz_flow.config.model.flow import ScheduleConfig
from weavz_flow.config.project import Project
from weavz_flow.schedule.clock import Clock
from weavz_flow.schedule.event_dispatch import ENTRY_GONE, EventDispatch
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Dispatcher, Fire
from weavz_flow.schedule.policy import DueFires, due_fires
from weavz_flow.schedule.project_schedules import STALE_AFTER, abandon_reason
from weavz_flow.schedule.sources import NOT_DEPLOYED, FlowSource, as_source
from weavz_flow.schedule.state import ScheduleState

log = logging.getLogger("weavz_flow.schedule")

DEFAULT_TICK_S = 1.0
# A PENDING fire older than this is delivered again. Generous: in a busy pool a fire may wait its turn for a while,
# and a re-delivery of a fire still waiting is dropped by the dispatcher or by the claim anyway.
DEFAULT_REDELIVER_AFTER = STALE_AFTER


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did: fires newly decided and submitted, fires submitted again for recovery, fires abandoned
    because their schedule left the project, missed fires dropped per schedule, schedules another scheduler was
    deciding at that moment, and schedules that could not be decided."""

    submitted: tuple[Fire, ...] = ()
    # Only deliveries that queued something: a fire still waiting in the dispatcher (the task queue's queueing lock,
    # the in-process pool's in-flight set) is found again on every tick and is not news.
    redelivered: tuple[Fire, ...] = ()
    missed: dict[str, int] = field(default_factory=dict)
    busy: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()  # schedules whose decision failed this tick (logged; tried again next tick)
    abandoned: tuple[Fire, ...] = ()
    events: tuple[Fire, ...] = ()  # fires of new events of the flows' `on:` entries, submitted




class Scheduler:
    def __init__(self, source: FlowSource | Project, state: ScheduleState, dispatcher: Dispatcher, clock: Clock,
                 tick: float = DEFAULT_TICK_S, *, redeliver_after: timedelta = DEFAULT_REDELIVER_AFTER,
                 events: EventDispatch | None = None) -> None:
        self.source = as_source(source)  # read on every tick: an apply's new schedules need no restart
        self.state = state
        self.dispatcher = dispatcher
        self.clock = clock
        self.tick_s = tick
        self.redeliver_after = redeliver_after
        self.events = events  # None: no trigger sources here (a remote backend), cron schedules only

    def tick(self) -> TickReport:
        now = self.clock.now()
        scheduled = self.source.schedules()
        schedules = {name: entry.config for name, entry in scheduled.items()}
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
                fires = self.state.advance(name, decide, now=now, digest=scheduled[name].digest)
            except Exception as exc:  # one schedule's trouble (its transaction rolled back) must not stop the others
                failed.append(name)
                log.error("schedule %s: could not decide its fires: %s", name, self._error_text(exc))
                log.debug("deciding schedule %s failed", name, exc_info=True)
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
        event_fires = self._events(now, submitted)
        redelivered, abandoned = self._recover(now, schedules, submitted)
        return TickReport(tuple(submitted), tuple(redelivered), missed, tuple(busy), tuple(failed), tuple(abandoned),
                          tuple(event_fires))

    def _events(self, now: datetime, submitted: list[Fire]) -> list[Fire]:
        """The event half of the tick (schedule.event_dispatch); its trouble is logged and does not stop the tick."""
        if self.events is None:
            return []
        try:
            tick = self.events.tick(now)
        except Exception as exc:
            log.error("triggers: could not poll or dispatch events: %s", self._error_text(exc))
            log.debug("the event half of the tick failed", exc_info=True)
            return []
        for fire, overlap in tick.fires:
            log.info("fire %s scheduled (an event of flow %s)", fire.key, fire.schedule)
            self.dispatcher.submit(fire, overlap)
            submitted.append(fire)
        return [fire for fire, _ in tick.fires]

    def _recover(self, now: datetime, schedules: dict[str, ScheduleConfig],
                 submitted: list[Fire]) -> tuple[list[Fire], list[Fire]]:
        """Deliver again the fires left behind (see :meth:`ScheduleState.undelivered`); abandon those whose schedule
        this scheduler's project no longer has, or has disabled.

        Several schedulers on one database may run different versions of the project during a rolling deploy, so
        each one only acts on what its own project says, and conservatively: it abandons a fire only when that fire
        is stale (PENDING for ``redeliver_after`` with nobody taking it up, or RUNNING with an expired lease), in one
        conditional UPDATE that loses to any worker claiming it meanwhile; a run that holds a live lease always
        finishes. ABANDONED is terminal, so versions never flip a fire back and forth: the most two versions can
        disagree on is a stale fire of a schedule the newer configuration dropped, which is not run, as that
        configuration asks. Nothing else of an unknown schedule is touched (its watermark stays), so a rollback
        resumes it where it stopped, under its missed policy. With the deployed flows as the source (one truth for
        every process) a fire of a schedule no longer deployed is abandoned at once, unless a live lease holds it."""
        redelivered: list[Fire] = []
        abandoned: list[Fire] = []
        for fire in self.state.undelivered(now, self.redeliver_after):
            if fire in submitted:
                continue
            if fire.event is not None:
                self._recover_event(fire, now, redelivered, abandoned)
                continue
            reason = abandon_reason(schedules, fire.schedule)
            if reason is not None:
                if self.source.authoritative:  # the deployment is every process's truth: no other version may run it
                    reason = reason if fire.schedule in schedules else NOT_DEPLOYED
                pending_before = now if self.source.authoritative else now - self.redeliver_after
                if self.state.abandon(fire, now, reason, pending_before=pending_before):
                    log.warning("fire %s %s", fire.key, reason)
                    abandoned.append(fire)
                continue
            if self.dispatcher.submit(fire, schedules[fire.schedule].overlap):
                log.info("fire %s delivered again (left pending, or its worker stopped renewing its lease)", fire.key)
                redelivered.append(fire)
        return redelivered, abandoned

    def _recover_event(self, fire: Fire, now: datetime, redelivered: list[Fire], abandoned: list[Fire]) -> None:
        if self.events is None:
            return  # this process has no trigger sources: a process that has them recovers the fire
        overlap = self.events.overlap(fire)
        if overlap is None:
            if self.state.abandon(fire, now, ENTRY_GONE, pending_before=now - self.redeliver_after):
                log.warning("fire %s %s", fire.key, ENTRY_GONE)
                abandoned.append(fire)
            return
        if self.dispatcher.submit(fire, overlap):
            log.info("fire %s delivered again (left pending, or its worker stopped renewing its lease)", fire.key)
            redelivered.append(fire)

    def run_forever(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set. A tick that fails (the database is unreachable) is logged and tried again on
        the next tick: the state in the store is unchanged by a transaction that did not commit."""
        log.info("scheduler started: %d schedule(s) from %s, a tick every %gs", len(self.source.schedules()),
                 self.source.describe(), self.tick_s)
        while not stop.is_set():
            try:
                self.tick()
            except Exception as exc:
                log.error("scheduler tick failed: %s", self._error_text(exc))
                log.debug("scheduler tick failed", exc_info=True)
            if self.clock.sleep(self.tick_s, stop):
                break
        log.info("scheduler stopped")

    def _error_text(self, exc: BaseException) -> str:
        return one_line(exc, (self.state.store.url.password,))
