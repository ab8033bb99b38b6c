"""Run records in the store (tables ``flow_runs`` and ``flow_run_steps``, revision 0007): the SQL behind the runner's
:class:`~weavz_flow.runner.records.RunRecords`, which keeps the records' meaning (statuses, heartbeats, owners).

Rows go in and come out as mappings of column values. On PostgreSQL heartbeats are stamped and judged by the
database's clock: machines sharing it may disagree on time.

Before revision 0007 a SQLite project kept its runs in a separate ``runs.db``; :func:`import_runs_db` copies such a
file into the store once and renames it, so that its runs are listed with the new ones.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.dialect_insert import insert_for
from weavz_flow.engine.store import Store

log = logging.getLogger("weavz_flow.engine")

_r = t.flow_runs
_st = t.flow_run_steps

IMPORTED_SUFFIX = ".imported"

Row = Mapping[Any, Any]  # a row's mapping (SQLAlchemy's RowMapping) or a dict of column values
# Whether the process that owns a running record (host, pid, process token) is known to be gone.
OwnerGone = Callable[[str | None, int | None, str | None], bool]


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones; everything is stored in UTC)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class RunStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._postgres = store.dialect == "postgresql"

    def stamp(self) -> Any:
        """Now, for a heartbeat: the database's clock on PostgreSQL (shared by machines whose clocks may differ)."""
        return sa.func.now() if self._postgres else datetime.now(UTC)

    def now(self) -> datetime:
        """Now by the clock :meth:`stamp` writes with."""
        if self._postgres:
            with self.store.read() as conn:
                return conn.execute(sa.select(sa.func.now())).scalar_one()
        return datetime.now(UTC)

    def start(self, run: Row) -> None:
        """Insert ``run`` (its heartbeat stamped now), replacing a run of the same id and its steps: a run started
        again under its id (a scheduled fire recovered after its worker died) starts afresh."""
        with self.store.write() as conn:
            conn.execute(_st.delete().where(_st.c.run_id == run["id"]))
            conn.execute(_r.delete().where(_r.c.id == run["id"]))
            conn.execute(_r.insert().values(**run, heartbeat_at=self.stamp()))

    def beat(self, run_id: str, host: str, pid: int, started_at: datetime, *, running: str, lost: str) -> None:
        """Refresh the heartbeat of the run this owner started at ``started_at`` (a run restarted under the same id
        elsewhere has another owner and start); a run marked ``lost`` while merely cut off is ``running`` again."""
        with self.store.write() as conn:
            conn.execute(_r.update().where(
                _r.c.id == run_id, _r.c.owner_host == host, _r.c.owner_pid == pid, _r.c.started_at == started_at,
                _r.c.status.in_([running, lost]),
            ).values(heartbeat_at=self.stamp(), status=running))

    def finish(self, run_id: str, started_at: datetime, host: str, pid: int, values: Row,
               steps: Sequence[Row], *, replace_steps: bool = False) -> bool:
        """Write the end of the run this owner started at ``started_at`` and its steps, in one transaction; False
        (nothing written) when the record is another's now: a fire taken over after its lease ran out is started
        again under the same id by another worker, and the late first attempt must not overwrite it.
        ``replace_steps``: the run was resumed, and the step rows recorded when it waited are replaced."""
        with self.store.write() as conn:
            mine = conn.execute(_r.update().where(
                _r.c.id == run_id, _r.c.started_at == started_at, _r.c.owner_host == host, _r.c.owner_pid == pid,
            ).values(**values)).rowcount
            if not mine:
                return False
            if replace_steps:
                conn.execute(_st.delete().where(_st.c.run_id == run_id))
            if steps:
                conn.execute(_st.insert(), [{**step, "run_id": run_id} for step in steps])
        return True

    def claim(self, run_id: str, owner: Row, *, waiting: str, running: str) -> bool:
        """Make the ``waiting`` run ``run_id`` ``running`` under ``owner`` (owner_host, owner_pid, owner_process),
        its heartbeat stamped now; False when it is not waiting (any more): of processes resuming it at once, one
        conditional UPDATE wins."""
        with self.store.write() as conn:
            return bool(conn.execute(_r.update().where(_r.c.id == run_id, _r.c.status == waiting)
                                     .values(**owner, status=running, heartbeat_at=self.stamp())).rowcount)

    def release(self, run_id: str, started_at: datetime, host: str, pid: int, *, waiting: str, running: str) -> None:
        """Undo this owner's :meth:`claim` of a run still ``running`` under it."""
        with self.store.write() as conn:
            conn.execute(_r.update().where(
                _r.c.id == run_id, _r.c.started_at == started_at, _r.c.owner_host == host, _r.c.owner_pid == pid,
                _r.c.status == running).values(status=waiting))

    def with_status(self, status: str, limit: int = 100) -> list[Row]:
        """Up to ``limit`` runs in ``status``, oldest first."""
        with self.store.read() as conn:
            return list(conn.execute(sa.select(_r).where(_r.c.status == status).order_by(_r.c.started_at)
                                     .limit(limit)).mappings().all())

    def runs(self, *, flow: str | None = None, limit: int = 20) -> list[Row]:
        """The newest ``limit`` runs (of ``flow``), newest first."""
        query = sa.select(_r).order_by(_r.c.started_at.desc()).limit(limit)
        if flow is not None:
            query = query.where(_r.c.flow == flow)
        with self.store.read() as conn:
            return list(conn.execute(query).mappings().all())

    def matching(self, prefix: str, limit: int = 2) -> list[Row]:
        """Up to ``limit`` runs whose id starts with ``prefix``."""
        with self.store.read() as conn:
            return list(conn.execute(sa.select(_r).where(_r.c.id.startswith(prefix, autoescape=True))
                                     .limit(limit)).mappings().all())

    def steps(self, run_id: str) -> list[Row]:
        with self.store.read() as conn:
            return list(conn.execute(sa.select(_st).where(_st.c.run_id == run_id)
                                     .order_by(_st.c.position)).mappings().all())

    # -- lost runs ------------------------------------------------------------------------------------------------

    def settle(self, rows: Sequence[Row], *, running: str, lost: str, lost_after: timedelta,
               legacy_lost_after: timedelta, owner_gone: OwnerGone) -> list[Row]:
        """``rows`` with each ``running`` one whose process is gone marked ``lost``, in the database when it lets us
        (a read-only reader still reports it lost); a row that changed meanwhile is read again.

        Gone: its heartbeat is older than ``lost_after``; or it has none (written before heartbeats were) and started
        more than ``legacy_lost_after`` ago; or its owner on this very machine is gone (``owner_gone``)."""
        candidates = [r for r in rows if r["status"] == running]
        if not candidates:
            return list(rows)
        now = self.now()
        settled: dict[str, Row] = {}
        for row in candidates:
            because = _lost_because(row, now, lost_after, legacy_lost_after, owner_gone)
            if because is None:
                continue
            verdict: Row | None = {**row, "status": lost}
            try:
                with self.store.write() as conn:
                    marked = conn.execute(_r.update().where(_r.c.id == row["id"], _r.c.status == running, because)
                                          .values(status=lost)).rowcount
                    if not marked:
                        verdict = conn.execute(sa.select(_r).where(_r.c.id == row["id"])).mappings().first()
            except sa.exc.DBAPIError:
                pass  # e.g. a read-only file or role: this reader's verdict stands, unpersisted
            settled[row["id"]] = verdict if verdict is not None else row
        return [settled.get(r["id"], r) for r in rows]


