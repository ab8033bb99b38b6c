"""The run records of a project, read from where its runs are written: what ``weavz-flow runs`` lists and shows.

Scheduled runs go where :mod:`weavz_flow.schedule.session` puts them: with a PostgreSQL store, that store's database
(and schema), so that every machine's runs are listed together; with SQLite, the project's ``runs.db``. A run started
by hand (``weavz-flow run``) is recorded in the project's ``runs.db``. The history reads both when they differ, newest
first, so a user sees the scheduled runs and their own side by side.

The store is found as a scheduler finds it: an explicit ``database_url``, else the project's
``backend.database_url`` (a local backend), else ``WEAVZ_FLOW_DATABASE_URL``, else the project's SQLite store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa

from weavz_flow.backends.local import STATE_DB_FILE
from weavz_flow.backends.remote import API_URL_ENV
from weavz_flow.config.model.project_file import RemoteBackend as RemoteBackendConfig
from weavz_flow.config.project import Project
from weavz_flow.engine.store import Store
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.session import state_dir
from weavz_flow.runner.records import RUNS_DB_FILE, RunNotFoundError, RunRecord, RunRecords
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.session import run_records_for


def state_database(project: Project, database_url: str | None = None,
                   environ: Mapping[str, str] | None = None) -> str | None:
    """The database a scheduler of ``project`` keeps its state in, as :func:`open_schedule_session` opens it (None:
    ``WEAVZ_FLOW_DATABASE_URL``, else the project's SQLite store)."""
    if database_url is not None:
        return database_url
    env = os.environ if environ is None else environ
    settings = project.settings.backend
    if env.get(API_URL_ENV) or isinstance(settings, RemoteBackendConfig):
        return None  # a remote backend: the schedule state stays in the local store
    return getattr(settings, "database_url", None)


class RunHistory:
    """Read-only view over one or two :class:`RunRecords` (the scheduler's, then the project's runs.db)."""

    def __init__(self, sources: list[RunRecords]) -> None:
        self.sources = sources

    def list(self, *, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The newest ``limit`` runs of all sources, newest first (a run id found in two sources is listed once)."""
        found: dict[str, RunRecord] = {}
        for source in self.sources:
            for run in source.list(flow=flow, limit=limit):
                found.setdefault(run.id, run)
        return sorted(found.values(), key=lambda r: r.started_at, reverse=True)[:limit]

    def get(self, run_id: str) -> RunRecord:
        """A run by its id or a unique prefix of it, across the sources."""
        matches: dict[str, RunRecord] = {}
        not_found: RunNotFoundError | None = None
        for source in self.sources:
            try:
                run = source.get(run_id)
            except RunNotFoundError as exc:
                if "several" in exc.format_message():
                    raise
                not_found = exc
                continue
            matches.setdefault(run.id, run)
        if len(matches) > 1:
            raise RunNotFoundError(f"'{run_id}' matches several runs; give more of the id")
        if matches:
            return next(iter(matches.values()))
        assert not_found is not None
        raise not_found

    def close(self) -> None:
        for source in self.sources:
            source.close()


def open_run_history(project: Project, *, database_url: str | None = None,
                     environ: Mapping[str, str] | None = None) -> RunHistory:
    """The runs of ``project``: where its scheduler records them, plus its ``runs.db`` if that is elsewhere and
    exists (nothing is created for a read beyond the tables of a store the scheduler would use anyway)."""
    store = Store.open(state_database(project, database_url, environ),
                       default_path=state_dir(project) / STATE_DB_FILE, upgrade=False)
    try:
        primary = run_records_for(project, store)
    except sa.exc.SQLAlchemyError as exc:  # the database is unreachable or refuses us: say where, without secrets
        raise WeavzFlowError(f"cannot read the run records in {store!r}: "
                             f"{one_line(exc, (store.url.password,))}") from None
    finally:
        store.close()
    sources = [primary]
    runs_db: Path = state_dir(project) / RUNS_DB_FILE
    if store.dialect != "sqlite" and runs_db.exists():
        try:
            sources.append(RunRecords.for_project(project.root))
        except BaseException:
            primary.close()
            raise
    return RunHistory(sources)
