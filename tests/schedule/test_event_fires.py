"""Fires of events on SQLite and PostgreSQL: an event gets one fire however many schedulers dispatch it at once, a
replay gets a fire of its own, the fire's key reads back, and a flow's ``concurrency`` caps its runs going at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.engine.engine_fixtures import open_store
from tests.schedule.test_state import race
from weavz_flow.config.model.flow import Overlap
from weavz_flow.engine import tables as t
from weavz_flow.engine.event_fires import insert_event_fires
from weavz_flow.engine.stamps import format_time
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_events import StoredEvent
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.state import Begin, ScheduleState

T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_store(request.param, tmp_path) as s:
        yield s


def stored_event(store: Store, n: int) -> StoredEvent:
    """An event of a flow source, as the trigger service stores it (undispatched)."""
    stamp = format_time(T0 + timedelta(seconds=n))
    with store.write() as conn:
        if conn.execute(sa.select(t.trigger_sources.c.id).where(t.trigger_sources.c.id == "src")).first() is None:
            conn.execute(t.organizations.insert().values(id="org", name="Org", created_at=stamp, updated_at=stamp))
            conn.execute(t.workspaces.insert().values(id="ws", org_id="org", name="W", slug="w", created_at=stamp,
                                                      updated_at=stamp))
            conn.execute(t.trigger_sources.insert().values(
                id="src", org_id="org", workspace_id="ws", integration_name="http", trigger_name="catch_webhook",
                trigger_type="WEBHOOK", input={}, partial_ids=[], target_kind="flow", flow_name="inbox",
                flow_key="webhook.in", cursor=None, simulate=False, enabled=True, created_at=stamp,
                updated_at=stamp))
        conn.execute(t.trigger_events.insert().values(id=f"evt_{n}", source_id="src", event_key=f"k{n}", seq=n,
                                                      data={"n": n}, received_at=stamp))
    return StoredEvent(f"evt_{n}", "src", f"k{n}", n, {"n": n}, None, stamp, "inbox", "http", "catch_webhook")


def test_an_event_dispatched_by_several_schedulers_at_once_gets_one_fire(store: Store) -> None:
    event = stored_event(store, 1)
    inserted = race(4, lambda _i: insert_event_fires(store, [event], {"inbox": "d1"}))
    assert sorted(len(f) for f in inserted) == [0, 0, 0, 1]
    (fire,) = [f for found in inserted for f in found]
    assert fire.key == "inbox@event:evt_1" and fire.event_id == "evt_1"
    (record,) = ScheduleState(store).fires("inbox")
    assert record.fire == fire and ScheduleState(store).digest(fire) == "d1"
    assert insert_event_fires(store, [event], {"inbox": "d1"}) == []  # dispatched: nothing more


def test_a_replayed_event_gets_a_fire_of_its_own_and_a_flow_not_deployed_none(store: Store) -> None:
    gone = stored_event(store, 3)
    assert insert_event_fires(store, [gone], {}) == []  # its flow has no trigger now: claimed, with no fire
    assert insert_event_fires(store, [gone], {"inbox": None}) == []  # and not waiting any more
    event = stored_event(store, 2)
    (first,) = insert_event_fires(store, [event], {"inbox": None})
    with store.write() as conn:  # what TriggerService.replay does for a flow's event
        conn.execute(t.trigger_events.update().where(t.trigger_events.c.id == event.id).values(dispatched_at=None))
    (again,) = insert_event_fires(store, [event], {"inbox": None})
    assert (first.event, again.event, again.event_id) == ("evt_2", "evt_2#r1", "evt_2")
    assert again.run_id != first.run_id
    assert [r.fire for r in ScheduleState(store).fires("inbox")] == [first, again]


def test_concurrency_caps_the_runs_of_a_flow_going_at_once(store: Store) -> None:
    state = ScheduleState(store)
    fires = [f for n in range(3) for f in insert_event_fires(store, [stored_event(store, 10 + n)],
                                                               {"inbox": None})]
    for fire in fires:
        assert state.claim(fire, "w", LEASE, T0)
    assert [state.begin(f, "w", Overlap.ALLOW, T0, limit=2) for f in fires] == [Begin.RUN, Begin.RUN, Begin.WAIT]
    state.finish(fires[0], FireStatus.SUCCEEDED, T0, None, None)
    assert state.begin(fires[2], "w", Overlap.ALLOW, T0, limit=2) is Begin.RUN
