"""Recovery re-delivers only what needs it: a fire still waiting in its dispatcher (the in-process pool, or the task
queue under its queueing lock) is found on every tick but is not delivered or logged again; a fire whose delivery was
lost is, once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.schedule.fake_clock import FakeClock
from tests.schedule.gate_stub import GateStub
from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    SECRET_KEY,
    QueueDatabase,
    converge,
    queue_db,
)
from tests.schedule.queue_fixtures import write_project as write_queue_project
from tests.schedule.sched_project import SchedulerWorld, gate_flow, wait_until, write_project
from tests.stubs.base import running
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.model.flow import Overlap
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.queue import ProcrastinateDispatcher
from weavz_flow.schedule.scheduler import DEFAULT_REDELIVER_AFTER, Scheduler
from weavz_flow.schedule.state import ScheduleState

T0 = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
STALE = DEFAULT_REDELIVER_AFTER + timedelta(seconds=1)


def lines_about(caplog: pytest.LogCaptureFixture, fire: Fire) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "weavz_flow.schedule" and r.levelno >= logging.INFO
            and fire.key in r.getMessage()]


@pytest.fixture
def gate() -> Iterator[GateStub]:
    with running(GateStub()) as stub:
        yield stub  # type: ignore[misc]


def test_a_fire_waiting_for_a_free_thread_is_not_delivered_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: GateStub, caplog: pytest.LogCaptureFixture):
    root = write_project(tmp_path / "project", {"slow": gate_flow("slow", gate.url, "allow")}, monkeypatch)
    world = SchedulerWorld(root, FakeClock(T0), concurrency=1)
    try:
        world.tick()
        world.clock.set(datetime(2026, 3, 2, 8, 1, 1, tzinfo=UTC))
        (first,) = world.tick(drain=False).submitted
        wait_until(lambda: len(gate.arrived("slow")) == 1, "the first fire to hold the only thread")
        world.clock.set(datetime(2026, 3, 2, 8, 2, 1, tzinfo=UTC))
        (second,) = world.tick(drain=False).submitted  # waits for the thread the first fire holds
        assert world.dispatcher.submit(second, Overlap.ALLOW) is False  # already in flight here
        # Recovery looks at PENDING fires older than 10 s: the clock stays within the minute (no new fire due).
        scheduler = Scheduler(world.project, world.state, world.dispatcher, world.clock,
                              redeliver_after=timedelta(seconds=10))
        world.clock.advance(seconds=11)
        caplog.set_level(logging.INFO, logger="weavz_flow.schedule")
        caplog.clear()
        for _ in range(3):
            report = scheduler.tick()
            assert report.redelivered == () and report.submitted == ()
        assert lines_about(caplog, second) == []
        assert world.state.status(second) is FireStatus.PENDING
        gate.open("slow")
        assert world.dispatcher.drain(timeout=30)
        assert world.state.status(first) is world.state.status(second) is FireStatus.SUCCEEDED
    finally:
        gate.open("slow")  # never leave the pool waiting at the gate
        world.close()


@pytest.mark.postgres
def test_a_queued_fire_is_not_delivered_again_until_its_job_is_lost(
        tmp_path: Path, queue_db: QueueDatabase, echo_stub: object,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    root = write_queue_project(tmp_path / "project", database_url=queue_db.url,
                               echo_url=echo_stub.url)  # type: ignore[attr-defined]
    project = converge(root)
    backend = LocalBackend(root / ".weavz-flow", queue_db.url)
    dispatcher = ProcrastinateDispatcher(queue_db.conninfo)  # a pure scheduler: no worker takes the jobs
    try:
        clock = FakeClock(T0)
        scheduler = Scheduler(project, ScheduleState(backend.store), dispatcher, clock)
        scheduler.tick()
        clock.set(datetime(2026, 3, 2, 8, 1, 1, tzinfo=UTC))
        (fire,) = scheduler.tick().submitted
        clock.advance(STALE)
        caplog.set_level(logging.INFO, logger="weavz_flow.schedule")
        caplog.clear()
        for _ in range(3):
            assert scheduler.tick().redelivered == ()  # its job waits under the queueing lock
        assert lines_about(caplog, fire) == []
        with psycopg.connect(queue_db.conninfo, autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_jobs WHERE queueing_lock = %s", (fire.key,))
        assert scheduler.tick().redelivered == (fire,)  # the delivery was lost: queued again, once
        assert len(lines_about(caplog, fire)) == 1
        assert scheduler.tick().redelivered == ()
        with psycopg.connect(queue_db.conninfo) as conn:
            jobs = conn.execute("SELECT status FROM procrastinate_jobs WHERE queueing_lock = %s",
                                (fire.key,)).fetchall()
        assert jobs == [("todo",)]
    finally:
        dispatcher.close()
        backend.close()
