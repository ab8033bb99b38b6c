"""Polling the due trigger sources, each under a lease, so that of several processes exactly one polls a source.

A round (:meth:`TriggerPoller.poll_due`) claims up to ``limit`` due sources in one short transaction: enabled
POLLING sources whose ``next_poll_at`` has come and whose lease is free or expired (``SKIP LOCKED`` on PostgreSQL, so
two pollers pass over each other's rows instead of waiting; SQLite's write lock makes claims take turns), and writes
this poller's ``lease_owner`` and ``lease_until`` on them. The provider is then asked outside any transaction
(:data:`PollRun`, the service's), and what came back (the new events, the new cursor) is written in one transaction
only if the lease is still this poller's: a poller that stalled past its lease stores nothing, and the one that took
the source over stores the events instead. A failed poll keeps the old cursor and records ``last_error``; one whose
source cannot be resolved any more (a deleted connection, a removed alias) also disables the source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.stamps import format_time, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.engine.trigger_events import lock_source, store_events
from weavz_flow.integrations.trigger_base import Cursor, TriggerEvent

_s = t.trigger_sources
POLLING = "POLLING"


@dataclass(frozen=True, slots=True)
class PollOutcome:
    events: list[TriggerEvent] = field(default_factory=list)
    cursor: Cursor | None = None  # None with an error: the old cursor stays
    error: str | None = None
    stop: bool = False  # the source cannot poll any more: disabled with ``error``


PollRun = Callable[[AnyRow], PollOutcome]


class TriggerPoller:
    def __init__(self, store: Store, run: PollRun, *, lease_s: float) -> None:
        self._store = store
        self._run = run
        self._lease_s = lease_s

    def poll_due(self, now: datetime, *, limit: int, owner: str) -> int:
        """Poll each due source once (at most ``limit``); how many new events were stored."""
        stamp = format_time(now)
        lease = format_time(now + timedelta(seconds=self._lease_s))
        stored = 0
        for row in self._claim(stamp, lease, limit, owner):
            outcome = self._run(row)
            stored += self._finish(row, outcome, owner, lease, now)
        return stored

    def _claim(self, now: str, lease: str, limit: int, owner: str) -> list[AnyRow]:
        with self._store.write() as conn:
            rows = conn.execute(
                sa.select(_s).where(
                    _s.c.enabled.is_(True), _s.c.trigger_type == POLLING, _s.c.next_poll_at <= now,
                    sa.or_(_s.c.lease_until.is_(None), _s.c.lease_until < now))
                .order_by(_s.c.next_poll_at, _s.c.id).limit(limit)
                .with_for_update(skip_locked=True)).all()
            claimed = []
            for row in rows:
                taken = conn.execute(sa.update(_s).where(
                    _s.c.id == row.id, sa.or_(_s.c.lease_until.is_(None), _s.c.lease_until < now))
                    .values(lease_owner=owner, lease_until=lease).returning(_s.c.id)).first()
                if taken is not None:
                    claimed.append(row)
            return claimed

    def _finish(self, row: AnyRow, outcome: PollOutcome, owner: str, lease: str, now: datetime) -> int:
        stamp = format_time(now)
        with self._store.write() as conn:
            current = lock_source(conn, row.id)
            if current is None or current.lease_owner != owner or current.lease_until != lease:
                return 0  # the lease ran out and another poller has the source now: its result counts, not ours
            values: dict[str, object] = {"lease_owner": None, "lease_until": None, "updated_at": stamp,
                                         "last_error": outcome.error}
            stored = []
            if outcome.error is None:
                # Received now by the clock (``now`` is the round's moment: which sources are due, the next poll).
                stored = store_events(conn, current, outcome.events, utc_now())
                values["cursor"] = outcome.cursor
            if outcome.stop:
                values.update(enabled=False, next_poll_at=None)
            else:
                values["next_poll_at"] = format_time(now + timedelta(seconds=current.polling_interval_s or 60))
            conn.execute(sa.update(_s).where(_s.c.id == row.id).values(values))
            return len(stored)
