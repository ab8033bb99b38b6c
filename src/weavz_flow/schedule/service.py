"""A scheduler assembled over a schedule session, and the same run on a background thread (``serve --scheduler``)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from weavz_flow.backends.flow_triggers import flow_triggers_for
from weavz_flow.config.project import Project
from weavz_flow.schedule.clock import Clock, SystemClock
from weavz_flow.schedule.dispatch import make_dispatcher
from weavz_flow.schedule.event_dispatch import EventDispatch
from weavz_flow.schedule.fire_runner import DEFAULT_LEASE, FireRunner, worker_name
from weavz_flow.schedule.scheduler import Scheduler
from weavz_flow.schedule.session import ScheduleSession
from weavz_flow.schedule.sources import DeployedFlows, FlowSource, ProjectFlows, as_source
from weavz_flow.schedule.state import ScheduleState

log = logging.getLogger("weavz_flow.schedule")


def build_scheduler(source: FlowSource | Project | None, session: ScheduleSession, concurrency: int = 4, *,
                    worker: bool = True, lease: timedelta = DEFAULT_LEASE, stalled_after: float | None = None,
                    clock: Clock | None = None) -> Scheduler:
    """A scheduler whose fires run through ``session``'s backend, with their state in its store. ``source`` None:
    the flows deployed in that store (what the CLI runs). ``worker``, ``stalled_after``: see
    :func:`weavz_flow.schedule.dispatch.make_dispatcher`."""
    clock = clock or SystemClock()
    state = ScheduleState(session.store)
    flows = source if source is not None else DeployedFlows(session.store)
    events = event_dispatch_for(session, flows)
    runner = FireRunner(flows, state, session.backend, records=session.records, clock=clock, worker=worker_name(),
                        lease=lease, event_of=events.event_of if events is not None else None)
    dispatcher = make_dispatcher(session.store, runner, concurrency=concurrency, worker=worker,
                                 stalled_after=stalled_after)
    return Scheduler(flows, state, dispatcher, clock, events=events)


def event_dispatch_for(session: ScheduleSession, flows: FlowSource | Project) -> EventDispatch | None:
    """The event half of the ticks over ``session``'s backend (None when its triggers live elsewhere)."""
    triggers = flow_triggers_for(session.backend)
    if triggers is None:
        return None
    source = as_source(flows)
    root = source.project.root if isinstance(source, ProjectFlows) else None
    return EventDispatch(triggers, source, root=root)


class SchedulerThread:
    """Runs a scheduler until :meth:`stop`, which lets the fires already running finish."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="scheduler", daemon=True)

    def start(self) -> SchedulerThread:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _main(self) -> None:
        try:
            self.scheduler.run_forever(self._stop)
        finally:
            self.scheduler.dispatcher.close()
