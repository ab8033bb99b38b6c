"""Recovery: a fire a crashed scheduler committed but never dispatched, and a fire whose worker died mid-run, are
delivered again and run once; the re-run reuses the fire's run id, so calls that had completed are not repeated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.schedule.fake_clock import FakeClock
from tests.schedule.sched_project import SchedulerWorld, tally_flow, two_call_flow, write_project
from tests.stubs.echo import EchoStub
from weavz_flow.runner.outcome import EventKind, RunEvent
from weavz_flow.runner.run import FlowRunner
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import due_fires
from weavz_flow.schedule.scheduler import DEFAULT_REDELIVER_AFTER

HOUR_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class ProcessDied(BaseException):
    """Stands for the end of a worker process in the middle of a run (nothing in the runner handles it)."""


def die_after_step_one(event: RunEvent) -> None:
    if event.kind is EventKind.STEP_FINISHED and event.step_id == "one":
        raise ProcessDied


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, echo_stub: EchoStub) -> Iterator[SchedulerWorld]:
    flows = {"tally": tally_flow("tally", "*/5 * * * *"), "calls": two_call_flow("calls", echo_stub.url)}
    w = SchedulerWorld(write_project(tmp_path / "project", flows, monkeypatch), FakeClock(HOUR_START))
    yield w
    w.close()


def test_a_fire_left_pending_by_a_crashed_scheduler_is_delivered_again_and_runs_once(world: SchedulerWorld):
    clock = world.clock
    world.tick()  # both schedules start at 08:00
    # A scheduler decides 08:05 and commits, then dies before handing the fire to anyone.
    clock.set(HOUR_START + timedelta(minutes=5, seconds=1))
    now = clock.now()
    tally = world.project.flows["tally"].schedule
    assert tally is not None
    lost = world.state.advance("tally", lambda wm: due_fires(tally, wm, now), now=now)
    assert lost == [Fire("tally", HOUR_START + timedelta(minutes=5))]
    world.restart()
    report = world.tick()
    assert report.submitted == report.redelivered == ()  # decided already, and too fresh to count as lost
    assert world.state.status(lost[0]) is FireStatus.PENDING
    clock.set(now + DEFAULT_REDELIVER_AFTER + timedelta(seconds=1))
    report = world.tick()
    assert report.redelivered == (lost[0],) and report.submitted == ()
    assert world.state.status(lost[0]) is FireStatus.SUCCEEDED
    assert world.kv_list("runs:tally") == [lost[0].run_id]
    clock.advance(minutes=5)  # 08:11:02: the next fire, and nothing delivered twice
    report = world.tick()
    assert report.submitted == (Fire("tally", HOUR_START + timedelta(minutes=10)),) and report.redelivered == ()
    assert world.kv_list("runs:tally") == [lost[0].run_id, report.submitted[0].run_id]


def test_a_fire_whose_worker_died_mid_run_is_taken_over_without_repeating_completed_calls(
        world: SchedulerWorld, echo_stub: EchoStub):
    clock = world.clock
    world.tick()  # 08:00: the hourly `calls` schedule starts
    clock.set(HOUR_START + timedelta(hours=1, seconds=1))
    # A worker of another process claims the 09:00 fire and runs it; the process dies right after step one
    # completed. It never finishes the fire, and its lease runs out.
    fire = Fire("calls", HOUR_START + timedelta(hours=1))
    calls = world.project.flows["calls"].schedule
    assert calls is not None
    now = clock.now()
    assert world.state.advance("calls", lambda wm: due_fires(calls, wm, now), now=now) == [fire]
    assert world.state.claim(fire, "dead-worker", timedelta(minutes=1), now)
    dying = FlowRunner(world.project, world.backend, records=world.records, on_event=die_after_step_one)
    with pytest.raises(ProcessDied):
        dying.run("calls", {}, run_id=fire.run_id)
    assert [r.path for r in echo_stub.requests] == ["/calls/one"]

    clock.set(now + timedelta(seconds=30))
    assert world.tick().redelivered == ()  # the lease still holds: the fire is not taken from its worker
    assert world.state.status(fire) is FireStatus.RUNNING
    clock.set(now + timedelta(minutes=1, seconds=1))
    report = world.tick()
    assert report.redelivered == (fire,)
    record = next(r for r in world.state.fires("calls") if r.fire == fire)
    assert record.status is FireStatus.SUCCEEDED and record.worker == "test-worker" and record.run_id == fire.run_id
    # Step one came back from the engine's idempotency ledger: the provider received each call once.
    assert [r.path for r in echo_stub.requests] == ["/calls/one", "/calls/two"]
    run = world.records.get(fire.run_id)
    assert run.status == "succeeded" and [s.status for s in run.steps] == ["succeeded", "succeeded"]
    assert [r.id for r in world.records.recent(flow="calls")] == [fire.run_id]  # one record, restarted in place
