"""Running one fire: claim it, apply the schedule's overlap policy, run the flow under the fire's run id, finish it.

Whatever delivered the fire (the in-process pool, a task-queue worker, a recovery re-delivery) calls
:meth:`FireRunner.run`; a second delivery of the same fire finds it claimed and does nothing. The run id is the fire's
own (:attr:`Fire.run_id`), so a fire run again after its worker died sends the same idempotency keys and the engine
replays the calls that had completed instead of repeating them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from weavz_flow.backends.protocol import Backend
from weavz_flow.config.model.flow import Overlap
from weavz_flow.config.project import Project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.deployment import SHORT
from weavz_flow.runner.context import TriggeringEvent
from weavz_flow.runner.records import RunRecords, RunTrigger
from weavz_flow.runner.run import FlowRunner
from weavz_flow.schedule.clock import Clock
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.project_schedules import STALE_AFTER
from weavz_flow.schedule.sources import FlowSource, Runnable, as_source
from weavz_flow.schedule.state import Begin, ScheduleState

log = logging.getLogger("weavz_flow.schedule")

DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_QUEUE_POLL = timedelta(seconds=1)
EventOf = Callable[[Fire], TriggeringEvent | None]  # the event an event's fire runs (schedule.event_dispatch)


def worker_name() -> str:
    """This process, as fire rows name the worker that holds them."""
    return f"{socket.gethostname()}:{os.getpid()}"


class FireRunner:
    def __init__(self, source: FlowSource | Project, state: ScheduleState, backend: Backend, *,
                 records: RunRecords | None, clock: Clock, worker: str, lease: timedelta = DEFAULT_LEASE,
                 queue_poll: timedelta = DEFAULT_QUEUE_POLL, stale_after: timedelta = STALE_AFTER,
                 event_of: EventOf | None = None) -> None:
        self.source = as_source(source)
        self.state = state
        self.backend = backend
        self.records = records
        self.clock = clock
        self.worker = worker
        self.lease = lease
        self.queue_poll = queue_poll
        self.stale_after = stale_after  # when a fire of a schedule this project lacks may be abandoned
        self.event_of = event_of  # None: this process has no trigger sources (a remote backend)

    def run(self, fire: Fire, overlap: Overlap) -> FireStatus:
        """Run ``fire`` once if this call claims it; the fire's status afterwards. Never raises for a flow failure.

        The flow run is the one the source gives for the fire's recorded digest (deployed flows: exactly the version
        the fire was scheduled with). A fire whose schedule the source lacks (or has disabled) is not run. Deployed
        flows are every process's truth, so it is abandoned at once. A project checkout may be one version of several
        during a rolling deploy, so there it is left PENDING (the status returned: the queue looks again later, and a
        worker whose project has the schedule runs it) until it is stale, then abandoned, exactly as a scheduler of
        this version would (see :meth:`Scheduler._recover`)."""
        runnable = self.source.runnable(fire.schedule, self.state.digest(fire), event=fire.event is not None)
        if not isinstance(runnable, Runnable):
            reason, now = runnable, self.clock.now()
            pending_before = now if self.source.authoritative else now - self.stale_after
            if self.state.abandon(fire, now, reason, pending_before=pending_before):
                log.warning("fire %s %s", fire.key, reason)
                return FireStatus.ABANDONED
            current = self.state.status(fire)  # fresh, or held under a live lease elsewhere, or finished
            if current is FireStatus.PENDING:
                log.debug("fire %s left for a process whose project has schedule %s", fire.key, fire.schedule)
            return current if current is not None else FireStatus.ABANDONED
        if not self.state.claim(fire, self.worker, self.lease, self.clock.now()):
            current = self.state.status(fire)
            log.debug("fire %s not claimed (it is %s)", fire.key, current.value if current else "unknown")
            return current if current is not None else FireStatus.SKIPPED
        heartbeat = _Heartbeat(self, fire)
        heartbeat.start()
        try:
            return self._run_claimed(fire, overlap, runnable)
        finally:
            heartbeat.stop()

    def _run_claimed(self, fire: Fire, overlap: Overlap, runnable: Runnable) -> FireStatus:
        waited = False
        flow = runnable.project.flows.get(fire.schedule)
        limit = flow.concurrency if flow is not None else None
        while True:
            decision = self.state.begin(fire, self.worker, overlap, self.clock.now(), limit=limit)
            if decision is Begin.RUN:
                break
            if decision is Begin.SKIPPED:
                log.info("fire %s skipped: an earlier run of %s is still going (overlap: skip)", fire.key,
                         fire.schedule)
                return FireStatus.SKIPPED
            if decision is Begin.LOST:
                log.warning("fire %s was taken over by another worker before it started here", fire.key)
                return self.state.status(fire) or FireStatus.SKIPPED
            if not waited:
                log.info("fire %s waits for the running fire(s) of %s (overlap: %s, concurrency: %s)", fire.key,
                         fire.schedule, overlap.value, limit or "-")
                waited = True
            self.clock.sleep(self.queue_poll.total_seconds())
        version = f", flow version sha256:{runnable.digest[:SHORT]}" if runnable.digest else ""
        log.info("fire %s started (run %s%s)", fire.key, fire.run_id, version)
        status, error = self._run_flow(fire, runnable)
        self.state.finish(fire, status, self.clock.now(), fire.run_id, error)
        if error:
            log.warning("fire %s finished: %s: %s", fire.key, status.value, error)
        else:
            log.info("fire %s finished: %s", fire.key, status.value)
        return status

    def _run_flow(self, fire: Fire, runnable: Runnable) -> tuple[FireStatus, str | None]:
        runner = FlowRunner(runnable.project, self.backend, records=self.records, flow_version=runnable.document)
        event: TriggeringEvent | None = None
        if fire.event is not None:
            event = self.event_of(fire) if self.event_of is not None else None
            if event is None:
                return FireStatus.FAILED, f"event {fire.event_id} is not in this process's trigger store"
        try:
            result = runner.run(fire.schedule, {}, run_id=fire.run_id,
                                trigger=RunTrigger.EVENT if event is not None else RunTrigger.SCHEDULE, event=event)
        except WeavzFlowError as exc:  # the flow could not start (removed, an input or secret missing): no secrets
            return FireStatus.FAILED, exc.format_message()
        except Exception as exc:  # a bug; its text may hold anything, so only its type leaves this process
            log.debug("fire %s crashed", fire.key, exc_info=True)
            return FireStatus.FAILED, f"internal error ({type(exc).__name__}); see the scheduler's debug log"
        if result.waiting:  # the fire is done with; the run goes on when a resumer finds its approvals decided
            log.info("fire %s: run %s waits for approval", fire.key, fire.run_id)
            return FireStatus.SUCCEEDED, None
        # The runner redacts the run's secrets from its error text already.
        return (FireStatus.SUCCEEDED, None) if result.ok else (FireStatus.FAILED, result.error)


class _Heartbeat:
    """Renews the fire's lease while it waits or runs. Paced in real time (the lease guards against a dead process
    in real time); the lease's end is taken from the runner's clock."""

    def __init__(self, runner: FireRunner, fire: Fire) -> None:
        self._runner = runner
        self._fire = fire
        self._stop = threading.Event()
        self._every = max(runner.lease.total_seconds() / 3, 0.05)
        self._thread = threading.Thread(target=self._loop, name=f"lease-{fire.key}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        r = self._runner
        while not self._stop.wait(self._every):
            try:
                r.state.renew(self._fire, r.worker, r.lease, r.clock.now())
            except Exception as exc:  # a database hiccup: the next beat tries again, well before the lease runs out
                # One line for the operator; the traceback (which may quote SQL and its parameters) at DEBUG only.
                log.warning("could not renew the lease of fire %s (trying again in %gs): %s", self._fire.key,
                            self._every, one_line(exc, (r.state.store.url.password,)))
                log.debug("lease renewal of fire %s failed", self._fire.key, exc_info=True)
