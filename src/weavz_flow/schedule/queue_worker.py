"""A procrastinate worker for fires, in a thread of its own with its own event loop, beside a synchronous program.

``start_worker`` returns a :class:`QueueWorker`; ``stop()`` is graceful: the worker takes no new job, lets the
running fires finish (or ``shutdown_timeout`` pass) and unregisters. Signals stay with the caller's main thread.

A worker that dies without stopping (SIGKILL, a lost machine) leaves its jobs in procrastinate's ``doing`` state, where
they would also keep holding a ``queue`` schedule's lock. Every worker therefore looks, every ``reap_every`` seconds,
for jobs of workers whose heartbeat is older than ``stalled_after`` and puts them back in the queue. The fire runner
takes such a fire over once its lease has expired; until then the job finds the fire held and queues a later look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate import exceptions as pq_errors
from procrastinate.jobs import Status

from weavz_flow.errors import WeavzFlowError
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.queue import HANDLER_CONTEXT_KEY, RUN_FIRE_TASK, FireHandler, ensure_queue_schema, make_app

log = logging.getLogger("weavz_flow.schedule")


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    concurrency: int = 4  # fires run at once in this process (threads)
    name: str | None = None  # shown in procrastinate's tables and logs; host:pid when None
    heartbeat_every: float = 10.0
    stalled_after: float = 30.0  # a worker silent this long is dead; its jobs are queued again
    reap_every: float = 15.0
    poll_every: float = 5.0  # fallback to LISTEN/NOTIFY
    shutdown_timeout: float | None = None  # None: wait for the running fires however long they take


class QueueWorker:
    def __init__(self, app: procrastinate.App, handler: FireHandler, settings: WorkerSettings) -> None:
        self._app = app
        self._handler = handler
        self.settings = settings
        self.name = settings.name or f"{socket.gethostname()}:{os.getpid()}"
        self._thread = threading.Thread(target=self._main, name=f"weavz-flow worker {self.name}", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None  # why the worker stopped on its own, if it did

    def start(self, timeout: float = 30.0) -> QueueWorker:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise WeavzFlowError("the task queue worker did not start in time")
        if self.error is not None:
            raise WeavzFlowError(f"the task queue worker could not start: {one_line(self.error)}")
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> None:
        """Take no new jobs, wait for the running fires, unregister; returns once the worker is gone (or after
        ``timeout``)."""
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker to end on its own; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the worker's thread ------------------------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except asyncio.CancelledError:
            pass  # stopped while still starting
        except BaseException as exc:  # kept for the caller, who reports it in one line
            self.error = exc
            log.debug("queue worker stopped", exc_info=True)
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        s = self.settings
        async with self._app.open_async():
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            reaper = asyncio.create_task(self._reap_forever(), name="reap stalled fires")
            self._ready.set()
            try:
                options: dict[str, Any] = {
                    "name": self.name, "concurrency": s.concurrency, "install_signal_handlers": False,
                    "update_heartbeat_interval": s.heartbeat_every, "stalled_worker_timeout": s.stalled_after,
                    "fetch_job_polling_interval": s.poll_every, "delete_jobs": "successful",
                    "additional_context": {HANDLER_CONTEXT_KEY: self._handler}}
                if s.shutdown_timeout is not None:  # None: procrastinate's default, waiting however long it takes
                    options["shutdown_graceful_timeout"] = s.shutdown_timeout
                await self._app.run_worker_async(**options)
            except asyncio.CancelledError:
                pass  # stop(): the worker has shut down gracefully before the cancellation reached us
            finally:
                reaper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reaper

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reap_every)
            try:
                await requeue_stalled(self._app, self.settings.stalled_after)
            except pq_errors.ConnectorException as exc:  # the database is away; the worker itself will notice too
                log.warning("could not look for stalled fires: %s", one_line(exc))


async def requeue_stalled(app: procrastinate.App, stalled_after: float) -> int:
    """Put the fire jobs of dead workers back in the queue; returns how many. Several workers may race for the same
    job: procrastinate's retry only moves a job still in ``doing``, so one wins and the others get an error."""
    manager = app.job_manager
    requeued = 0
    for job in await manager.get_stalled_jobs(task_name=RUN_FIRE_TASK, seconds_since_heartbeat=stalled_after):
        assert job.id is not None
        try:
            await manager.retry_job(job)
            requeued += 1
        except pq_errors.UniqueViolation:
            # The fire was delivered again meanwhile and that job waits under the same queueing lock: it will run
            # the fire, so this copy ends here (and stops holding the schedule's lock).
            await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
        except pq_errors.ConnectorException:
            log.debug("stalled job %s was handled by another worker", job.id)
    if requeued:
        log.info("requeued %d fire(s) of stopped workers", requeued)
    return requeued


def start_worker(conninfo: str, handler: FireHandler, settings: WorkerSettings | None = None) -> QueueWorker:
    """Prepare the queue's tables if needed and start a worker thread on ``conninfo``."""
    settings = settings or WorkerSettings()
    ensure_queue_schema(conninfo)
    app = make_app(conninfo, min_size=1, max_size=settings.concurrency + 3)
    return QueueWorker(app, handler, settings).start()

