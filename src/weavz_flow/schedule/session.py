"""What a scheduler process opens: the backend that runs flows, the store that holds schedule state, the run records.

Where the state lives: the project's backend store. An explicit ``database_url`` wins (the local engine then runs on
that database too), else the project file's ``backend.database_url``, else ``WEAVZ_FLOW_DATABASE_URL``, else the
project's own SQLite store (``<project>/.weavz-flow/state.db``), exactly as ``plan`` and ``run`` find it. A project on a
remote backend runs its flows over HTTP and keeps its schedule state in that same local store (or the given URL).

Run records: in that same store (on PostgreSQL, the runs made by every machine sharing it are listed together), with
the runs of an earlier version's ``.weavz-flow/runs.db`` imported into it.

Without a project (``weavz-flow worker --database-url URL`` in any directory; ``schedule`` likewise): the store is the
given URL, else ``WEAVZ_FLOW_DATABASE_URL``; flows run on a remote API when ``WEAVZ_API_URL`` (with
``WEAVZ_API_KEY``) is set, else on the store's own local engine, whose credentials need ``WEAVZ_FLOW_SECRET_KEY``
(on SQLite, the ``secret.key`` beside the database file also serves). Run records are in the store; an old
``.weavz-flow/runs.db`` beside a SQLite store's file is imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import API_KEY_ENV, API_URL_ENV, RemoteBackend
from weavz_flow.backends.stores import DATABASE_URL_ENV, SECRET_KEY_ENV, Store, backend_store, open_store, state_store
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.model.project_file import RemoteBackend as RemoteBackendConfig
from weavz_flow.config.project import Project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.integrations.registry import load_full_catalog
from weavz_flow.plan.session import open_backend, project_size_limits, state_dir
from weavz_flow.runner.records import RunRecords
from weavz_flow.sensitive import Sensitive


@dataclass
class ScheduleSession:
    backend: Backend
    store: Store  # the schedule state's store (the local backend's own store when the backend is local)
    records: RunRecords

    def close(self) -> None:
        self.records.close()
        if backend_store(self.backend) is not self.store:
            self.store.close()
        self.backend.close()


def open_schedule_session(project: Project, *, database_url: str | None = None,
                          environ: Mapping[str, str] | None = None, catalog: Catalog | None = None) -> ScheduleSession:
    """``catalog``: the one the caller already loaded (to validate the project), else loaded when first needed."""
    remote = isinstance(project.settings.backend, RemoteBackendConfig)
    if database_url is not None and not remote:
        backend: Backend = LocalBackend(state_dir(project), database_url, catalog=catalog,
                                        size_limits=project_size_limits(project))
    else:
        backend = open_backend(project, environ=environ, catalog=catalog)
    try:
        store = state_store(backend, state_dir(project), database_url)
        try:
            records = run_records_for(project, store)
        except BaseException:
            if backend_store(backend) is not store:
                store.close()
            raise
    except BaseException:
        backend.close()
        raise
    return ScheduleSession(backend, store, records)


def run_records_for(project: Project, store: Store) -> RunRecords:
    """The run records in ``store`` (left open), with those of the project's old runs.db imported."""
    return RunRecords.for_store(store, project.root)


def open_store_session(database_url: str | None, *, environ: Mapping[str, str] | None = None,
                       catalog: Catalog | None = None) -> ScheduleSession:
    """A session on a store alone, with no project (see the module docstring)."""
    env = os.environ if environ is None else environ
    url = database_url or env.get(DATABASE_URL_ENV) or None
    if url is None:
        raise WeavzFlowError(f"no store: give --database-url (or set {DATABASE_URL_ENV}) or run inside a project")
    store = open_store(url)
    try:
        here = store.sqlite_path.parent if store.sqlite_path is not None else Path.cwd()
        backend = _store_backend(store, env, catalog)
        try:
            records = RunRecords.for_store(store, here)
        except BaseException:
            backend.close()
            raise
    except BaseException:
        store.close()
        raise
    return ScheduleSession(backend, store, records)


def _store_backend(store: Store, env: Mapping[str, str], catalog: Catalog | None) -> Backend:
    api_url = env.get(API_URL_ENV) or None
    if api_url is not None:
        key = env.get(API_KEY_ENV)
        if not key:
            raise WeavzFlowError(f"{API_KEY_ENV} is not set; the remote backend at {api_url} needs an API key")
        return RemoteBackend(api_url, Sensitive(key), catalog=catalog if catalog is not None else load_full_catalog)
    if store.sqlite_path is None and not env.get(SECRET_KEY_ENV):
        raise WeavzFlowError(f"{SECRET_KEY_ENV} is not set: without a project, the store's engine needs the key its "
                             "credentials were encrypted with")
    state = store.sqlite_path.parent if store.sqlite_path is not None else Path.cwd() / ".weavz-flow"
    return LocalBackend(state, store=store, catalog=catalog)
