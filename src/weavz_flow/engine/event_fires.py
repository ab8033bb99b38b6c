"""One fire per stored flow event, exactly once: the scheduler's half of ``on:`` (issue 18).

A flow source's events wait in ``trigger_events`` with ``dispatched_at`` empty
(:func:`weavz_flow.engine.trigger_events.undispatched`). :func:`insert_event_fires` takes each one in one
transaction that both claims the event (a conditional UPDATE of ``dispatched_at``, so of two schedulers looking at
the same event exactly one gets it; on PostgreSQL the row lock makes the second wait and then find it taken) and
inserts its fire PENDING, keyed ``<flow>@event:<event id>``. Nothing can commit one without the other: an event is
never left dispatched without its fire, nor given two. A fire key that exists already while its event is undispatched
again is a replay (:meth:`TriggerService.replay` empties ``dispatched_at``): that fire is ``...#r<n>``, one more run.

From there the fire is an ordinary fire: delivered, claimed once, run, recovered after a crash
(:mod:`weavz_flow.engine.schedule_state`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.schedule_state import EVENT_MARK, REPLAY_MARK, Fire, FireStatus
from weavz_flow.engine.stamps import format_time, parse_time, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_events import StoredEvent

_f = t.schedule_fires
_e = t.trigger_events


def insert_event_fires(store: Store, events: Sequence[StoredEvent],
                       digests: Mapping[str, str | None]) -> list[Fire]:
    """The fires newly inserted for ``events`` (flow events, oldest first), each with the deployed flow version of
    its flow in ``digests`` (the flows deployed with ``on:`` entries). An event of a flow not in ``digests`` is
    claimed with no fire, as a fire of a removed schedule is abandoned: its entries are no longer deployed (the
    scheduler retires its source), and left waiting it would stand before newer events in every look."""
    inserted: list[Fire] = []
    stamp = utc_now()
    for event in events:
        flow = event.flow_name
        with store.write() as conn:
            claimed = conn.execute(_e.update().where(_e.c.id == event.id, _e.c.dispatched_at.is_(None))
                                   .values(dispatched_at=stamp).returning(_e.c.id)).first()
            if claimed is None or flow is None or flow not in digests:
                continue  # another scheduler dispatched it, or its flow has no trigger now
            fire = Fire(flow, parse_time(event.received_at), _fire_event(conn, flow, event.id))
            conn.execute(_f.insert().values(
                key=fire.key, schedule=flow, fire_at=format_time(fire.fire_at), status=FireStatus.PENDING.value,
                run_id=fire.run_id, created_at=stamp, flow_digest=digests[flow]))
        inserted.append(fire)
    return inserted


def _fire_event(conn: sa.Connection, flow: str, event_id: str) -> str:
    """``event_id``, or ``event_id#r<n>`` when the event has had fires before (a replay)."""
    prefix = f"{flow}{EVENT_MARK}{event_id}"
    earlier = conn.execute(sa.select(sa.func.count()).select_from(_f).where(
        sa.or_(_f.c.key == prefix, _f.c.key.startswith(prefix + REPLAY_MARK, autoescape=True)))).scalar_one()
    return event_id if not earlier else f"{event_id}{REPLAY_MARK}{earlier}"
