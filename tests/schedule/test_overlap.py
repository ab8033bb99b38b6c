"""Overlap policies through the scheduler, with a flow that blocks at a gate until the test opens it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.schedule.fake_clock import FakeClock
from tests.schedule.gate_stub import GateStub
from tests.schedule.sched_project import SchedulerWorld, gate_flow, wait_until, write_project
from tests.stubs.base import running
from weavz_flow.schedule.model import Fire, FireStatus

T0 = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)
A = Fire("slow", datetime(2026, 3, 2, 8, 1, tzinfo=UTC))
B = Fire("slow", datetime(2026, 3, 2, 8, 2, tzinfo=UTC))


@pytest.fixture(scope="module")
def gate_server() -> Iterator[GateStub]:
    with running(GateStub()) as stub:
        yield stub  # type: ignore[misc]


@pytest.fixture
def gate(gate_server: GateStub) -> Iterator[GateStub]:
    gate_server.reset()
    yield gate_server
    gate_server.open("slow")  # never leave a request hanging


def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: GateStub, overlap: str) -> SchedulerWorld:
    root = write_project(tmp_path / "project", {"slow": gate_flow("slow", gate.url, overlap)}, monkeypatch)
    world = SchedulerWorld(root, FakeClock(T0))
    world.tick()  # the schedule starts from 08:00:05
    world.clock.set(A.fire_at + timedelta(seconds=1))
    assert world.tick(drain=False).submitted == (A,)
    wait_until(lambda: len(gate.arrived("slow")) == 1, "the first fire to reach the gate")
    world.clock.set(B.fire_at + timedelta(seconds=1))
    assert world.tick(drain=False).submitted == (B,)
    return world


def run_ids_at_gate(gate: GateStub) -> list[str]:
    return [r.query["run"] for r in gate.arrived("slow")]


def test_skip_drops_a_fire_while_the_previous_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          gate: GateStub):
    world = start(tmp_path, monkeypatch, gate, "skip")
    try:
        wait_until(lambda: world.state.status(B) is FireStatus.SKIPPED, "the second fire to be skipped")
        assert world.state.status(A) is FireStatus.RUNNING
        gate.open("slow")
        assert world.dispatcher.drain(timeout=30)
        assert world.state.status(A) is FireStatus.SUCCEEDED
        assert run_ids_at_gate(gate) == [A.run_id]
        assert [r.id for r in world.records.recent(flow="slow")] == [A.run_id]  # a skipped fire makes no run
    finally:
        world.close()


def test_queue_waits_for_the_previous_run_then_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: GateStub):
    world = start(tmp_path, monkeypatch, gate, "queue")
    try:
        polled_from = world.clock.now()
        # The waiting fire polls on the clock, which moves it on: a few polls prove it is waiting, not running.
        wait_until(lambda: world.clock.now() >= polled_from + timedelta(seconds=3), "the second fire to poll")
        assert world.state.status(B) is FireStatus.RUNNING  # claimed, waiting its turn
        assert run_ids_at_gate(gate) == [A.run_id]
        gate.open("slow")
        assert world.dispatcher.drain(timeout=30)
        assert run_ids_at_gate(gate) == [A.run_id, B.run_id]
        assert world.state.status(A) is world.state.status(B) is FireStatus.SUCCEEDED
        first, second = world.records.get(A.run_id), world.records.get(B.run_id)
        assert first.finished_at is not None and first.finished_at <= second.started_at
    finally:
        world.close()


def test_allow_runs_fires_side_by_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: GateStub):
    world = start(tmp_path, monkeypatch, gate, "allow")
    try:
        # Both runs are at the gate at once: the second started while the first was still going.
        wait_until(lambda: len(gate.arrived("slow")) == 2, "the second fire to reach the gate too")
        assert run_ids_at_gate(gate) == [A.run_id, B.run_id]
        gate.open("slow")
        assert world.dispatcher.drain(timeout=30)
        assert world.state.status(A) is world.state.status(B) is FireStatus.SUCCEEDED
    finally:
        world.close()
