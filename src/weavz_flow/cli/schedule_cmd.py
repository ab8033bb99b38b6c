"""``weavz-flow schedule [PATH]``: run the scheduled flows deployed in the store in the foreground until interrupted.

The schedules and flows are those ``weavz-flow apply`` deployed to the store (read again on every tick), never the
checkout's: PATH (or the project found from the current directory) only says which store and backend to open, as
before. Without a project, ``--database-url`` (or ``WEAVZ_FLOW_DATABASE_URL``) names the store. The startup line says
where the schedules come from, and warns about scheduled flows of the checkout that are not deployed.

``--list`` shows each deployed schedule's next fires and its last fire from the store; ``--once`` runs one tick and
waits for the fires it started (for cron-driven operation and tests). Logs (one line per fire scheduled, started,
finished, skipped, and per missed count) go to stderr.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

import click

from weavz_flow.backends.stores import DATABASE_URL_ENV
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.cli.queue_logging import configure_queue_logging
from weavz_flow.config.discovery import find_project_root
from weavz_flow.config.project import Project
from weavz_flow.config.schedules import ScheduledFlow
from weavz_flow.config.validate import load_valid_project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.deployment import desired_flows
from weavz_flow.schedule.fire_runner import DEFAULT_LEASE
from weavz_flow.schedule.listing import fire_text, listing_of, render_listing
from weavz_flow.schedule.resumer import DEFAULT_RESUME_EVERY, Resumer, ResumerThread
from weavz_flow.schedule.scheduler import Scheduler, TickReport
from weavz_flow.schedule.service import build_scheduler
from weavz_flow.schedule.session import ScheduleSession, open_schedule_session, open_store_session
from weavz_flow.schedule.sources import DeployedFlows
from weavz_flow.schedule.state import ScheduleState

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def configure_logging() -> None:
    logger = logging.getLogger("weavz_flow.schedule")
    if not any(getattr(h, "_weavz_flow_schedule", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler._weavz_flow_schedule = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def open_session(path: Path | None, database_url: str | None,
                 catalog: Catalog) -> tuple[ScheduleSession, Project | None]:
    """The project's session (PATH, else the project around the current directory), or, with a store named and no
    project here, a session on the store alone: schedulers and workers need no checkout."""
    if path is None and (database_url or os.environ.get(DATABASE_URL_ENV)) and not _in_a_project():
        return open_store_session(database_url, catalog=catalog), None
    project = load_valid_project(path, catalog)
    return open_schedule_session(project, database_url=database_url, catalog=catalog), project


def _in_a_project() -> bool:
    try:
        find_project_root()
    except WeavzFlowError:
        return False
    return True


def last_fire_lines(schedules: list[ScheduledFlow], state: ScheduleState) -> str:
    last = state.last_fires()
    lines = []
    for s in schedules:
        at = last.get(s.flow)
        lines.append(f"{s.flow}: last fire {fire_text(at, s.timezone) if at else 'none yet'}")
    return "\n".join(lines) + "\n" if lines else ""


def undeployed_warning(project: Project | None, flows: DeployedFlows) -> str | None:
    """A line naming the checkout's scheduled flows whose current version is not what the store runs."""
    if project is None:
        return None
    deployed = flows.repository.deployments()
    stale = [d.name for d in desired_flows(project)
             if d.schedules and (d.name not in deployed or deployed[d.name].digest != d.digest
                                 or list(deployed[d.name].schedules[:1]) != list(d.schedules))]
    if not stale:
        return None
    return (f"Note: {len(stale)} scheduled flow(s) of {project.root} differ from what is deployed in this store "
            f"({', '.join(stale)}); the deployed versions run. Deploy with `weavz-flow apply`.")


def once_lines(report: TickReport, state: ScheduleState) -> str:
    fires = [*report.submitted, *report.redelivered]
    lines = [f"{fire.key}: {(state.status(fire) or 'unknown')} (run {fire.run_id})" for fire in fires]
    lines += [f"{name}: {count} missed fire(s) not run" for name, count in report.missed.items()]
    lines += [f"{name}: being decided by another scheduler" for name in report.busy]
    lines += [f"{name}: could not be decided (see the log above)" for name in report.failed]
    lines += [f"{fire.key}: abandoned (its flow is no longer deployed, or its schedule is disabled)"
              for fire in report.abandoned]
    return "\n".join(lines or ["no fires due"]) + "\n"


