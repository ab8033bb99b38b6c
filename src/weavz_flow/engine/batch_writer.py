"""Inserts rows into one table from a background thread, in batches, so callers do not wait for the commit.

Used for execution records: the action has already run and its caller only needs the record to exist by the time
anyone reads records back. Rows wait in a bounded queue (a full queue makes :meth:`submit` wait: backpressure, never
loss) and a single thread writes them, up to ``max_batch`` rows per transaction. After the first row of a batch it
lingers up to ``linger_s`` for more, and is not woken by each of them: calls come a few milliseconds apart, and a
transaction per row, or a thread wake per row, costs the process more than the rest of the engine's work on a call
(the writer competes with the callers for the GIL). A reader does not wait for the linger: :meth:`flush` and
:meth:`close` queue a marker and end it.

Durability: :meth:`flush` returns once everything submitted so far is committed; readers call it first, so a process
always reads its own records. :meth:`close` (also run at interpreter exit) writes everything still queued. The crash
window: rows queued but not yet committed (normally the calls of the last ``linger_s``, 20 ms, and a few
milliseconds more) are lost if the process dies without a clean shutdown (SIGKILL, power loss), and another process
sharing the database sees a record up to that long after the call returned rather than at once.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError

log = logging.getLogger("weavz_flow.engine")

DEFAULT_MAX_QUEUE = 10_000
DEFAULT_MAX_BATCH = 256
DEFAULT_LINGER_S = 0.02

_STOP = object()
_FLUSH = object()


class BatchWriter:
    def __init__(
        self, store: Store, table: sa.Table, *, max_queue: int = DEFAULT_MAX_QUEUE, max_batch: int = DEFAULT_MAX_BATCH,
        linger_s: float = DEFAULT_LINGER_S,
    ) -> None:
        self._store = store
        self._table = table
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._inserts: dict[frozenset[str], sa.Insert] = {}  # only the writer thread uses it
        self._hurry = threading.Event()  # ends the writer's linger: set after queueing a flush or stop marker

    def submit(self, row: dict[str, Any]) -> None:
        # The lock makes "not closed, so queue it" atomic with close(); otherwise a row could land behind the stop
        # marker and never be written. The writer thread never takes it, so a full queue still drains.
        with self._lock:
            if not self._closed:
                if self._thread is None:
                    self._start()
                self._queue.put(row)
                return
        self._write([row])  # after close: write in the caller's thread rather than drop it

    def flush(self) -> None:
        """Wait until every row submitted so far is committed (or has failed and been logged)."""
        with self._lock:
            if self._closed or self._thread is None:
                return  # nothing queued: close() has written everything, or nothing was ever submitted
            self._queue.put(_FLUSH)
            self._hurry.set()  # ends the writer's linger, so the reader does not wait for it
        self._queue.join()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
                self._hurry.set()
        if thread is not None:
            thread.join()

    # -- the writer thread ----------------------------------------------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"weavz-flow-{self._table.name}-writer", daemon=True)
        self._thread.start()
        # A daemon thread dies with the interpreter; close() at exit writes what is still queued first.
        atexit.register(_close_at_exit, weakref.ref(self))

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            if not _is_marker(items[0]) and self._queue.qsize() < self._max_batch:
                # The linger waits on an event, not on the queue: a row submitted meanwhile does not wake this thread
                # (a wake per row cost the callers their GIL as much as the row's own write); flush and close do.
                self._hurry.wait(self._linger_s)
            self._hurry.clear()
            while len(items) < self._max_batch and not _is_marker(items[-1]):
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [item for item in items if not _is_marker(item)]
            try:
                if rows:
                    self._write(rows)
            finally:
                for _ in items:
                    self._queue.task_done()
            if items[-1] is _STOP:
                return

    def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            if len(rows) == 1:  # a quiet moment: one statement, not BEGIN, INSERT and COMMIT
                self._store.write_one(self._insert(frozenset(rows[0])), rows[0])
                return
            self._store.insert_many(self._table, rows)
            return
        except (sa.exc.SQLAlchemyError, ApiError) as exc:  # write_one answers a value the store refuses as ApiError
            if len(rows) == 1:
                # The type only: the statement text would carry the row's values.
                log.error("could not write a %s row %s: %s", self._table.name, rows[0].get("id"), type(exc).__name__)
                return
        for row in rows:  # one bad row must not take the rest of its batch with it
            self._write([row])


    def _insert(self, columns: frozenset[str]) -> sa.Insert:
        """An INSERT of these columns with bound parameters, built once per set of columns (write_one compiles each
        statement it sees once)."""
        stmt = self._inserts.get(columns)
        if stmt is None:
            stmt = sa.insert(self._table).values(
                {name: sa.bindparam(name, type_=self._table.c[name].type) for name in sorted(columns)})
            self._inserts[columns] = stmt
        return stmt


def _is_marker(item: Any) -> bool:
    return item is _STOP or item is _FLUSH


def _close_at_exit(ref: weakref.ref[BatchWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.close()
