"""The store: one SQLAlchemy engine over a SQLite file (the default) or PostgreSQL, with its schema kept current.

SQLite runs in WAL mode with a busy timeout and foreign keys on; the switch to WAL is retried within that timeout,
since SQLite refuses it at once, without waiting, when several processes open a new file together. Python's sqlite3
module would open transactions on its own schedule; we take that over so that a write transaction starts with
``BEGIN IMMEDIATE``. A read-then-write transaction (an atomic list update, an idempotency claim) then holds the write
lock from its first statement instead of failing when two writers try to upgrade their read locks at once.

A **unit of work** (:meth:`Store.unit_of_work`, one per API request) makes the writes of a request commit together
and only when the request succeeds: inside one, every :meth:`Store.write` joins a single transaction (each block a
savepoint, so a block that raises undoes only itself) that is opened at the first write, and :meth:`Store.read` after
that reads through it. The owner commits it or rolls it back once it knows the outcome. The execute pipeline opts out
(:meth:`Store.own_transactions`): its writes (an idempotency claim, an action's state, the execution record) commit
as they happen, since no write lock may be held across a provider call and a record must tell what ran.

Connections. Each pool keeps as many connections as a server has threads to use them (:data:`POOL_SIZE`), so that a
busy server reuses them instead of opening and closing one per request (a PostgreSQL connection is a process on the
server). A pooled PostgreSQL connection is pinged before use only when it has been idle for a while
(:data:`PING_AFTER_IDLE_S`): a busy one was just used, and a ping per checkout was a round trip per transaction.
On SQLite, the writers of one process take their turns on a lock of the process before asking SQLite for the file's
write lock: SQLite's own wait (the busy handler) sleeps in steps of up to 100 ms, which under many threads gave long
tails; writers in other processes still wait in the busy handler.

JSON values that an older version stored with lone surrogates in them (which no current version accepts) are read
back with each one replaced by U+FFFD, so that such a row can still be listed, shown, corrected and deleted.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.sql.compiler import SQLCompiler

from weavz_flow.engine import migrate
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.text_check import repair

DATABASE_URL_ENV = "WEAVZ_FLOW_DATABASE_URL"

_IMMEDIATE = "weavz_flow_immediate"
_BUSY_TIMEOUT_MS = 30_000
# Connections each pool keeps open: as many as the threads that serve requests at once (anyio's default limiter has
# 40 tokens); beyond it, overflow connections are opened and closed as needed.
POOL_SIZE = 40
_MAX_OVERFLOW = 20
PING_AFTER_IDLE_S = 10.0
# One writer lock per SQLite file in this process, shared by every Store on it.
_sqlite_writers: dict[str, threading.RLock] = {}
_sqlite_writers_lock = threading.Lock()
# How a surrogate shows in stored JSON (SQLAlchemy writes JSON with ASCII escapes); a valid pair is repaired to itself.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_ESCAPED_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


class UnitOfWork:
    """The writes of one request, in one transaction opened at the first write; see the module docstring."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._conn: sa.Connection | None = None
        self._tx: sa.RootTransaction | None = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def connection(self) -> sa.Connection:
        if self._conn is None:
            conn = self.store.engine.connect()
            conn.execution_options(**{_IMMEDIATE: True})
            try:
                self._tx = conn.begin()
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def commit(self) -> None:
        """Commit what was written (nothing to do if nothing was); the unit can be used again after."""
        if self._tx is not None:
            try:
                self._tx.commit()
            finally:
                self._close()

    def rollback(self) -> None:
        if self._tx is not None:
            try:
                self._tx.rollback()
            finally:
                self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._tx = None


_unit: ContextVar[UnitOfWork | None] = ContextVar("weavz_flow_unit_of_work", default=None)


