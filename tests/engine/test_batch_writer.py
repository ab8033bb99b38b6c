"""Execution records written in the background: none lost, visible to this process's reads, written on close."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.batch_writer import BatchWriter
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store


def record(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": new_id(), "org_id": "org", "workspace_id": "ws", "api_key_id": None, "integration_name": "x",
        "action_name": "y", "workspace_integration_id": None, "integration_alias": None, "connection_id": None,
        "end_user_id": None, "partial_ids": [], "enforced_keys": [], "input": {}, "status": "success",
        "duration_ms": 1.0, "error_code": None, "error_message": None, "output": {"n": 1}, "output_truncated": False,
        "idempotency_key": None, "created_at": utc_now(),
    }
    row.update(kw)
    return row


def stored_ids(store: Store) -> set[str]:
    with store.read() as conn:
        return set(conn.execute(sa.select(t.executions.c.id)).scalars())


def test_rows_from_many_threads_are_all_written_and_flush_makes_them_visible(store: Store) -> None:
    writer = BatchWriter(store, t.executions, max_queue=8, max_batch=5)  # a small queue: submitters must wait
    rows = [record() for _ in range(200)]

    def submit(part: list[dict[str, Any]]) -> None:
        for row in part:
            writer.submit(row)

    threads = [threading.Thread(target=submit, args=(rows[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.flush()
    assert stored_ids(store) == {r["id"] for r in rows}
    writer.close()


def test_close_writes_what_is_queued_and_later_rows_are_written_in_the_caller(store: Store) -> None:
    writer = BatchWriter(store, t.executions)
    rows = [record() for _ in range(50)]
    for row in rows:
        writer.submit(row)
    writer.close()
    assert stored_ids(store) == {r["id"] for r in rows}
    late = record()
    writer.submit(late)
    assert late["id"] in stored_ids(store)


def test_a_bad_row_does_not_take_its_batch_with_it(store: Store) -> None:
    writer = BatchWriter(store, t.executions)
    first = record()
    writer.submit(first)
    writer.flush()
    good = [record() for _ in range(3)]
    for row in [good[0], record(id=first["id"]), *good[1:]]:  # a duplicate primary key in the middle
        writer.submit(row)
    writer.close()
    assert stored_ids(store) == {first["id"], *(r["id"] for r in good)}


def _transactions(store: Store, ids: set[str]) -> int:
    """How many transactions wrote these rows: on PostgreSQL the distinct xmin of the rows (the batch may not go
    through SQLAlchemy's commit at all), on SQLite the commits counted while they were written."""
    with store.read() as conn:
        return int(conn.execute(sa.text("SELECT count(DISTINCT xmin::text) FROM executions WHERE id = ANY(:ids)"),
                                {"ids": list(ids)}).scalar_one())


def test_rows_submitted_while_the_writer_lingers_share_one_transaction_and_flush_ends_the_linger(store: Store) -> None:
    # An hour's linger: only the flush marker can end it, so flush() returning at all shows it does not wait.
    writer = BatchWriter(store, t.executions, linger_s=3600)
    commits: list[object] = []

    def count(conn: object) -> None:
        commits.append(conn)

    sa.event.listen(store.engine, "commit", count)
    try:
        rows = [record() for _ in range(6)]
        for row in rows:
            writer.submit(row)
        writer.flush()
        ids = {r["id"] for r in rows}
        # one transaction for the six rows
        assert (_transactions(store, ids) if store.dialect == "postgresql" else len(commits)) == 1
        assert stored_ids(store) == ids
        later = record()
        writer.submit(later)
        writer.close()  # the stop marker ends the linger too
        assert later["id"] in stored_ids(store)
        writer.flush()  # after close: returns at once, nothing is queued
    finally:
        sa.event.remove(store.engine, "commit", count)


def test_a_batch_reads_back_as_it_was_submitted(store: Store) -> None:
    # On PostgreSQL a batch goes as one JSON parameter the server expands: every column must come back as given.
    writer = BatchWriter(store, t.executions, linger_s=3600)
    rows = [record(input={"key": "k", "nested": [1, 2.5, None, {"x": "é✓"}]}, output=None, duration_ms=12.75,
                   output_truncated=True, error_code="ACTION_FAILED", error_message="it's \"quoted\"\nand two lines",
                   applied_partials=[{"id": "p1", "name": "pinned", "reason": "default"}], source="sdk"),
            record(partial_ids=["p1", "p2"], enforced_keys=["value"], end_user_id="user@example.com")]
    for row in rows:
        writer.submit(row)
    writer.close()
    with store.read() as conn:
        stored = {r.id: r._asdict() for r in conn.execute(sa.select(t.executions))}
    for row in rows:
        expected = {column.name: row.get(column.name) for column in t.executions.columns}
        assert stored[row["id"]] == expected
