"""Fires of a schedule that left the project (or was disabled) are finished as ABANDONED instead of waiting forever;
a run holding a live lease finishes normally; two schedulers on different versions of the project share one store
without undoing each other's work (a rolling deploy)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml

from tests.schedule.fake_clock import FakeClock
from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    SECRET_KEY,
    QueueDatabase,
    converge,
    queue_db,
    recorded_runs,
)
from tests.schedule.queue_fixtures import wait_until as queue_wait_until
from tests.schedule.queue_fixtures import write_project as write_queue_project
from tests.schedule.sched_project import TEST_LEASE, SchedulerWorld, tally_flow, write_project
from tests.stubs.echo import EchoStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.config.model.flow import Overlap
from weavz_flow.config.project import Project
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.in_process import InProcessDispatcher
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import DueFires, due_fires
from weavz_flow.schedule.project_schedules import DISABLED, REMOVED
from weavz_flow.schedule.queue import ProcrastinateDispatcher
from weavz_flow.schedule.queue_worker import WorkerSettings, start_worker
from weavz_flow.schedule.scheduler import DEFAULT_REDELIVER_AFTER, Scheduler
from weavz_flow.schedule.state import ScheduleState

START = datetime(2026, 3, 2, 8, 0, 10, tzinfo=UTC)
STALE = DEFAULT_REDELIVER_AFTER + timedelta(seconds=1)
T0_QUEUE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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
    assert not world.state.abandon(fire, now, REMOVED, pending_before=now - STALE)  # too fresh
    assert world.state.claim(fire, "old-worker", timedelta(minutes=5), now)
    assert not world.state.abandon(fire, now + STALE, REMOVED, pending_before=now)  # a worker holds it: live lease
    assert world.state.status(fire) is FireStatus.RUNNING
    other = left_pending(world, "dropped", 2)
    assert world.state.abandon(other, now + STALE, REMOVED, pending_before=now + STALE)
    assert not world.state.claim(other, "old-worker", timedelta(minutes=5), now + STALE)  # terminal
    assert not world.state.abandon(other, now + STALE, REMOVED, pending_before=now + STALE)


def test_a_worker_without_the_schedule_leaves_a_fresh_fire_to_one_that_has_it_and_abandons_a_stale_one(
        world: SchedulerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fresh = left_pending(world, "dropped", 1)  # queued by an old scheduler a moment ago
    new_runner = FireRunner(new_version(tmp_path, monkeypatch), world.state, world.backend, records=world.records,
                            clock=world.clock, worker="new-worker", lease=TEST_LEASE)
    world.clock.set(at(1) + timedelta(seconds=2))
    assert new_runner.run(fresh, Overlap.ALLOW) is FireStatus.PENDING  # not run, not taken: someone else's to run
    assert world.kv_list("runs:dropped") == []
    assert world.fire_runner.run(fresh, Overlap.ALLOW) is FireStatus.SUCCEEDED  # an old worker has the schedule
    assert world.kv_list("runs:dropped") == [fresh.run_id]
    stale = left_pending(world, "dropped", 2)
    world.clock.set(at(2) + timedelta(seconds=1) + STALE)  # nobody with the schedule took it up in time
    assert new_runner.run(stale, Overlap.ALLOW) is FireStatus.ABANDONED
    assert world.fire_runner.run(stale, Overlap.ALLOW) is FireStatus.ABANDONED  # terminal: an old worker's copy too
    assert world.kv_list("runs:dropped") == [fresh.run_id]
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


@pytest.mark.postgres
def test_on_the_queue_a_fire_bounces_to_a_worker_that_has_its_schedule_or_is_abandoned_once_stale(
        tmp_path: Path, queue_db: QueueDatabase, echo_stub: EchoStub,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    old_root = write_queue_project(tmp_path / "old", database_url=queue_db.url, echo_url=echo_stub.url, slow_s=0.05)
    old = converge(old_root)
    new_root = write_queue_project(tmp_path / "new", database_url=queue_db.url, echo_url=echo_stub.url)
    flow_file = new_root / "flows" / "tick.yaml"
    flow = yaml.safe_load(flow_file.read_text(encoding="utf-8"))
    del flow["schedule"]  # the new version runs `tick` by hand only
    flow_file.write_text(yaml.safe_dump(flow, sort_keys=False), encoding="utf-8")
    new = load_project(new_root)
    backend = LocalBackend(old_root / ".weavz-flow", queue_db.url)
    state = ScheduleState(backend.store)
    clock = FakeClock(T0_QUEUE)
    quick = WorkerSettings(concurrency=2, poll_every=0.2, heartbeat_every=0.5, stalled_after=30.0, reap_every=5.0)
    runners = {name: FireRunner(project, state, backend, records=None, clock=clock, worker=name,
                                lease=timedelta(seconds=1))  # a fire left PENDING is looked at again each second
               for name, project in (("new-worker", new), ("old-worker", old))}
    dispatcher = ProcrastinateDispatcher(queue_db.conninfo)
    workers = [start_worker(queue_db.conninfo, runners["new-worker"], quick)]
    try:
        fresh, stale = Fire("tick", T0_QUEUE), Fire("tick", T0_QUEUE + timedelta(minutes=1))
        state.advance("tick", lambda _wm: DueFires((fresh.fire_at, stale.fire_at), 0, stale.fire_at), now=T0_QUEUE)
        assert dispatcher.submit(fresh, Overlap.ALLOW)
        first = latest_job(queue_db.conninfo, fresh)
        # Only the new version's worker is up: it leaves the fire PENDING and queues a later look, again and again.
        assert queue_wait_until(lambda: latest_job(queue_db.conninfo, fresh) >= first + 2, timeout=60)
        assert state.status(fresh) is FireStatus.PENDING
        workers.append(start_worker(queue_db.conninfo, runners["old-worker"], quick))  # an old one comes up
        assert queue_wait_until(lambda: state.status(fresh) is FireStatus.SUCCEEDED, timeout=60)
        assert recorded_runs(backend) == [fresh.run_id]
        workers.pop().stop(timeout=30)  # the old version is gone: nobody has the schedule any more
        assert dispatcher.submit(stale, Overlap.ALLOW)
        first = latest_job(queue_db.conninfo, stale)
        assert queue_wait_until(lambda: latest_job(queue_db.conninfo, stale) > first, timeout=60)
        assert state.status(stale) is FireStatus.PENDING
        clock.advance(minutes=2)  # the fire has waited past STALE_AFTER for a worker with its schedule
        assert queue_wait_until(lambda: state.status(stale) is FireStatus.ABANDONED, timeout=60)
        assert recorded_runs(backend) == [fresh.run_id]
    finally:
        for worker in workers:
            worker.stop(timeout=30)
        dispatcher.close()
        backend.close()


def latest_job(conninfo: str, fire: Fire) -> int:
    """The id of the newest job of ``fire``: each look that leaves the fire for later queues a new one."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT max(id) FROM procrastinate_jobs WHERE queueing_lock = %s", (fire.key,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
