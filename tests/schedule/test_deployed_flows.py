"""Schedulers and fire runners over the deployed flows (issue 13, item 3), on SQLite with a hand-moved clock: a schedule
applied after the scheduler started is picked up on its next tick; a fire runs the version it was scheduled with,
even after a newer apply; a fire of a flow no longer deployed is abandoned at once, with the reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.schedule.fake_clock import FakeClock
from tests.schedule.sched_project import TEST_LEASE, tally_flow, write_project
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.config.model.flow import Overlap
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.deployment import desired_flows
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan
from weavz_flow.runner.records import RunRecords
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.in_process import InProcessDispatcher
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import DueFires
from weavz_flow.schedule.scheduler import Scheduler
from weavz_flow.schedule.sources import NOT_DEPLOYED, DeployedFlows
from weavz_flow.schedule.state import ScheduleState


class World:
    """A scheduler and runner reading the deployment of the project's store; the project is only applied."""

    def __init__(self, root: Path, clock: FakeClock) -> None:
        self.root = root
        self.clock = clock
        self.backend = LocalBackend(root / ".weavz-flow")
        self.records = RunRecords.for_project(root)
        self.state = ScheduleState(self.backend.store)
        self.flows = DeployedFlows(self.backend.store, root)
        self.runner = FireRunner(self.flows, self.state, self.backend, records=self.records, clock=clock,
                                 worker="test-worker", lease=TEST_LEASE)
        self.dispatcher = InProcessDispatcher(self.runner)
        self.scheduler = Scheduler(self.flows, self.state, self.dispatcher, clock)

    def apply(self, *, prune: bool = False) -> str | None:
        project = load_project(self.root)
        result = apply_plan(make_plan(project, self.backend, PlanRequest(prune=prune)), self.backend,
                            book=fingerprint_book(project, self.backend))
        assert result.ok, result.error
        return next((d.digest for d in desired_flows(project) if d.name == "tally"), None)

    def tick(self) -> list[Fire]:
        report = self.scheduler.tick()
        assert self.dispatcher.drain(timeout=30)
        return list(report.submitted)

    def runs(self) -> list[str]:
        outcome = self.backend.execute(ExecuteCall("lab", "kv-store", "get", {"key": "runs:tally"}, alias="kv"))
        return outcome.output["value"] or []

    def close(self) -> None:
        self.dispatcher.close()
        self.records.close()
        self.backend.close()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", "deployed-flows-test-secret-key-0123456789")
    root = write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)
    w = World(root, FakeClock())
    yield w
    w.close()


def set_value(root: Path, template: str) -> None:
    path = root / "flows" / "tally.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'value: "[^"]*"', f'value: "{template}"', text), encoding="utf-8")


def test_a_schedule_applied_after_the_scheduler_started_fires_without_a_restart(world: World) -> None:
    assert world.tick() == [] and world.state.schedule("tally") is None  # nothing deployed yet: not even seen
    digest = world.apply()
    assert world.tick() == []  # first sight: from now on, no backfill
    world.clock.advance(minutes=1)
    (fire,) = world.tick()
    assert world.state.status(fire) is FireStatus.SUCCEEDED
    assert world.state.digest(fire) == digest
    assert world.runs() == [fire.run_id]


def test_a_fire_runs_the_version_it_was_scheduled_with_even_after_a_newer_apply(world: World) -> None:
    set_value(world.root, "old-{{ run.id }}")
    old = world.apply()
    world.tick()
    world.clock.advance(minutes=1)
    due = world.clock.now().replace(second=0, microsecond=0)
    # Decided (with the old version) but not yet run, as when every worker is busy:
    (fire,) = world.state.advance("tally", lambda _w: DueFires((due,), 0, due), now=world.clock.now(), digest=old)
    set_value(world.root, "new-{{ run.id }}")
    new = world.apply()
    assert new != old
    assert world.runner.run(fire, Overlap.SKIP) is FireStatus.SUCCEEDED
    assert world.runs() == [f"old-{fire.run_id}"]
    world.clock.advance(minutes=1)
    (later,) = world.tick()
    assert world.state.digest(later) == new and world.runs()[-1] == f"new-{later.run_id}"


def test_a_fire_of_a_flow_no_longer_deployed_is_abandoned_at_once(world: World) -> None:
    world.apply()
    world.tick()
    world.clock.advance(minutes=1)
    due = world.clock.now().replace(second=0, microsecond=0)
    (fire,) = world.state.advance("tally", lambda _w: DueFires((due,), 0, due), now=world.clock.now())
    (world.root / "flows" / "tally.yaml").unlink()
    world.apply(prune=True)
    assert world.runner.run(fire, Overlap.SKIP) is FireStatus.ABANDONED
    (record,) = world.state.fires("tally")
    assert record.status is FireStatus.ABANDONED and record.error == NOT_DEPLOYED
    assert world.runs() == []
    world.clock.advance(timedelta(minutes=3))
    assert world.tick() == []  # no schedule left to decide


def test_schedule_lists_what_is_deployed_from_a_directory_without_a_project(world: World, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    world.apply()
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    store = str(world.root / ".weavz-flow" / "state.db")
    result = CliRunner().invoke(cli, ["schedule", "--list", "--database-url", store],
                                env={"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('tally (lab): "* * * * *" UTC') and "tally: last fire none yet" in result.stdout
    (world.root / "flows" / "tally.yaml").unlink()  # the checkout changes; the store does not
    nowhere = CliRunner().invoke(cli, ["schedule", "--list"], env={"WEAVZ_FLOW_DATABASE_URL": None})
    assert nowhere.exit_code == 1 and "weavz-flow.yaml" in nowhere.output and "Traceback" not in nowhere.output
