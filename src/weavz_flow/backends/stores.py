"""The storage port: the store that keeps run records and schedule state, as the runner, the scheduler and the CLI
reach it (never through the engine's modules themselves).

A local backend keeps them in its own store, so a PostgreSQL store's runs are listed from every machine sharing it. A
remote backend has no run or schedule API on hosted Weavz: its runs and schedule state stay in a local store (the
project's ``.weavz-flow/state.db``, or the database named), as they always have.

Before the run tables were part of the store's migrations (revision 0007), a project kept its runs in a separate
``.weavz-flow/runs.db``: :func:`run_store` imports such a file into the store the first time it opens it.
"""

from __future__ import annotations

from pathlib import Path

from weavz_flow.backends.local import STATE_DB_FILE, LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.engine.credential_cipher import SECRET_KEY_ENV
from weavz_flow.engine.run_store import RunStore, aware, import_runs_db
from weavz_flow.engine.store import DATABASE_URL_ENV, Store

__all__ = ["DATABASE_URL_ENV", "RUNS_DB_FILE", "SECRET_KEY_ENV", "STATE_DB_FILE", "RunStore", "Store", "aware",
           "backend_store", "open_store", "run_store", "state_store"]

RUNS_DB_FILE = "runs.db"  # where versions before revision 0007 kept a project's runs

open_store = Store.open


def backend_store(backend: Backend) -> Store | None:
    """The store ``backend`` keeps its own state in (the local engine's), or None (a remote backend)."""
    return backend.store if isinstance(backend, LocalBackend) else None


def state_store(backend: Backend, state_dir: Path, database: str | None = None) -> Store:
    """Where ``backend``'s runs and schedule state live: the local engine's own store, else a local one (``database``,
    else ``WEAVZ_FLOW_DATABASE_URL``, else ``state_dir``'s state.db). Close it only if it is not the backend's."""
    own = backend_store(backend)
    return own if own is not None else Store.open(database, default_path=state_dir / STATE_DB_FILE)


def run_store(store: Store, state_dir: Path | None = None) -> RunStore:
    """The run records in ``store``, with those of an earlier version's ``runs.db`` in ``state_dir`` imported."""
    if state_dir is not None:
        import_runs_db(store, state_dir / RUNS_DB_FILE)
    return RunStore(store)
