"""The store: one SQLAlchemy engine over a SQLite file (the default) or PostgreSQL, with its schema kept current.

SQLite runs in WAL mode with a busy timeout and foreign keys on; the switch to WAL is retried within that timeout,
since SQLite refuses it at once, without waiting, when several processes open a new file together. Python's sqlite3
module would open transactions on its own schedule; we take that over so that a write transaction starts with
``BEGIN IMMEDIATE``. A read-then-write transaction (an atomic list update, an idempotency claim) then holds the write
lock from its first statement instead of failing when two writers try to upgrade their read locks at once.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from weavz_flow.engine import migrate

DATABASE_URL_ENV = "WEAVZ_FLOW_DATABASE_URL"

_IMMEDIATE = "weavz_flow_immediate"
_BUSY_TIMEOUT_MS = 30_000


class Store:
    """Owns the database engine. Services borrow connections through :meth:`read` and :meth:`write`."""

    def __init__(self, url: str, *, schema: str | None = None, upgrade: bool = True) -> None:
        parsed = make_url(url)
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        self.schema = schema
        self.sqlite_path: Path | None = None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(parsed)
            self.sqlite_path = Path(parsed.database) if parsed.database else None
        elif self.dialect == "postgresql":
            self.engine = _postgres_engine(parsed, schema)
        else:
            raise ValueError(f"unsupported database '{self.dialect}': use a SQLite file or postgresql+psycopg://")
        # Where :meth:`scalar` runs: on PostgreSQL a small autocommit pool of its own, on SQLite (in process, nothing
        # to ping, no round trip to save) the main engine.
        self._probe = self.engine
        if self.dialect == "postgresql":
            self._probe = _postgres_engine(parsed, schema, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                                           pool_size=2)
        if upgrade:
            migrate.upgrade(self.engine, write=self.write)

    # -- constructors ---------------------------------------------------------------------------------------------

    @classmethod
    def sqlite(cls, path: str | Path, **kw: Any) -> Store:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path}", **kw)

    @classmethod
    def open(cls, database: str | Path | None = None, *, default_path: Path | None = None, **kw: Any) -> Store:
        """A URL or a SQLite path if given, else ``WEAVZ_FLOW_DATABASE_URL``, else a SQLite file at ``default_path``."""
        if database is None:
            database = os.environ.get(DATABASE_URL_ENV) or None
        if database is None:
            if default_path is None:
                raise ValueError(f"no database: pass one, set {DATABASE_URL_ENV}, or give a default path")
            return cls.sqlite(default_path, **kw)
        text = str(database)
        if "://" in text:
            if text.startswith("postgresql://"):  # the plain scheme would pick psycopg2; we ship psycopg 3
                text = "postgresql+psycopg://" + text.removeprefix("postgresql://")
            return cls(text, **kw)
        return cls.sqlite(text, **kw)

    # -- transactions ---------------------------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A transaction that takes the write lock up front on SQLite (PostgreSQL locks rows as it goes)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                yield conn

    def scalar(self, sql: str) -> Any:
        """The first column of the first row of one read-only statement, outside any transaction.

        For the per-call checks on the hot path (the config version): a lone statement is atomic by itself, so it
        runs in autocommit on the driver's connection: one round trip, no BEGIN/COMMIT, no pre-ping (a connection
        found dead is replaced and the statement retried once instead).
        """
        for attempt in (1, 2):
            raw = self._probe.raw_connection()
            try:
                cursor = raw.cursor()
                try:
                    cursor.execute(sql)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                return row[0] if row is not None else None
            except self._probe.dialect.loaded_dbapi.OperationalError:
                raw.invalidate()
                if attempt == 2:
                    raise
            finally:
                raw.close()
        raise AssertionError("unreachable")

    def revision(self) -> str | None:
        return migrate.current_revision(self.engine)

    def close(self) -> None:
        if self._probe is not self.engine:
            self._probe.dispose()
        self.engine.dispose()

    def __repr__(self) -> str:
        # The URL may carry a password; render_as_string hides it.
        return f"Store({self.url.render_as_string(hide_password=True)!r})"


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see the module docstring)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode except for the last commits on power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "BEGIN")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch the database to WAL, retrying while another connection does the same to a new file.

    The switch is a write that needs the exclusive lock. When several processes open a new (rollback-journal) file at
    once, each statement first takes a shared lock; one then takes the reserved lock to write, and the others, which
    hold shared locks and want it too, get SQLITE_BUSY at once: SQLite skips the busy handler there, since waiting
    could deadlock (the writer waits for their shared locks to go). Our statement holds no lock after failing, so
    trying again once the first switch has committed is safe; by then the file is in WAL and the pragma only reads.
    The busy timeout still bounds the whole wait.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _postgres_engine(url: sa.URL, schema: str | None, **kw: Any) -> sa.Engine:
    kw.setdefault("pool_pre_ping", True)
    engine = sa.create_engine(url, **kw)
    if schema is not None:
        use_schema(engine, schema)
    return engine


def use_schema(engine: sa.Engine, schema: str) -> None:
    """Every new connection of ``engine`` works in ``schema`` (the store's own, or tables kept beside it)."""
    quoted = '"' + schema.replace('"', '""') + '"'

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET search_path TO {quoted}")
        dbapi_conn.commit()
