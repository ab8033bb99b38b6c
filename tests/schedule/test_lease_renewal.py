"""Database trouble in the scheduler's log: a lease renewal that fails (the database is away for a moment), or a fire
that cannot reach the store, is one log line without traceback, SQL or secret; the traceback is at DEBUG only; a fire
still finishes once the database is back."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.schedule.fake_clock import FakeClock
from tests.schedule.gate_stub import GateStub
from tests.schedule.sched_project import SchedulerWorld, gate_flow, tally_flow, wait_until, write_project
from tests.stubs.base import running
from weavz_flow.config.model.flow import Overlap
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.log_text import MASK, one_line
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import due_fires

T0 = datetime(2026, 3, 2, 8, 0, 5, tzinfo=UTC)


@pytest.fixture
def gate() -> Iterator[GateStub]:
    with running(GateStub()) as stub:
        yield stub  # type: ignore[misc]


def renewal_failures(caplog: pytest.LogCaptureFixture, fire: Fire, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "weavz_flow.schedule" and r.levelno == level
            and fire.key in r.getMessage() and "renew" in r.getMessage()]


def test_a_failed_renewal_is_one_line_and_the_traceback_only_at_debug(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: GateStub, caplog: pytest.LogCaptureFixture):
    root = write_project(tmp_path / "project", {"slow": gate_flow("slow", gate.url, "allow")}, monkeypatch)
    world = SchedulerWorld(root, FakeClock(T0))
    store = world.backend.store
    try:
        now = T0 + timedelta(minutes=1)
        config = world.project.flows["slow"].schedule
        assert config is not None
        world.state.advance("slow", lambda wm: due_fires(config, None, T0))
        (fire,) = world.state.advance("slow", lambda wm: due_fires(config, wm, now), now=now) or []
        # A lease short enough that the heartbeat renews it several times a second.
        runner = FireRunner(world.project, world.state, world.backend, records=world.records, clock=world.clock,
                            worker="w", lease=timedelta(seconds=0.3))
        caplog.set_level(logging.DEBUG, logger="weavz_flow.schedule")
        world.dispatcher.close()
        result: list[FireStatus] = []
        thread = threading.Thread(target=lambda: result.append(runner.run(fire, Overlap.ALLOW)))
        thread.start()
        try:
            wait_until(lambda: len(gate.arrived("slow")) == 1, "the fire to reach the gate", 60)
            with store.write() as conn:  # the fire table is away: the next renewals fail in the database
                conn.execute(sa.text("ALTER TABLE schedule_fires RENAME TO schedule_fires_away"))
            wait_until(lambda: renewal_failures(caplog, fire, logging.WARNING), "a renewal to fail", 60)
            with store.write() as conn:
                conn.execute(sa.text("ALTER TABLE schedule_fires_away RENAME TO schedule_fires"))
        finally:
            gate.open("slow")
            thread.join(60)
        assert result == [FireStatus.SUCCEEDED]
        assert world.state.status(fire) is FireStatus.SUCCEEDED
        warnings = renewal_failures(caplog, fire, logging.WARNING)
        for record in warnings:
            text = logging.Formatter("%(levelname)s %(message)s").format(record)
            assert record.exc_info is None and "\n" not in text and "Traceback" not in text
            assert "OperationalError" in text and "[SQL" not in text  # the error's type and first line only
        debug = renewal_failures(caplog, fire, logging.DEBUG)
        assert debug and all(r.exc_info is not None for r in debug)  # the full story, at DEBUG
    finally:
        gate.open("slow")
        world.close()


def test_one_line_keeps_the_first_line_and_masks_secrets():
    exc = RuntimeError('connection to "db.internal" failed for postgres:hunter2@db\n[SQL: UPDATE x]\nmore')
    assert one_line(exc, ("hunter2", None, "")) == \
        f'RuntimeError: connection to "db.internal" failed for postgres:{MASK}@db'
    assert one_line(RuntimeError()) == "RuntimeError"
    assert one_line(ValueError("  \n  spaced out  \n")) == "ValueError: spaced out"


def test_a_fire_that_cannot_reach_the_store_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture):
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    world = SchedulerWorld(root, FakeClock(T0))
    try:
        fire = Fire("tally", T0 + timedelta(minutes=1))
        with world.backend.store.write() as conn:
            conn.execute(sa.text("ALTER TABLE schedule_fires RENAME TO schedule_fires_away"))
        caplog.set_level(logging.DEBUG, logger="weavz_flow.schedule")
        assert world.dispatcher.submit(fire, Overlap.ALLOW)
        assert world.dispatcher.drain(timeout=60)
        errors = [r for r in caplog.records if r.levelno >= logging.WARNING and fire.key in r.getMessage()]
        assert len(errors) == 1
        text = logging.Formatter("%(levelname)s %(message)s").format(errors[0])
        assert errors[0].exc_info is None and "\n" not in text and "OperationalError" in text
        assert any(r.levelno == logging.DEBUG and r.exc_info is not None for r in caplog.records)
    finally:
        world.close()
