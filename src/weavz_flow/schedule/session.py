"""What a scheduler process opens: the backend that runs flows, the store that holds schedule state, the run records.

Where the state lives: the project's backend store. An explicit ``database_url`` wins (the local engine then runs on
that database too), else the project file's ``backend.database_url``, else ``WEAVZ_FLOW_DATABASE_URL``, else the
project's own SQLite store (``<project>/.weavz-flow/state.db``), exactly as ``plan`` and ``run`` find it. A project on a
remote backend runs its flows over HTTP and keeps its schedule state in that same local store (or the given URL).

Run records: the project's ``runs.db`` on SQLite; on PostgreSQL, the same database and schema as the store, so the
runs made by every machine sharing it are listed together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from weavz_flow.backends.local import STATE_DB_FILE, LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.model.project_file import RemoteBackend as RemoteBackendConfig
from weavz_flow.config.project import Project
from weavz_flow.engine.store import Store
from weavz_flow.plan.session import open_backend, project_size_limits, state_dir
from weavz_flow.runner import RunRecords


@dataclass
class ScheduleSession:
    backend: Backend
    store: Store  # the schedule state's store (the local backend's own store when the backend is local)
    records: RunRecords

    def close(self) -> None:
        self.records.close()
        if not (isinstance(self.backend, LocalBackend) and self.backend.store is self.store):
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
        if isinstance(backend, LocalBackend):
            store = backend.store
        else:
            store = Store.open(database_url, default_path=state_dir(project) / STATE_DB_FILE)
        records = run_records_for(project, store)
    except BaseException:
        backend.close()
        raise
    return ScheduleSession(backend, store, records)


def run_records_for(project: Project, store: Store) -> RunRecords:
    """The run records that go with ``store``: its own PostgreSQL database and schema, else the project's runs.db."""
    return RunRecords.for_store(store, project.root)
