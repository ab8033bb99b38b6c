"""The scheduler end to end on the embedded engine, with a clock the test moves: each due fire runs exactly once,
restarts neither skip nor repeat, missed-run policies after downtime, and where the durable state ends up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.schedule.fake_clock import FakeClock
from tests.schedule.sched_project import SchedulerWorld, tally_flow, write_project
from weavz_flow.schedule.model import Fire, FireStatus

START = datetime(2026, 3, 2, 8, 0, 10, tzinfo=UTC)  # a Monday, ten seconds past the minute


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Iterator[SchedulerWorld]:
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    w = SchedulerWorld(root, clock)
    yield w
    w.close()


def run_ids(*fires: Fire) -> list[str]:
    return [f.run_id for f in fires]


def test_each_due_fire_runs_exactly_once_however_often_the_scheduler_ticks(world: SchedulerWorld, clock: FakeClock):
    first = world.tick()
    assert first.submitted == ()  # a schedule seen for the first time starts from now: no backfill
    expected: list[Fire] = []
    for minute in range(1, 6):
        clock.set(at(8, minute) + timedelta(seconds=2))
        report = world.tick()
        assert report.submitted == (Fire("tally", at(8, minute)),)
        expected.extend(report.submitted)
        for _ in range(3):  # more ticks within the same minute find nothing new
            clock.advance(seconds=5)
            assert world.tick().submitted == ()
    assert world.kv_list("runs:tally") == run_ids(*expected)
    records = world.state.fires("tally")
    assert [r.fire for r in records] == expected
    assert {r.status for r in records} == {FireStatus.SUCCEEDED}
    assert all(r.worker == "test-worker" and r.run_id == r.fire.run_id for r in records)
    assert [run.id for run in world.records.recent(flow="tally")] == list(reversed(run_ids(*expected)))
    assert world.state.last_fires() == {"tally": at(8, 5)}


def test_a_restart_neither_skips_nor_repeats_a_fire(world: SchedulerWorld, clock: FakeClock):
    world.tick()
    for minute in (1, 2, 3):
        clock.set(at(8, minute) + timedelta(seconds=1))
        world.tick()
    world.restart()  # a new process, same store: picks up at the watermark
    assert world.tick().submitted == ()  # 08:03 again: already run
    clock.set(at(8, 3) + timedelta(seconds=40))
    world.restart()
    assert world.tick().submitted == ()
    clock.set(at(8, 4) + timedelta(seconds=30))  # down across 08:04, back within the on-time grace
    world.restart()
    assert world.tick().submitted == (Fire("tally", at(8, 4)),)
    clock.set(at(8, 5))
    world.restart()
    assert world.tick().submitted == (Fire("tally", at(8, 5)),)
    assert world.kv_list("runs:tally") == run_ids(*(Fire("tally", at(8, m)) for m in range(1, 6)))


@pytest.fixture
def policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Iterator[SchedulerWorld]:
    flows = {f"every5-{missed}": tally_flow(f"every5-{missed}", "*/5 * * * *", missed=missed)
             for missed in ("last", "all", "none")}
    root = write_project(tmp_path / "project", flows, monkeypatch)
    # One fire at a time: the catch-up fires of `missed: all` then run in the order they were due (with several at
    # once, overlap `skip` would drop those that find an earlier one still running).
    w = SchedulerWorld(root, clock, concurrency=1)
    yield w
    w.close()


def test_missed_policies_after_downtime(policies: SchedulerWorld, clock: FakeClock):
    policies.tick()  # 08:00:10: every schedule starts here
    policies.restart()
    clock.set(at(8, 32) + timedelta(seconds=30))  # down through 08:05 ... 08:30; 08:30 is 2.5 minutes late
    report = policies.tick()
    missed_fires = [Fire("x", at(8, m)) for m in range(5, 31, 5)]
    by_schedule = {name: [f.fire_at for f in report.submitted if f.schedule == name] for name in
                   ("every5-last", "every5-all", "every5-none")}
    assert by_schedule == {
        "every5-last": [at(8, 30)],  # the most recent one, once
        "every5-all": [f.fire_at for f in missed_fires],  # each of them, in order
        "every5-none": [],  # none: they are all late
    }
    assert report.missed == {"every5-last": 5, "every5-none": 6}
    assert policies.kv_list("runs:every5-last") == [Fire("every5-last", at(8, 30)).run_id]
    assert policies.kv_list("runs:every5-all") == [Fire("every5-all", f.fire_at).run_id for f in missed_fires]
    assert policies.kv_list("runs:every5-none") == []
    for name, missed in (("every5-last", 5), ("every5-all", 0), ("every5-none", 6)):
        row = policies.state.schedule(name)
        assert row is not None and row.watermark == at(8, 30) and row.missed_skipped == missed
    # Back to normal: the next fire runs under every policy, once.
    clock.set(at(8, 35) + timedelta(seconds=1))
    assert sorted(f.schedule for f in policies.tick().submitted) == ["every5-all", "every5-last", "every5-none"]
    assert policies.tick().submitted == ()


def test_a_schedule_removed_from_the_config_is_not_ticked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          clock: FakeClock):
    root = write_project(tmp_path / "project", {"kept": tally_flow("kept"), "dropped": tally_flow("dropped")},
                         monkeypatch)
    world = SchedulerWorld(root, clock)
    try:
        world.tick()
        clock.set(at(8, 1))
        assert sorted(f.schedule for f in world.tick().submitted) == ["dropped", "kept"]
        (root / "flows" / "dropped.yaml").unlink()
        world.close()
        world = SchedulerWorld(root, clock)  # re-reads the project
        clock.set(at(8, 2))
        assert [f.schedule for f in world.tick().submitted] == ["kept"]
        assert world.kv_list("runs:dropped") == [Fire("dropped", at(8, 1)).run_id]
    finally:
        world.close()


def test_a_disabled_schedule_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock):
    root = write_project(tmp_path / "project", {"paused": tally_flow("paused", enabled="false")}, monkeypatch)
    world = SchedulerWorld(root, clock)
    try:
        for minute in (0, 1, 2):
            clock.set(at(8, minute) + timedelta(seconds=1))
            assert world.tick().submitted == ()
        assert world.kv_list("runs:paused") == []
    finally:
        world.close()
