"""The store: created on first use, migrated on open (also from an older revision), SQLite settings in force."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.engine.engine_fixtures import BACKENDS, open_store
from weavz_flow.engine import migrate
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.config_cache import current_config_version
from weavz_flow.engine.services.executions import ExecutionLog
from weavz_flow.engine.store import Store


def test_a_new_store_is_at_the_newest_revision(store: Store) -> None:
    assert store.revision() == migrate.head_revision()


def test_migrations_create_exactly_the_tables_and_columns_the_code_uses(store: Store) -> None:
    inspector = sa.inspect(store.engine)
    names = set(inspector.get_table_names(schema=store.schema)) - {"alembic_version"}
    assert names == set(t.metadata.tables)
    for table in t.metadata.sorted_tables:
        live = {c["name"]: c for c in inspector.get_columns(table.name, schema=store.schema)}
        assert set(live) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert live[column.name]["nullable"] == column.nullable, f"{table.name}.{column.name}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_made_at_the_first_revision_opens_and_upgrades_keeping_its_data(backend: str, tmp_path: Path) -> None:
    with open_store(backend, tmp_path, upgrade=False) as old:
        migrate.upgrade(old.engine, "0001")
        assert old.revision() == "0001"
        assert "executions" not in sa.inspect(old.engine).get_table_names(schema=old.schema)
        with old.write() as conn:
            conn.execute(sa.insert(t.organizations).values(id="o1", name="Old", created_at="x", updated_at="x"))
        # Opening it again, as the next release would, upgrades it in place.
        reopened = Store(old.url.render_as_string(hide_password=False), schema=old.schema)
        try:
            assert reopened.revision() == migrate.head_revision()
            with reopened.read() as conn:
                assert conn.execute(sa.select(t.organizations.c.name)).scalars().all() == ["Old"]
                assert conn.execute(sa.select(sa.func.count()).select_from(t.executions)).scalar_one() == 0
        finally:
            reopened.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_execution_records_from_before_applied_partials_read_back_without_them(backend: str, tmp_path: Path) -> None:
    with open_store(backend, tmp_path, upgrade=False) as old:
        migrate.upgrade(old.engine, "0004")
        row = {"id": "e1", "org_id": "o1", "workspace_id": "w1", "integration_name": "slack",
               "action_name": "send_channel_message", "partial_ids": ["p1"], "enforced_keys": ["channel"],
               "status": "success", "duration_ms": 1.0, "output_truncated": False, "created_at": "x"}
        with old.write() as conn:
            conn.execute(sa.insert(t.executions).values(row))  # names only the columns of revision 0004
        reopened = Store(old.url.render_as_string(hide_password=False), schema=old.schema)
        try:
            assert reopened.revision() == migrate.head_revision()
            record = ExecutionLog(reopened, background=False).get(Caller.system("o1"), "e1")
            assert record.partial_ids == ["p1"] and record.applied_partials is None
        finally:
            reopened.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_stores_opening_a_new_database_at_once_migrate_it_once(backend: str, tmp_path: Path) -> None:
    # Processes in production (serve workers); threads here, each with its own store and connection pool.
    with open_store(backend, tmp_path, upgrade=False) as fresh:
        url, schema = fresh.url.render_as_string(hide_password=False), fresh.schema
        start = threading.Barrier(4)
        errors: list[BaseException] = []
        opened: list[Store] = []

        def open_one() -> None:
            start.wait()
            try:
                opened.append(Store(url, schema=schema))
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=open_one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for store in opened:
            store.close()
        assert errors == []
        assert fresh.revision() == migrate.head_revision()
        with fresh.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(t.config_version)).scalar_one() == 1


def test_a_sqlite_store_waits_for_another_process_switching_a_new_file_to_wal(tmp_path: Path) -> None:
    # The race behind "database is locked" when processes open a new file at once: while one connection holds the
    # write lock of a file still in rollback-journal mode, SQLite refuses another's switch to WAL at once, without
    # its busy handler. The store must wait for the lock instead of failing.
    path = tmp_path / "state.db"
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("CREATE TABLE other_process_was_here (x)")  # a file with content (an empty one needs no lock)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO other_process_was_here VALUES (1)")
        errors: list[BaseException] = []
        opened: list[Store] = []

        def open_one() -> None:
            try:
                opened.append(Store.sqlite(path))
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        thread = threading.Thread(target=open_one)
        thread.start()
        thread.join(0.5)  # time to run into the held lock; the outcome does not depend on it
        other.execute("COMMIT")
        thread.join()
    finally:
        other.close()
    assert errors == []
    [store] = opened
    try:
        assert store.revision() == migrate.head_revision()
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()


def test_sqlite_store_is_created_on_first_use_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "state.db"
    store = Store.open(default_path=path)
    try:
        assert path.exists()
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        store.close()


def test_open_prefers_an_explicit_database_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_db = tmp_path / "from-env.db"
    monkeypatch.setenv("WEAVZ_FLOW_DATABASE_URL", f"sqlite:///{env_db}")
    store = Store.open(default_path=tmp_path / "default.db")
    store.close()
    assert env_db.exists() and not (tmp_path / "default.db").exists()
    explicit = Store.open(tmp_path / "explicit.db", default_path=tmp_path / "default.db")
    explicit.close()
    assert (tmp_path / "explicit.db").exists()


def test_repr_hides_a_database_password() -> None:
    store = Store.__new__(Store)
    store.url = sa.engine.make_url("postgresql+psycopg://user:hunter2-secret@127.0.0.1/db")
    assert "hunter2-secret" not in repr(store)


def test_the_per_call_version_probe_survives_a_dropped_connection(store: Store) -> None:
    before = current_config_version(store)
    if store.dialect == "postgresql":  # the server drops the probe's pooled connection (a restart, a proxy timeout)
        pid = store.scalar("SELECT pg_backend_pid()")
        with store.write() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    assert current_config_version(store) == before


def test_a_lone_row_read_survives_a_dropped_connection(store: Store) -> None:
    version = sa.select(t.config_version.c.version).where(t.config_version.c.id == 1)
    before = store.first(version)
    if store.dialect == "postgresql":  # as above, for the connection Store.first last used
        pid = store.first(sa.select(sa.func.pg_backend_pid()))[0]
        with store.write() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    assert store.first(version) == before