def _lost_because(row: Row, now: datetime, lost_after: timedelta, legacy_lost_after: timedelta,
                  owner_gone: OwnerGone) -> sa.ColumnElement[bool] | None:
    """Why ``row`` (running) is lost, as the condition that must still hold when it is marked; None: it is not."""
    heartbeat = aware(row["heartbeat_at"])
    if heartbeat is None:
        bound = now - legacy_lost_after
        started = aware(row["started_at"])
        if started is None or started >= bound:
            return None
        return sa.and_(_r.c.heartbeat_at.is_(None), _r.c.started_at < bound)
    if heartbeat < now - lost_after:
        # Compared again by the UPDATE: a run that beat since it was read (merely slow) stays running.
        return _r.c.heartbeat_at < now - lost_after
    if owner_gone(row["owner_host"], row["owner_pid"], row["owner_process"]):
        # That process is dead and cannot beat again; a run restarted under this id has another owner or start.
        return sa.and_(_r.c.owner_host == row["owner_host"], _r.c.owner_pid == row["owner_pid"],
                       _r.c.started_at == row["started_at"])
    return None


# -- the runs.db of earlier versions --------------------------------------------------------------------------------


def import_runs_db(store: Store, path: Path) -> int:
    """Copy the runs of an earlier version's separate ``runs.db`` at ``path`` into ``store`` (runs already there are
    kept), then rename the file to ``runs.db.imported``; the number of runs copied (0 when there is no file).

    Processes doing this at once copy the same rows (each copy skips what the other wrote) and one of them renames.
    Columns the file lacks (it was made before they were added) are NULL, as they would have been read."""
    if not path.is_file():
        return 0
    legacy = sa.create_engine(f"sqlite:///{path}")
    try:
        with legacy.connect() as conn:
            runs = _legacy_rows(conn, _r)
            steps = _legacy_rows(conn, _st)
    finally:
        legacy.dispose()
    if runs:
        with store.write() as conn:
            conn.execute(insert_for(conn, _r).on_conflict_do_nothing(index_elements=[_r.c.id]), runs)
            known = {r["id"] for r in runs}
            kept = [s for s in steps if s["run_id"] in known]
            if kept:
                conn.execute(insert_for(conn, _st).on_conflict_do_nothing(
                    index_elements=[_st.c.run_id, _st.c.position]), kept)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):  # another process renamed it first (or SQLite removed it)
            path.with_name(path.name + suffix).rename(path.with_name(path.name + IMPORTED_SUFFIX + suffix))
    log.info("imported %d run(s) from %s into %r", len(runs), path, store)
    return len(runs)


def _legacy_rows(conn: sa.Connection, table: sa.Table) -> list[dict[str, Any]]:
    inspector = sa.inspect(conn)
    if not inspector.has_table(table.name):
        return []
    present = {c["name"] for c in inspector.get_columns(table.name)}
    names = [c.name for c in table.columns]
    rows = conn.execute(sa.select(*[table.c[n] for n in names if n in present])).mappings().all()
    return [{name: row.get(name) for name in names} for row in rows]
