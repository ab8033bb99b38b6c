"""The run records of a project, read from where its runs are written: what ``weavz-flow runs`` lists and shows.

Runs, scheduled or started by hand, are recorded in the store (:mod:`weavz_flow.schedule.session`): with a PostgreSQL
store every machine's runs are listed together. The project's ``runs.db`` of earlier versions is imported into it.

The store is found as a scheduler finds it: an explicit ``database_url``, else the project's
``backend.database_url`` (a local backend), else ``WEAVZ_FLOW_DATABASE_URL``, else the project's SQLite store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import sqlalchemy as sa

from weavz_flow.backends.remote import API_URL_ENV
from weavz_flow.backends.stores import STATE_DB_FILE, open_store
from weavz_flow.config.model.project_file import RemoteBackend as RemoteBackendConfig
from weavz_flow.config.project import Project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.session import state_dir
from weavz_flow.runner.records import RunNotFoundError, RunRecord, RunRecords
from weavz_flow.schedule.log_text import one_line


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
    """Read-only view over one or more :class:`RunRecords`, newest first (the project's history is one: its store)."""

    def __init__(self, sources: list[RunRecords]) -> None:
        self.sources = sources

    def recent(self, *, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The newest ``limit`` runs of all sources, newest first (a run id found in two sources is listed once)."""
        found: dict[str, RunRecord] = {}
        for source in self.sources:
            for run in source.recent(flow=flow, limit=limit):
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
    """The runs of ``project``, from where its scheduler records them (the store, brought to the current schema, with
    the project's old runs.db imported)."""
    url = state_database(project, database_url, environ)
    where = repr(sa.make_url(url).render_as_string(hide_password=True)) if url and "://" in url else "the store"
    password = sa.make_url(url).password if url and "://" in url else None
    try:
        store = open_store(url, default_path=state_dir(project) / STATE_DB_FILE)
        try:
            return RunHistory([RunRecords.for_store(store, project.root, own_store=True)])
        except BaseException:
            store.close()
            raise
    except sa.exc.SQLAlchemyError as exc:  # the database is unreachable or refuses us: say where, without secrets
        raise WeavzFlowError(f"cannot read the run records in {where}: "
                             f"{one_line(exc, (password,))}") from None
