"""Fires dispatched through procrastinate, the PostgreSQL task queue, when the store is PostgreSQL.

The store's database already is the coordination point of a scale-out deployment, so the queue lives in it too (in
the store's schema): no extra broker. Each fire becomes one job of the task :data:`RUN_FIRE_TASK`:

- deferred with ``queueing_lock=fire.key``, so a fire delivered twice while its job still waits is queued once
  (procrastinate raises ``AlreadyEnqueued``, which is the answer we wanted);
- with ``lock=<schedule>`` for overlap ``queue``, so procrastinate starts a schedule's fires one at a time, in order.

Exactly-once does not rest on the queue: a job that runs twice (a redelivery after its first copy had started, a job
retried after its worker died) reaches the fire runner, whose atomic claim lets one of them run the fire. The worker
side (a thread running procrastinate's worker) is in :mod:`weavz_flow.schedule.queue_worker`.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any, Protocol

import procrastinate
import psycopg
from procrastinate import exceptions as pq_errors
from procrastinate.schema import SchemaManager
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from weavz_flow.backends.stores import Store
from weavz_flow.config.model.flow import Overlap
from weavz_flow.errors import WeavzFlowError
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Fire, FireStatus

RUN_FIRE_TASK = "weavz_flow.run_fire"
HANDLER_CONTEXT_KEY = "weavz_flow.fire_handler"  # where a worker puts its fire handler in the job context
_SCHEMA_LOCK = "weavz_flow.procrastinate:"
# How soon a fire left PENDING by a worker without its schedule is looked at again (by whichever worker is free).
LOOK_AGAIN_PENDING = timedelta(seconds=10)


class FireHandler(Protocol):
    """What a queue worker hands each job to: a :class:`~weavz_flow.schedule.fire_runner.FireRunner`."""

    lease: timedelta  # how long a worker's claim on a fire lasts without renewal

    def run(self, fire: Fire, overlap: Overlap) -> FireStatus:
        """Run the fire if this call claims it; its status afterwards (RUNNING: another worker holds it; PENDING: this
        worker's project lacks the fire's schedule and leaves it to another)."""
        ...


def run_fire(context: procrastinate.JobContext, schedule: str, fire_at: str, overlap: str,
             event: str | None = None) -> str:
    """The task body: hand the fire to this worker's handler. Runs in one of the worker's threads. ``event``: the
    fire of an event (jobs deferred before events were fires have none)."""
    handler: FireHandler = (context.additional_context or {})[HANDLER_CONTEXT_KEY]
    fire = Fire(schedule, datetime.fromisoformat(fire_at), event)
    status = handler.run(fire, Overlap(overlap))
    if status in (FireStatus.RUNNING, FireStatus.PENDING):
        # RUNNING: another worker holds the fire under a lease. If it is alive it finishes the fire and the later look
        # finds nothing to do; if it died, its lease has expired by then and the later look takes the fire over.
        # PENDING: this worker's project lacks the fire's schedule (another version, mid-deploy); the later look may
        # reach a worker that has it, or find the fire stale and abandon it.
        # A new job rather than a retry of this one: a retry would collide with a copy of the fire already waiting
        # under the same queueing lock (and then that copy does the looking).
        later = handler.lease if status is FireStatus.RUNNING else min(handler.lease, LOOK_AGAIN_PENDING)
        with contextlib.suppress(pq_errors.AlreadyEnqueued):
            _deferrer(context.app, fire, Overlap(overlap), schedule_in=later).defer(
                **job_arguments(fire, Overlap(overlap)))
    return status.value


def _deferrer(app: procrastinate.App, fire: Fire, overlap: Overlap, *,
              schedule_in: timedelta | None = None) -> procrastinate.jobs.JobDeferrer:
    return app.configure_task(
        RUN_FIRE_TASK,
        queueing_lock=fire.key,
        lock=fire.schedule if overlap is Overlap.QUEUE else None,
        schedule_in={"seconds": schedule_in.total_seconds()} if schedule_in is not None else None,
    )


def job_arguments(fire: Fire, overlap: Overlap) -> dict[str, str]:
    arguments = {"schedule": fire.schedule, "fire_at": fire.fire_at.isoformat(), "overlap": overlap.value}
    if fire.event is not None:
        arguments["event"] = fire.event
    return arguments


# -- connection ---------------------------------------------------------------------------------------------------


def store_conninfo(store: Store) -> str:
    """The libpq conninfo of a PostgreSQL store, with the store's schema first on the search path so that the queue's
    tables live beside the store's own (a ``search_path`` already in the URL's ``options`` is kept when the store
    names no schema)."""
    if store.dialect != "postgresql":
        raise WeavzFlowError("the task queue needs a PostgreSQL store; SQLite runs fires in process")
    uri = store.url.set(drivername="postgresql").render_as_string(hide_password=False)
    params: dict[str, Any] = conninfo_to_dict(uri)
    if store.schema is not None:
        params["options"] = f"{params.get('options') or ''} -c search_path={_option_value(store.schema)}".strip()
    return make_conninfo(**params)


def _option_value(schema: str) -> str:
    # A quoted identifier, then libpq's escaping for one word of the options string (backslash before space/backslash).
    quoted = '"' + schema.replace('"', '""') + '"'
    return quoted.replace("\\", "\\\\").replace(" ", "\\ ")


def make_app(conninfo: str, *, min_size: int = 1, max_size: int = 4) -> procrastinate.App:
    """A procrastinate app on ``conninfo`` with the fire task registered. Open it with ``open()`` to defer from sync
    code, or with ``open_async()`` in a worker's event loop."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo, min_size=min_size, max_size=max_size)
    app = procrastinate.App(connector=connector)
    app.task(name=RUN_FIRE_TASK, pass_context=True)(run_fire)
    return app