class Store:
    """Owns the database engine. Services borrow connections through :meth:`read` and :meth:`write`."""

    def __init__(self, url: str, *, schema: str | None = None, upgrade: bool = True) -> None:
        parsed = make_url(url)
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        self.schema = schema
        self.sqlite_path: Path | None = None
        self._writer_lock: threading.RLock | None = None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(parsed)
            self.sqlite_path = Path(parsed.database) if parsed.database else None
            self._writer_lock = _sqlite_writer(parsed.database or ":memory:")
        elif self.dialect == "postgresql":
            self.engine = _postgres_engine(parsed, schema)
        else:
            raise ValueError(f"unsupported database '{self.dialect}': use a SQLite file or postgresql+psycopg://")
        # Where :meth:`scalar` runs: on PostgreSQL a small autocommit pool of its own, on SQLite (in process, nothing
        # to ping, no round trip to save) the main engine.
        self._probe = self.engine
        if self.dialect == "postgresql":
            self._probe = _postgres_engine(parsed, schema, isolation_level="AUTOCOMMIT", ping=False)
        self._compiled: dict[sa.ClauseElement, _Compiled] = {}  # write_one's statements, compiled for this dialect
        self._insert_many_sql: dict[sa.Table, str] = {}
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
        unit = self._unit()
        if unit is not None and unit.is_open:  # see what this request has written so far
            yield unit.connection()
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A transaction that takes the write lock up front on SQLite (PostgreSQL locks rows as it goes); inside a
        unit of work, a savepoint of the unit's transaction. A value the database refuses as too long or out of
        range for its column (PostgreSQL; SQLite keeps anything) is the caller's 400, not a 500."""
        unit = self._unit()
        try:
            if unit is not None:
                conn = unit.connection()
                with conn.begin_nested():
                    yield conn
                return
            with self._writer(), self.engine.connect() as conn:
                conn.execution_options(**{_IMMEDIATE: True})
                with conn.begin():
                    yield conn
        except sa.exc.DataError:
            # The values stay out of the message: one of them may be a secret.
            raise ApiError(ErrorCode.VALIDATION_ERROR, "A value is too long or out of range for the store") from None

    def write_one(self, statement: sa.Insert | sa.Update | sa.Delete, params: dict[str, Any]) -> int:
        """Run one write statement that is atomic by itself (an upsert), committed alone, and return its row count:
        one round trip instead of BEGIN, the statement and COMMIT. Inside a unit of work it joins the unit, as
        :meth:`write` does.

        For the execute hot path: outside a unit it runs on the driver's connection with SQLAlchemy's compilation
        and type processing of ``statement`` done once (see :class:`_Compiled`), since a SQLAlchemy connection and
        its events cost more than the statement itself. Pass a statement built once, with bound parameters."""
        unit = self._unit()
        try:
            if unit is not None:
                conn = unit.connection()
                with conn.begin_nested():
                    return conn.execute(statement, params).rowcount
            compiled = self._compiled.get(statement)
            if compiled is None:
                compiled = self._compiled.setdefault(statement, _Compiled(statement, self.engine.dialect))
            if self.dialect == "postgresql":
                return self._raw_write(self._probe, compiled, params)  # the AUTOCOMMIT pool
            with self._writer():  # the driver is in autocommit (isolation_level None): the statement commits alone
                return self._raw_write(self.engine, compiled, params)
        except sa.exc.DataError:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "A value is too long or out of range for the store") from None

    def _raw_write(self, engine: sa.Engine, compiled: _Compiled, params: dict[str, Any]) -> int:
        return self._raw_execute(engine, compiled.sql, compiled.parameters(params))

    def _raw_execute(self, engine: sa.Engine, sql: str, parameters: dict[str, Any] | tuple[Any, ...]) -> int:
        dbapi = engine.dialect.loaded_dbapi
        for attempt in (1, 2):
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                try:
                    cursor.execute(sql, parameters)
                    count = cursor.rowcount
                finally:
                    cursor.close()
                return int(count)
            except dbapi.OperationalError as exc:
                # A pooled connection found dead (PostgreSQL restarted): the statement did not run; once more on a
                # new one. SQLite's OperationalErrors (a lock wait that timed out) are not retried.
                raw.invalidate()
                if attempt == 2 or self.dialect != "postgresql":
                    raise _as_sqlalchemy(sql, exc, dbapi.Error) from exc
            except dbapi.Error as exc:
                # As SQLAlchemy raises them (IntegrityError, DataError, ...), so callers catch one family.
                raise _as_sqlalchemy(sql, exc, dbapi.Error) from exc
            finally:
                raw.close()
        raise AssertionError("unreachable")

    def insert_many(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` (each with every column of the same set) together: all or none.

        On PostgreSQL, outside a unit of work, as one statement with one parameter, the rows as a JSON array the
        server expands (``jsonb_populate_recordset``): psycopg's executemany adapts every value of every row in
        Python, 66-87 us a row of execution records against 20 us this way (the batch writer's whole cost). For
        tables of plain columns (text, numbers, booleans, JSON); a JSON column's None is stored as SQL NULL rather
        than JSON null, which reads back as the same None."""
        if self.dialect != "postgresql" or self._unit() is not None:
            with self.write() as conn:
                conn.execute(sa.insert(table), rows)
            return
        sql = self._insert_many_sql.get(table)
        if sql is None:
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            sql = (f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
                   f'FROM jsonb_populate_recordset(NULL::"{table.name}", %s::jsonb)')
            self._insert_many_sql[table] = sql
        try:
            self._raw_execute(self._probe, sql, (json.dumps(rows),))  # the AUTOCOMMIT pool: one statement, atomic
        except sa.exc.DataError:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "A value is too long or out of range for the store") from None

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Join the writes made in this context into one :class:`UnitOfWork`, which the caller commits; whatever it
        has not committed when the block ends is rolled back. Code that runs in a copy of the context (the worker
        threads a server runs sync routes in) joins too; a plain new thread does not."""
        unit = UnitOfWork(self)
        token = _unit.set(unit)
        try:
            yield unit
        finally:
            _unit.reset(token)
            unit.rollback()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """The writes of the block commit together: inside a unit of work they are part of it already (each
        :meth:`write` a savepoint); outside one, the block gets a unit of its own, committed when it ends without
        an exception. For a service whose one change spans other services' writes (a connect session completed
        with the connection it makes), which would otherwise each take a transaction, and the write lock, apart."""
        if self._unit() is not None:
            yield
            return
        with self.unit_of_work() as unit:
            yield
            unit.commit()

    @contextmanager
    def own_transactions(self) -> Iterator[None]:
        """Inside a unit of work: commit what it holds so far, then let each write in the block commit on its own."""
        unit = self._unit()
        if unit is None:
            yield
            return
        unit.commit()
        token = _unit.set(None)
        try:
            yield
        finally:
            _unit.reset(token)

    def _writer(self) -> threading.RLock | _NoLock:
        """This process's turn to write: the file's writer lock on SQLite, nothing on PostgreSQL."""
        return self._writer_lock if self._writer_lock is not None else _NO_LOCK

    def _unit(self) -> UnitOfWork | None:
        unit = _unit.get()
        return unit if unit is not None and unit.store is self else None

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

    def first(self, statement: sa.Executable, params: dict[str, Any] | None = None) -> Any:
        """The first row (or None) of one read-only statement, outside any transaction, as :meth:`scalar` runs:
        for the per-call checks that read a whole row (an MCP token and its server). Inside a unit of work that has
        written, it reads through the unit, like :meth:`read`."""
        unit = self._unit()
        if unit is not None and unit.is_open:
            return unit.connection().execute(statement, params).first()
        for attempt in (1, 2):
            try:
                with self._probe.connect() as conn:
                    return conn.execute(statement, params).first()
            except sa.exc.DBAPIError as exc:
                if not exc.connection_invalidated or attempt == 2:  # a dead pooled connection: once more on a new one
                    raise
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
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000},
                              json_deserializer=read_json, pool_size=POOL_SIZE, max_overflow=_MAX_OVERFLOW)

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


def _as_sqlalchemy(sql: str, exc: Exception, base: type[Exception]) -> sa.exc.StatementError:
    # The parameters stay out: a value may be a secret.
    return sa.exc.DBAPIError.instance(sql, None, exc, base, hide_parameters=True)


class _Compiled:
    """A statement as SQLAlchemy would send it to this dialect's driver: the SQL text, and how each parameter is
    processed (the JSON column's serializer, a type's bind cast) and ordered (SQLite's qmark style)."""

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self._binds = {name: (bind.key, bind.type.dialect_impl(dialect).bind_processor(dialect))
                       for name, bind in compiled.binds.items()}
        self._order: list[str] | None = list(compiled.positiontup) if compiled.positional and compiled.positiontup \
            else None

    def parameters(self, params: dict[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        values = {}
        for name, (key, process) in self._binds.items():
            value = params[key]
            values[name] = process(value) if process is not None else value
        if self._order is not None:
            return tuple(values[name] for name in self._order)
        return values


def _sqlite_writer(database: str) -> threading.RLock:
    key = database if database == ":memory:" else os.path.realpath(database)
    with _sqlite_writers_lock:
        return _sqlite_writers.setdefault(key, threading.RLock())


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


_NO_LOCK = _NoLock()


def _postgres_engine(url: sa.URL, schema: str | None, *, ping: bool = True, **kw: Any) -> sa.Engine:
    kw.setdefault("json_deserializer", read_json)
    kw.setdefault("pool_size", POOL_SIZE)
    kw.setdefault("max_overflow", _MAX_OVERFLOW)
    engine = sa.create_engine(url, **kw)
    if ping:
        _ping_when_idle(engine)
    if schema is not None:
        use_schema(engine, schema)
    return engine


def _ping_when_idle(engine: sa.Engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for connections idle longer than :data:`PING_AFTER_IDLE_S`: a
    connection that fails the ping is replaced by a new one before the caller sees it (the pool retries on
    DisconnectionError)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["weavz_flow_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("weavz_flow_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as exc:
            raise sa.exc.DisconnectionError("the pooled connection failed its ping") from exc


def read_json(text: str | bytes) -> Any:
    """A stored JSON value, with lone surrogates (only older versions could store them) replaced by U+FFFD."""
    value = json.loads(text)
    escaped = _ESCAPED_SURROGATE if isinstance(text, str) else _ESCAPED_SURROGATE_BYTES
    return repair(value) if escaped.search(text) else value  # type: ignore[arg-type]


def use_schema(engine: sa.Engine, schema: str) -> None:
    """Every new connection of ``engine`` works in ``schema`` (the store's own, or tables kept beside it)."""
    quoted = '"' + schema.replace('"', '""') + '"'

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET search_path TO {quoted}")
        dbapi_conn.commit()
