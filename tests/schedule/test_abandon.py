"""Fires of a schedule that left the project (or was disabled) are finished as ABANDONED instead of waiting forever;
a run holding a live lease finishes normally; two schedulers on different versions of the project share one store
without undoing each other's work (a rolling deploy)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.schedule.fake_clock import FakeClock
from tests.schedule.sched_project import TEST_LEASE, SchedulerWorld, tally_flow, write_project
from weavz_flow.config.load import load_project
from weavz_flow.config.model.flow import Overlap
from weavz_flow.config.project import Project
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.in_process import InProcessDispatcher
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import due_fires
from weavz_flow.schedule.project_schedules import DISABLED, REMOVED
from weavz_flow.schedule.scheduler import DEFAULT_REDELIVER_AFTER, Scheduler

START = datetime(2026, 3, 2, 8, 0, 10, tzinfo=UTC)
STALE = DEFAULT_REDELIVER_AFTER + timedelta(seconds=1)


def at(minute: int) -> datetime:
    return datetime(2026, 3, 2, 8, minute, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SchedulerWorld]:
    """The old version of the project: schedules ``kept`` and ``dropped``."""
    root = write_project(tmp_path / "old", {"kept": tally_flow("kept"), "dropped": tally_flow("dropped")},
                         monkeypatch)
    w = SchedulerWorld(root, FakeClock(START))
    w.tick()  # both schedules start at 08:00:10
    yield w
    w.close()


def new_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dropped: str | None = None) -> Project:
    """The next version of the project: ``dropped`` removed (or, given its flow text, changed)."""
    flows = {"kept": tally_flow("kept")}
    if dropped is not None:
        flows["dropped"] = dropped
    return load_project(write_project(tmp_path / "new", flows, monkeypatch))


def left_pending(world: SchedulerWorld, schedule: str, minute: int) -> Fire:
    """A fire the old scheduler decided and committed, then died before handing it to anyone."""
    now = at(minute) + timedelta(seconds=1)
    config = world.project.flows[schedule].schedule
    assert config is not None
    (fire,) = world.state.advance(schedule, lambda wm: due_fires(config, wm, now), now=now) or []
    return fire


def new_scheduler(world: SchedulerWorld, project: Project) -> tuple[Scheduler, InProcessDispatcher]:
    runner = FireRunner(project, world.state, world.backend, records=world.records, clock=world.clock,
                        worker="new-worker", lease=TEST_LEASE)
    dispatcher = InProcessDispatcher(runner)
    return Scheduler(project, world.state, dispatcher, world.clock), dispatcher


def test_a_stale_pending_fire_of_a_removed_schedule_is_abandoned_not_run(
        world: SchedulerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    lost = left_pending(world, "dropped", 1)
    scheduler, dispatcher = new_scheduler(world, new_version(tmp_path, monkeypatch))
    try:
        world.clock.set(at(1) + timedelta(seconds=2))
        report = scheduler.tick()
        assert report.abandoned == () and world.state.status(lost) is FireStatus.PENDING  # too fresh to judge
        world.clock.set(at(1) + timedelta(seconds=1) + STALE)
        report = scheduler.tick()
        assert dispatcher.drain(timeout=30)
        assert report.abandoned == (lost,) and report.redelivered == ()
        (record,) = [r for r in world.state.fires("dropped") if r.fire == lost]
        assert record.status is FireStatus.ABANDONED and record.error == REMOVED and record.finished_at is not None
        assert world.kv_list("runs:dropped") == []
        # Terminal: the next ticks, of either version, leave it alone; nothing is delivered for it again.
        world.clock.advance(minutes=2)
        assert scheduler.tick().abandoned == ()
        old = world.tick()
        assert lost not in old.redelivered and world.state.status(lost) is FireStatus.ABANDONED
        assert world.kv_list("runs:dropped") == [f.run_id for f in old.submitted if f.schedule == "dropped"]
    finally:
        dispatcher.close()


def test_a_pending_fire_of_a_disabled_schedule_is_abandoned(world: SchedulerWorld, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    lost = left_pending(world, "dropped", 1)
    disabled = new_version(tmp_path, monkeypatch, dropped=tally_flow("dropped", enabled="false"))
    scheduler, dispatcher = new_scheduler(world, disabled)
    try:
        world.clock.set(at(1) + timedelta(seconds=1) + STALE)
        assert scheduler.tick().abandoned == (lost,)
        assert dispatcher.drain(timeout=30)
        (record,) = [r for r in world.state.fires("dropped") if r.fire == lost]
        assert (record.status, record.error) == (FireStatus.ABANDONED, DISABLED)
        assert world.kv_list("runs:dropped") == []
    finally:
        dispatcher.close()


def test_a_run_with_a_live_lease_finishes_and_one_whose_worker_died_is_abandoned(
        world: SchedulerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    alive = left_pending(world, "dropped", 1)
    dead = left_pending(world, "dropped", 2)
    now = at(2) + timedelta(seconds=5)
    world.clock.set(now)
    assert world.state.claim(alive, "old-worker", timedelta(hours=1), now)
    assert world.state.claim(dead, "dead-worker", timedelta(minutes=1), now)
    scheduler, dispatcher = new_scheduler(world, new_version(tmp_path, monkeypatch))
    try:
        world.clock.set(now + timedelta(minutes=1, seconds=1))  # the dead worker's lease has run out
        assert scheduler.tick().abandoned == (dead,)
        assert world.state.status(alive) is FireStatus.RUNNING  # untouched: its worker still renews its lease
        world.state.finish(alive, FireStatus.SUCCEEDED, world.clock.now(), alive.run_id, None)  # it finishes there
        world.clock.advance(hours=2)
        assert scheduler.tick().abandoned == ()
        assert dispatcher.drain(timeout=30)
        assert world.state.status(alive) is FireStatus.SUCCEEDED
        assert world.state.status(dead) is FireStatus.ABANDONED
    finally:
        dispatcher.close()


def test_a_claim_and_an_abandon_of_one_fire_never_both_win(world: SchedulerWorld):
    fire = left_pending(world, "dropped", 1)
    now = at(1) + timedelta(seconds=2)
    assert world.state.claim(fire, "old-worker", timedelta(minutes=5), now)
    assert not world.state.abandon(fire, now, REMOVED)  # a worker holds it under a live lease
    assert world.state.status(fire) is FireStatus.RUNNING
    other = left_pending(world, "dropped", 2)
    assert world.state.abandon(other, now, REMOVED)
    assert not world.state.claim(other, "old-worker", timedelta(minutes=5), now)  # terminal
    assert not world.state.abandon(other, now, REMOVED)


def test_a_worker_of_the_new_version_abandons_a_fire_queued_by_an_old_scheduler(
        world: SchedulerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fire = left_pending(world, "dropped", 1)  # queued by an old scheduler a moment ago
    new_runner = FireRunner(new_version(tmp_path, monkeypatch), world.state, world.backend, records=world.records,
                            clock=world.clock, worker="new-worker", lease=TEST_LEASE)
    assert new_runner.run(fire, Overlap.ALLOW) is FireStatus.ABANDONED
    assert world.kv_list("runs:dropped") == []
    assert world.fire_runner.run(fire, Overlap.ALLOW) is FireStatus.ABANDONED  # an old worker's copy: not run either
    assert world.kv_list("runs:dropped") == []
    # The schedule the new version kept runs as before on the new worker.
    kept = left_pending(world, "kept", 1)
    assert new_runner.run(kept, Overlap.ALLOW) is FireStatus.SUCCEEDED
    assert world.kv_list("runs:kept") == [kept.run_id]


def test_during_a_rolling_deploy_the_old_version_keeps_running_fresh_fires(
        world: SchedulerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Old and new schedulers tick the same store in turn: the old one's fires of ``dropped`` run on its own
    workers as long as they are picked up in time, and the new one never abandons a fresh or running fire."""
    scheduler, dispatcher = new_scheduler(world, new_version(tmp_path, monkeypatch))
    try:
        ran: list[Fire] = []
        for minute in (1, 2, 3):
            world.clock.set(at(minute) + timedelta(seconds=1))
            old = world.tick()  # decides and runs (drained) its fires
            ran.extend(f for f in old.submitted if f.schedule == "dropped")
            new = scheduler.tick()
            assert dispatcher.drain(timeout=30)
            assert new.abandoned == () and new.redelivered == ()
        assert [f.fire_at for f in ran] == [at(1), at(2), at(3)]
        assert world.kv_list("runs:dropped") == [f.run_id for f in ran]
        assert {r.status for r in world.state.fires("dropped")} == {FireStatus.SUCCEEDED}
    finally:
        dispatcher.close()