def ensure_queue_schema(conninfo: str) -> bool:
    """Create procrastinate's tables in the connection's current schema unless they are there; True when created.

    Several processes starting on a new database at once take turns on an advisory lock (per schema) and re-check,
    so exactly one of them creates the tables. An existing schema from an older procrastinate is left alone: upgrade
    it with procrastinate's own migrations.
    """
    try:
        with psycopg.connect(conninfo) as conn:
            if _queue_tables_exist(conn):
                return False
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s || current_schema()))", (_SCHEMA_LOCK,))
            if _queue_tables_exist(conn):
                return False  # another process created them while we waited for the lock
            conn.execute(SchemaManager.get_schema())
            return True
    except psycopg.Error as exc:
        raise WeavzFlowError(f"cannot prepare the task queue in PostgreSQL: {one_line(exc)}") from None


def _queue_tables_exist(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT current_schema() IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'procrastinate_jobs')").fetchone()
    if row is None or row[0] is None:
        raise WeavzFlowError("the task queue's schema does not exist: create it or fix the database URL's search_path")
    return bool(row[0])


# -- dispatch -----------------------------------------------------------------------------------------------------


class ProcrastinateDispatcher:
    """Hands fires to the queue from synchronous code (the scheduler's thread); any process's worker runs them."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        ensure_queue_schema(conninfo)
        self.app = make_app(conninfo, min_size=1, max_size=2)
        try:
            self.app.open()
        except pq_errors.ConnectorException as exc:
            raise WeavzFlowError(f"cannot reach the task queue in PostgreSQL: {one_line(exc)}") from None

    @classmethod
    def for_store(cls, store: Store) -> ProcrastinateDispatcher:
        return cls(store_conninfo(store))

    def submit(self, fire: Fire, overlap: Overlap) -> bool:
        """Queue a job for ``fire``; False when one is queued already (the queueing lock: a job waiting, not started),
        so this delivery is that same one and nothing changed."""
        try:
            _deferrer(self.app, fire, overlap).defer(**job_arguments(fire, overlap))
        except pq_errors.AlreadyEnqueued:
            return False
        return True

    def close(self) -> None:
        self.app.close()
