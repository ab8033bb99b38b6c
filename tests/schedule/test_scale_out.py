"""Acceptance: two ``weavz-flow schedule`` processes share one PostgreSQL store; a run of due fires is handled by both,
one of them is killed (SIGKILL) while it runs a fire, and every fire still runs exactly once.

The flow appends its run id to a KV list (in the store), then calls the echo stub's ``/slow`` with its run id and the
process's tag. Its schedule's watermark is set N minutes back, so N fires are due at once (``missed: all``). Each
process runs one fire at a time, so when the stub sees a request from process A, A is inside that fire's slow step:
that is when A is killed. Its fire is then taken over by B once A's lease has expired (short leases for the test);
the run id derives from the fire, so the KV step that had completed is replayed by the engine, not repeated.

The same holds for a pure scheduler (``schedule --no-worker``) with two ``weavz-flow worker`` processes, one killed.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    SECRET_KEY,
    LoggedProcess,
    QueueDatabase,
    converge,
    queue_db,
    recorded_runs,
    set_watermark,
    wait_until,
    write_project,
)
from tests.stubs.echo import EchoStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.state import ScheduleState

pytestmark = pytest.mark.postgres

DUE = 40  # fires due at once when the schedulers start
KILL_AFTER = 3  # process A is killed during its (KILL_AFTER + 1)-th fire
LEASE_S = 3.0
STALLED_S = 3.0
FINAL = {FireStatus.SUCCEEDED, FireStatus.FAILED, FireStatus.SKIPPED}


class Process(LoggedProcess):
    """One ``weavz-flow schedule`` (or ``worker``) process running one fire at a time, tagged for the echo stub."""

    def __init__(self, tag: str, root: Path, database_url: str, log_dir: Path, command: str = "schedule",
                 *extra: str) -> None:
        self.tag = tag
        env = {**os.environ, "WF_PROCESS": tag, "WEAVZ_FLOW_SECRET_KEY": SECRET_KEY}
        env.pop("WEAVZ_FLOW_DATABASE_URL", None)
        super().__init__([command, str(root), "--database-url", database_url, "--concurrency", "1", "--lease",
                          str(LEASE_S), "--stalled-after", str(STALLED_S), *extra],
                         log=log_dir / f"{command}-{tag}.log", cwd=root, env=env)

    def stop(self, grace_s: float = 30) -> None:
        super().stop(grace_s)


@pytest.fixture
def project(tmp_path: Path, queue_db: QueueDatabase, echo_stub: EchoStub,  # noqa: F811
            monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    root = write_project(tmp_path / "project", database_url=queue_db.url, echo_url=echo_stub.url, slow_s=0.4,
                         overlap="allow", missed="all")
    converge(root)
    return root


@pytest.fixture
def backend(project: Path, queue_db: QueueDatabase) -> Iterator[LocalBackend]:  # noqa: F811
    b = LocalBackend(project / ".weavz-flow", queue_db.url)
    yield b
    b.close()


def kill_mid_fire(victim: Process, echo_stub: EchoStub, others: list[Process]) -> str:
    """SIGKILL ``victim`` as its (KILL_AFTER + 1)-th fire waits for the slow call; returns that fire's run id."""

    def calls() -> list[str]:
        return [r.query["run"] for r in echo_stub.requests if r.query.get("process") == victim.tag]

    assert wait_until(lambda: len(calls()) > KILL_AFTER, timeout=120, every=0.01), \
        "".join(p.output() for p in [victim, *others])
    victim.process.kill()
    victim.process.wait(10)
    return calls()[-1]


def wait_all_done(state: ScheduleState, due: set[datetime], survivors: list[Process]) -> None:
    def all_done() -> bool:
        fires = state.fires("tick")
        return {f.fire.fire_at for f in fires} >= due and all(f.status in FINAL for f in fires)

    assert wait_until(all_done, timeout=240, every=0.2), "".join(p.output() for p in survivors)


def assert_each_fire_ran_once(state: ScheduleState, due: set[datetime], backend: LocalBackend, echo_stub: EchoStub,
                              killed: Process, killed_run: str, ran_by: set[Process]) -> None:
    # The survivors stopped gracefully: every fire they had started finished. Fires that came due while the test ran
    # may still wait; they have not run, so they are in no record either.
    ran = [f for f in state.fires("tick") if f.status in FINAL]
    assert {f.fire.fire_at for f in ran} >= due
    assert all(f.status is FireStatus.SUCCEEDED for f in ran), [(f.fire.key, f.status, f.error) for f in ran]
    expected = Counter(f.fire.run_id for f in ran)
    assert Counter(recorded_runs(backend)) == expected  # each fire's KV append exactly once, none lost
    requests = Counter(r.query.get("run") for r in echo_stub.requests if r.path == "/slow")
    assert requests == expected  # each fire's provider call once: the killed fire's call was not sent again
    pids = {(f.worker or "").rpartition(":")[2] for f in ran}
    assert pids == {str(p.process.pid) for p in ran_by}  # the work was shared
    killed_fire = next(f for f in ran if f.fire.run_id == killed_run)
    assert killed_fire.worker is not None
    assert not killed_fire.worker.endswith(f":{killed.process.pid}")  # another process took it over and finished it


def test_two_schedulers_run_every_due_fire_exactly_once_when_one_is_killed(
    project: Path, backend: LocalBackend, queue_db: QueueDatabase, echo_stub: EchoStub,  # noqa: F811
    tmp_path: Path,
) -> None:
    state = ScheduleState(backend.store)
    due = set_watermark(state, DUE)
    a = Process("A", project, queue_db.url, tmp_path)
    b = Process("B", project, queue_db.url, tmp_path)
    try:
        killed_run = kill_mid_fire(a, echo_stub, [b])
        wait_all_done(state, due, [b])
    finally:
        a.stop()
        b.stop()
    assert b.process.returncode == 0, b.output()
    assert_each_fire_ran_once(state, due, backend, echo_stub, a, killed_run, {a, b})


def test_a_pure_scheduler_and_two_workers_when_a_worker_is_killed(
    project: Path, backend: LocalBackend, queue_db: QueueDatabase, echo_stub: EchoStub,  # noqa: F811
    tmp_path: Path,
) -> None:
    state = ScheduleState(backend.store)
    due = set_watermark(state, DUE // 2)
    scheduler = Process("S", project, queue_db.url, tmp_path, "schedule", "--no-worker")
    w1 = Process("W1", project, queue_db.url, tmp_path, "worker")
    w2 = Process("W2", project, queue_db.url, tmp_path, "worker")
    try:
        killed_run = kill_mid_fire(w1, echo_stub, [scheduler, w2])
        wait_all_done(state, due, [scheduler, w2])
    finally:
        for p in (w1, w2, scheduler):
            p.stop()
    assert (scheduler.process.returncode, w2.process.returncode) == (0, 0), scheduler.output() + w2.output()
    assert_each_fire_ran_once(state, due, backend, echo_stub, w1, killed_run, {w1, w2})
