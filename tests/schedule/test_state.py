"""ScheduleState on SQLite and PostgreSQL: deciding, claiming and beginning are each atomic, also under races."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.engine.engine_fixtures import open_store
from weavz_flow.config.model.flow import Overlap
from weavz_flow.engine.store import Store
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import DueFires
from weavz_flow.schedule.state import Begin, ScheduleState

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_store(request.param, tmp_path) as s:
        yield s


@pytest.fixture
def state(store: Store) -> ScheduleState:
    return ScheduleState(store)


def due(*minutes: int, missed: int = 0) -> Callable[[datetime | None], DueFires]:
    """A decision that runs fires at the given minutes and moves the watermark to the last of them."""
    return lambda _watermark: DueFires(tuple(minute(m) for m in minutes), missed, minute(max(minutes, default=0)))


def race(n: int, action: Callable[[int], Any]) -> list[Any]:
    """``action(i)`` on ``n`` threads released together; their results in thread order."""
    start = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def one(i: int) -> None:
        start.wait()
        try:
            results[i] = action(i)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_advance_inserts_each_fire_once_and_keeps_the_watermark(state: ScheduleState):
    seen: list[datetime | None] = []

    def first(watermark: datetime | None) -> DueFires:
        seen.append(watermark)
        return DueFires((), 0, T0)

    assert state.advance("digest", first) == []
    assert state.advance("digest", due(1, 2, missed=3)) == [Fire("digest", minute(1)), Fire("digest", minute(2))]
    # The same fires decided again (a scheduler that raced this one) are not inserted twice.
    assert state.advance("digest", due(2)) == []
    assert state.advance("digest", lambda wm: (seen.append(wm), DueFires((), 0, wm or T0))[1]) == []
    assert seen == [None, minute(2)]
    row = state.schedule("digest")
    assert row is not None and row.watermark == minute(2) and row.missed_skipped == 3
    assert [(r.fire, r.status, r.run_id) for r in state.fires("digest")] == [
        (Fire("digest", minute(1)), FireStatus.PENDING, Fire("digest", minute(1)).run_id),
        (Fire("digest", minute(2)), FireStatus.PENDING, Fire("digest", minute(2)).run_id)]
    assert state.last_fires() == {"digest": minute(2)}


def test_a_decision_that_fails_changes_nothing(state: ScheduleState):
    state.advance("digest", due())

    def broken(_watermark: datetime | None) -> DueFires:
        raise RuntimeError("policy failed")

    with pytest.raises(RuntimeError):
        state.advance("digest", broken)
    row = state.schedule("digest")
    assert row is not None and row.watermark == T0 and state.fires("digest") == []


def test_schedulers_racing_on_one_schedule_insert_each_fire_once(state: ScheduleState):
    state.advance("digest", due())
    results = race(6, lambda i: state.advance("digest", due(1, 2, 3)))
    inserted = [fire for fires in results if fires for fire in fires]
    assert sorted(inserted, key=lambda f: f.fire_at) == [Fire("digest", minute(m)) for m in (1, 2, 3)]
    assert len(state.fires("digest")) == 3


def test_exactly_one_claim_wins_a_race(state: ScheduleState):
    (fire,) = state.advance("digest", due(1)) or []
    wins = race(8, lambda i: state.claim(fire, f"w{i}", LEASE, minute(1)))
    assert wins.count(True) == 1
    record = state.fires("digest")[0]
    assert record.status is FireStatus.RUNNING and record.worker == f"w{wins.index(True)}"
    assert record.lease_until == minute(1) + LEASE and record.started_at is None


def test_a_lease_keeps_a_fire_until_it_expires_then_another_worker_takes_it_over(state: ScheduleState):
    (fire,) = state.advance("digest", due(1)) or []
    assert state.claim(fire, "a", LEASE, minute(1))
    assert not state.claim(fire, "b", LEASE, minute(1) + timedelta(seconds=59))
    state.renew(fire, "a", LEASE, minute(1) + timedelta(seconds=50))  # now held until 08:02:50
    assert not state.claim(fire, "b", LEASE, minute(2) + timedelta(seconds=30))
    assert state.undelivered(minute(2) + timedelta(seconds=30), timedelta(minutes=5)) == []
    later = minute(3)
    assert state.undelivered(later, timedelta(minutes=5)) == [fire]
    assert state.claim(fire, "b", LEASE, later)
    assert state.begin(fire, "a", Overlap.SKIP, later) is Begin.LOST  # the old worker finds it gone
    assert state.begin(fire, "b", Overlap.SKIP, later) is Begin.RUN
    state.finish(fire, FireStatus.SUCCEEDED, later, fire.run_id, None)
    assert not state.claim(fire, "c", LEASE, later + timedelta(hours=1))  # finished fires stay finished
    assert state.undelivered(later + timedelta(hours=1), timedelta(minutes=5)) == []


def test_undelivered_finds_pending_fires_once_they_are_old_enough(state: ScheduleState):
    fires = state.advance("digest", due(1, 2), now=minute(2)) or []
    assert state.undelivered(minute(2) + timedelta(seconds=59), timedelta(minutes=1)) == []
    assert state.undelivered(minute(3), timedelta(minutes=1)) == fires


@pytest.mark.parametrize("overlap", [Overlap.SKIP, Overlap.QUEUE])
def test_of_fires_beginning_together_exactly_one_runs(state: ScheduleState, overlap: Overlap):
    fires = state.advance("digest", due(1, 2, 3, 4, 5)) or []
    for i, fire in enumerate(fires):
        assert state.claim(fire, f"w{i}", LEASE, minute(5))
    decisions = race(len(fires), lambda i: state.begin(fires[i], f"w{i}", overlap, minute(5)))
    assert decisions.count(Begin.RUN) == 1
    others = Begin.SKIPPED if overlap is Overlap.SKIP else Begin.WAIT
    assert decisions.count(others) == len(fires) - 1
    runner = fires[decisions.index(Begin.RUN)]
    assert all(state.running_elsewhere(f, minute(5)) for f in fires if f != runner)
    assert not state.running_elsewhere(runner, minute(5))


def test_queue_lets_waiting_fires_go_one_at_a_time_earliest_first(state: ScheduleState):
    fires = state.advance("digest", due(1, 2, 3)) or []
    now = minute(3)
    for fire in reversed(fires):  # claimed latest first: the order of claiming does not matter
        assert state.claim(fire, fire.key, LEASE, now)
    order: list[Fire] = []
    waiting = list(fires)
    while waiting:
        decisions = {f: state.begin(f, f.key, Overlap.QUEUE, now) for f in reversed(waiting)}
        started = [f for f, d in decisions.items() if d is Begin.RUN]
        assert len(started) == 1 and all(d is Begin.WAIT for f, d in decisions.items() if f not in started)
        order.append(started[0])
        waiting.remove(started[0])
        state.finish(started[0], FireStatus.SUCCEEDED, now, started[0].run_id, None)
    assert order == fires


def test_allow_lets_every_fire_run(state: ScheduleState):
    fires = state.advance("digest", due(1, 2)) or []
    for fire in fires:
        assert state.claim(fire, fire.key, LEASE, minute(2))
    assert [state.begin(f, f.key, Overlap.ALLOW, minute(2)) for f in fires] == [Begin.RUN, Begin.RUN]


def test_a_run_whose_lease_expired_no_longer_holds_back_the_schedule(state: ScheduleState):
    first, second = state.advance("digest", due(1, 2)) or []
    assert state.claim(first, "dead", LEASE, minute(1))
    assert state.begin(first, "dead", Overlap.SKIP, minute(1)) is Begin.RUN
    half = minute(1) + timedelta(seconds=30)  # 08:02 is delivered late, while the first run still holds its lease
    assert state.claim(second, "alive", LEASE, half)
    assert state.begin(second, "alive", Overlap.SKIP, half) is Begin.SKIPPED
    third = Fire("digest", minute(3))
    state.advance("digest", due(3))
    assert state.claim(third, "alive", LEASE, minute(3))  # 08:03: the dead worker's lease ended at 08:02
    assert state.begin(third, "alive", Overlap.SKIP, minute(3)) is Begin.RUN
    statuses = {r.fire: r.status for r in state.fires("digest")}
    assert statuses == {first: FireStatus.RUNNING, second: FireStatus.SKIPPED, third: FireStatus.RUNNING}
