"""``weavz-flow worker [PATH]``: run scheduled fires from the PostgreSQL task queue, in the foreground, until SIGINT or
SIGTERM (then the running fires finish first; a second signal stops at once).

A worker runs the flow version each fire was scheduled with, loaded from the store (deployed by ``apply``), so it
needs no checkout: ``weavz-flow worker --database-url URL`` works in any directory. A PATH (or a project around the
current directory) is still accepted, to pick the store and backend as the project says."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import FrameType

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.cli.queue_logging import configure_queue_logging
from weavz_flow.cli.schedule_cmd import configure_logging, open_session
from weavz_flow.errors import WeavzFlowError
from weavz_flow.schedule.clock import SystemClock
from weavz_flow.schedule.dispatch import queue_module
from weavz_flow.schedule.event_loop import EventLoop
from weavz_flow.schedule.fire_runner import DEFAULT_LEASE, FireRunner, worker_name
from weavz_flow.schedule.resumer import DEFAULT_RESUME_EVERY, Resumer, ResumerThread
from weavz_flow.schedule.service import event_dispatch_for
from weavz_flow.schedule.sources import DeployedFlows
from weavz_flow.schedule.state import ScheduleState


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first SIGINT/SIGTERM; a second one ends the process at once (exit 130)."""
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(130)  # asked twice: do not wait for the running fires
        click.echo("Stopping: waiting for the running fires to finish (signal again to stop at once).", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command("worker")
@project_option("path", positional=True)
@click.option("--database-url", metavar="URL",
              help="The PostgreSQL store the schedulers use [default: the project's backend database_url, else "
                   "$WEAVZ_FLOW_DATABASE_URL]; with it, no project is needed.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True,
              help="Fires this process runs at once.")
@click.option("--lease", "lease_s", type=click.FloatRange(min=0.5), default=None, hidden=True,
              help="Seconds a fire's claim lasts without renewal (tests shorten it).")
@click.option("--stalled-after", type=click.FloatRange(min=0.5), default=None, hidden=True,
              help="Seconds without a heartbeat before a worker counts as dead (tests shorten it).")
@click.option("--resume-every", "resume_every_s", type=click.FloatRange(min=0.1), default=None, hidden=True,
              help="Seconds between looks for runs whose approvals are decided (tests shorten it).")
def worker(path: Path | None, database_url: str | None, concurrency: int, lease_s: float | None,
           stalled_after: float | None, resume_every_s: float | None) -> None:
    """Run scheduled fires from the task queue of a PostgreSQL store; start as many as you like, on any machine.
    Runs waiting for approval (of any trigger) are resumed once their approvals are decided. Workers also poll the
    deployed flows' `on:` triggers and turn each new event into one fire.

    Flows come from the store (as `weavz-flow apply` deployed them), never from a checkout: PATH (else the project
    around the current directory) only picks the store and backend; without a project, give --database-url (flows
    then run on the store's engine, or on WEAVZ_API_URL when set). Ctrl-C (or SIGTERM) lets running fires finish; a
    second one stops at once. One log line per event on stderr."""
    fire_worker = queue_module()
    catalog = load_catalog()
    session, project = open_session(path, database_url, catalog)
    try:
        if session.store.dialect != "postgresql":
            raise WeavzFlowError("a worker needs a PostgreSQL store (--database-url or the project's database_url); "
                                 "with SQLite, `weavz-flow schedule` runs the fires itself")
        lease = timedelta(seconds=lease_s) if lease_s is not None else DEFAULT_LEASE
        configure_logging()
        configure_queue_logging()
        flows = DeployedFlows(session.store, project.root if project is not None else None)
        # Workers poll the flows' triggers and dispatch their events too (not cron: that is the schedulers' job).
        events = event_dispatch_for(session, flows)
        runner = FireRunner(flows, ScheduleState(session.store), session.backend, records=session.records,
                            clock=SystemClock(), worker=worker_name(), lease=lease,
                            event_of=events.event_of if events is not None else None)
        options = fire_worker.QueueOptions(concurrency=concurrency, stalled_after=stalled_after)
        # Runs waiting for approval go on once decided (see schedule.resumer); each is claimed by one process.
        resumer = Resumer(session.records, session.backend, project.root if project is not None else None,
                          every=timedelta(seconds=resume_every_s) if resume_every_s else DEFAULT_RESUME_EVERY)
        with stop_on_signals() as stop:
            resuming = ResumerThread(resumer).start()
            queue_worker = fire_worker.start_fire_worker(session.store, runner, options)
            event_loop = EventLoop(events, fire_worker.queue_dispatch(session.store, None, options)).start() \
                if events is not None else None
            click.echo(f"Worker {queue_worker.name} serving fires from {session.store!r} (concurrency "
                       f"{concurrency}); Ctrl-C to stop.", err=True)
            try:
                while not stop.wait(0.5) and queue_worker.running:
                    pass
            finally:
                if event_loop is not None:
                    event_loop.stop()
                queue_worker.stop()
                resuming.stop()
        if queue_worker.error is not None:
            message = " ".join(str(queue_worker.error).split()) or type(queue_worker.error).__name__
            raise WeavzFlowError(f"the queue worker stopped: {message}")
        click.echo("Worker stopped.", err=True)
    finally:
        session.close()
