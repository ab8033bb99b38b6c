"""Fires on PostgreSQL: the dispatcher a scheduler uses (the task queue, plus by default a worker in the same process)
and the worker that ``weavz-flow worker`` runs alone.

Any number of schedulers and workers, on any number of machines, may serve one database: the queue hands each job to
one worker, and the fire runner's atomic claim makes a job that runs twice a no-op.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import psycopg

from weavz_flow.backends.stores import Store
from weavz_flow.config.model.flow import Overlap
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Fire
from weavz_flow.schedule.queue import ProcrastinateDispatcher, store_conninfo
from weavz_flow.schedule.queue_worker import QueueWorker, WorkerSettings, start_worker

log = logging.getLogger("weavz_flow.schedule")


@dataclass(frozen=True, slots=True)
class QueueOptions:
    concurrency: int = 4  # fires this process runs at once
    stalled_after: float | None = None  # seconds without a queue heartbeat before a worker counts as dead

    def worker_settings(self, name: str) -> WorkerSettings:
        settings = WorkerSettings(concurrency=self.concurrency, name=name)
        if self.stalled_after is None:
            return settings
        return replace(settings, stalled_after=self.stalled_after, heartbeat_every=self.stalled_after / 3,
                       reap_every=self.stalled_after / 2)


def start_fire_worker(store: Store, runner: FireRunner, options: QueueOptions | None = None) -> QueueWorker:
    """Serve fires from the queue in ``store``'s database with ``runner`` (a thread; returns once it is up)."""
    opts = options or QueueOptions()
    return start_worker(store_conninfo(store), runner, opts.worker_settings(runner.worker))


class QueueDispatch:
    """The scheduler's dispatcher on PostgreSQL: fires go to the queue; this process also serves the queue unless it
    runs as a pure scheduler (``worker`` None). Closing stops the worker gracefully (running fires finish)."""

    def __init__(self, dispatcher: ProcrastinateDispatcher, worker: QueueWorker | None) -> None:
        self.dispatcher = dispatcher
        self.worker = worker
        self._submitted: set[str] = set()

    def submit(self, fire: Fire, overlap: Overlap) -> bool:
        self._submitted.add(fire.key)  # queued now or already: either way --once waits for its job
        return self.dispatcher.submit(fire, overlap)

    def drain(self, timeout: float | None = None) -> None:
        """Wait until no fire this process submitted waits or runs in the queue (``--once``). Without a worker here
        the fires are other processes' to run, so there is nothing to wait for."""
        if self.worker is None or not self._submitted:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        with psycopg.connect(self.dispatcher.conninfo, autocommit=True) as conn:
            while self.worker.running and (deadline is None or time.monotonic() < deadline):
                row = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = ANY(%s) "
                                   "AND status IN ('todo', 'doing')", (sorted(self._submitted),)).fetchone()
                if row is None or row[0] == 0:
                    return
                time.sleep(0.2)

    def close(self) -> None:
        try:
            if self.worker is not None:
                self.worker.stop()
                if self.worker.error is not None:
                    log.error("the queue worker had stopped: %s", one_line(self.worker.error))
        finally:
            self.dispatcher.close()


def queue_dispatch(store: Store, runner: FireRunner | None, options: QueueOptions | None = None) -> QueueDispatch:
    """The queue dispatcher on ``store``'s database, with a worker running ``runner`` in this process if given."""
    dispatcher = ProcrastinateDispatcher.for_store(store)
    try:
        worker = start_fire_worker(store, runner, options) if runner is not None else None
    except BaseException:
        dispatcher.close()
        raise
    return QueueDispatch(dispatcher, worker)