@click.command("schedule")
@project_option("path", positional=True)
@click.option("--list", "list_only", is_flag=True, help="Show each schedule's next fire times and its last fire.")
@click.option("--once", is_flag=True, help="Run one tick, wait for the fires it started, and exit.")
@click.option("--database-url", metavar="URL",
              help="SQLAlchemy URL or SQLite path of the store holding the deployed flows and schedule state; a "
                   "local backend runs flows on it too [default: the project's backend database_url, else "
                   "$WEAVZ_FLOW_DATABASE_URL, else <project>/.weavz-flow/state.db]. Without a project, required.")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Fires this process runs at once.")
@click.option("--no-worker", is_flag=True, help="PostgreSQL: only schedule; `weavz-flow worker` processes run the "
              "fires.")
@click.option("--lease", "lease_s", type=click.FloatRange(min=0.5), default=None, hidden=True,
              help="Seconds a fire's claim lasts without renewal (tests shorten it).")
@click.option("--stalled-after", type=click.FloatRange(min=0.5), default=None, hidden=True,
              help="PostgreSQL: seconds without a heartbeat before a queue worker counts as dead (tests shorten it).")
@click.option("--resume-every", "resume_every_s", type=click.FloatRange(min=0.1), default=None, hidden=True,
              help="Seconds between looks for runs whose approvals are decided (tests shorten it).")
def schedule(path: Path | None, list_only: bool, once: bool, database_url: str | None, concurrency: int,
             no_worker: bool, lease_s: float | None, stalled_after: float | None,
             resume_every_s: float | None) -> None:
    """Run the scheduled flows deployed (by `weavz-flow apply`) in the store until interrupted.

    PATH (else the project around the current directory) picks the store and backend; without a project, give
    --database-url. New, changed and removed schedules are picked up on the next tick, without a restart. On SQLite
    the fires run in this process. On PostgreSQL they go through a task queue in the database, which this process
    serves too unless --no-worker; any number of schedulers and workers may share one database. Ctrl-C (or SIGTERM)
    lets running fires finish; a second one stops at once. One log line per event on stderr."""
    catalog = load_catalog()
    session, project = open_session(path, database_url, catalog)
    try:
        flows = DeployedFlows(session.store, project.root if project is not None else None)
        warning = undeployed_warning(project, flows)
        if list_only:
            listed = flows.listed()
            click.echo(render_listing(listing_of(listed, datetime.now(UTC)), "No scheduled flows are deployed in "
                                      "this store (deploy them with `weavz-flow apply`)."), nl=False)
            click.echo(last_fire_lines(listed, ScheduleState(session.store)), nl=False)
            if warning:
                click.echo(warning, err=True)
            return
        configure_logging()
        configure_queue_logging()
        scheduler = build_scheduler(flows, session, concurrency, worker=not no_worker, stalled_after=stalled_after,
                                    lease=timedelta(seconds=lease_s) if lease_s is not None else DEFAULT_LEASE)
        # Runs waiting for approval go on once decided (see schedule.resumer), from every scheduler and worker.
        resumer = Resumer(session.records, session.backend, project.root if project is not None else None,
                          every=timedelta(seconds=resume_every_s) if resume_every_s else DEFAULT_RESUME_EVERY)
        click.echo(f"Schedules from {flows.describe()}; read again on every tick.", err=True)
        if warning:
            click.echo(warning, err=True)
        if once:
            try:
                report = scheduler.tick()
                drain = getattr(scheduler.dispatcher, "drain", None)  # in process, or the queue with a worker here
                if drain is not None:
                    drain()
                resumer.check()
            finally:
                scheduler.dispatcher.close()
            click.echo(once_lines(report, scheduler.state), nl=False)
            return
        thread = ResumerThread(resumer).start()
        try:
            run_until_signalled(scheduler)
        finally:
            thread.stop()
    finally:
        session.close()


def run_until_signalled(scheduler: Scheduler) -> None:
    """Tick until SIGINT or SIGTERM; then let running fires finish (a second signal leaves at once)."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        click.echo("Stopping: waiting for running fires to finish (again to leave at once).", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(f"Scheduler running ({scheduler.state.store!r}); Ctrl-C to stop.", err=True)
        scheduler.run_forever(stop)
        scheduler.dispatcher.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
