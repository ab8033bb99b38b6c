"""A trigger source's events in the store: written once per event id, numbered in order of occurrence, handed on.

:func:`store_events` runs inside the transaction that also moves the source's cursor (a poll) or answers an inbound
request (a webhook): the events of one call either all land with their cursor or none does. It locks the source row
first (``FOR UPDATE`` on PostgreSQL; SQLite's write lock does the same), so the per-source ``seq`` has no gaps or
duplicates between concurrent writers. An event whose id the source already has is skipped (the same issue seen by
two polls, a provider retrying its webhook). A callback source's new events get their delivery rows in the same
transaction (an outbox: what is stored is delivered); a flow source's wait for the dispatcher
(:func:`undispatched`, then :func:`mark_dispatched` once its fire is inserted).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.stamps import new_id
from weavz_flow.engine.tables import AnyRow
from weavz_flow.integrations.trigger_base import TriggerEvent

_s = t.trigger_sources
_e = t.trigger_events
_d = t.trigger_deliveries

EVENT_ID_PREFIX = "evt_"
CALLBACK = "callback"
FLOW = "flow"


@dataclass(frozen=True)
class StoredEvent:
    id: str
    source_id: str
    event_key: str
    seq: int
    data: dict[str, Any]
    occurred_at: str | None
    received_at: str
    flow_name: str | None
    integration_name: str
    trigger_name: str


def new_event_id() -> str:
    return EVENT_ID_PREFIX + uuid.uuid4().hex


_SELECT = sa.select(_e, _s.c.flow_name, _s.c.integration_name, _s.c.trigger_name).join(_s, _s.c.id == _e.c.source_id)


def _stored(row: AnyRow) -> StoredEvent:
    return StoredEvent(id=row.id, source_id=row.source_id, event_key=row.event_key, seq=row.seq, data=row.data,
                       occurred_at=row.occurred_at, received_at=row.received_at, flow_name=row.flow_name,
                       integration_name=row.integration_name, trigger_name=row.trigger_name)


def lock_source(conn: sa.Connection, source_id: str) -> AnyRow | None:
    return conn.execute(sa.select(_s).where(_s.c.id == source_id).with_for_update()).first()


def store_events(conn: sa.Connection, source: AnyRow, events: Sequence[TriggerEvent], now: str) -> list[StoredEvent]:
    """The events of ``source`` (a row locked with :func:`lock_source`) not stored before, stored in order."""
    if not events:
        return []
    keys = [e.id for e in events]
    known = set(conn.execute(sa.select(_e.c.event_key).where(_e.c.source_id == source.id,
                                                             _e.c.event_key.in_(keys))).scalars())
    last = conn.execute(sa.select(sa.func.max(_e.c.seq)).where(_e.c.source_id == source.id)).scalar()
    seq = int(last or 0)
    stored: list[StoredEvent] = []
    callback = source.target_kind == CALLBACK
    for event in events:
        if event.id in known:
            continue
        known.add(event.id)
        seq += 1
        event_id = new_event_id()
        conn.execute(sa.insert(_e).values(
            id=event_id, source_id=source.id, event_key=event.id, seq=seq, data=event.data,
            occurred_at=event.occurred_at, received_at=now, dispatched_at=now if callback else None))
        if callback:
            conn.execute(sa.insert(_d).values(
                id=new_id(), event_id=event_id, source_id=source.id, seq=seq, status="pending", attempts=0,
                next_attempt_at=now, lease_until=None, log=[], created_at=now))
        stored.append(StoredEvent(id=event_id, source_id=source.id, event_key=event.id, seq=seq, data=event.data,
                                  occurred_at=event.occurred_at, received_at=now, flow_name=source.flow_name,
                                  integration_name=source.integration_name, trigger_name=source.trigger_name))
    return stored


def undispatched(conn: sa.Connection, limit: int) -> list[StoredEvent]:
    """Flow events not handed on yet, oldest first (by source, in ``seq`` order within it)."""
    rows = conn.execute(_SELECT.where(_e.c.dispatched_at.is_(None), _s.c.target_kind == FLOW)
                        .order_by(_e.c.received_at, _e.c.source_id, _e.c.seq).limit(limit)).all()
    return [_stored(r) for r in rows]


def mark_dispatched(conn: sa.Connection, event_ids: Collection[str], now: str) -> None:
    if event_ids:
        conn.execute(sa.update(_e).where(_e.c.id.in_(sorted(set(event_ids))), _e.c.dispatched_at.is_(None))
                     .values(dispatched_at=now))


def get_event(conn: sa.Connection, event_id: str) -> StoredEvent | None:
    row = conn.execute(_SELECT.where(_e.c.id == event_id)).first()
    return _stored(row) if row is not None else None


def event_page(conn: sa.Connection, source_id: str, limit: int, offset: int) -> tuple[list[AnyRow], int]:
    """A page of the source's events, newest first, each with its delivery's columns (None for a flow source's)."""
    total = conn.execute(sa.select(sa.func.count()).select_from(_e).where(_e.c.source_id == source_id)).scalar_one()
    rows = conn.execute(
        sa.select(_e, _d.c.status, _d.c.attempts, _d.c.last_status, _d.c.last_error, _d.c.next_attempt_at,
                  _d.c.delivered_at, _d.c.log)
        .outerjoin(_d, _d.c.event_id == _e.c.id).where(_e.c.source_id == source_id)
        .order_by(_e.c.seq.desc()).limit(limit).offset(offset)).all()
    return list(rows), int(total)
