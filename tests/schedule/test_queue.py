"""The procrastinate dispatcher and worker on a real PostgreSQL schema.

The queue mechanics (queueing lock, per-schedule lock, pick-up, requeue of a dead worker's jobs, graceful stop) are
shown with a handler that records what it was given; exactly-once under repeated delivery and the take-over of a fire
whose holder stopped renewing its lease are shown with the real fire runner, schedule state and engine.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    QueueDatabase,
    converge,
    queue_db,
    recorded_runs,
    wait_until,
    write_project,
)
from tests.stubs.echo import EchoStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.model.flow import Overlap
from weavz_flow.engine.store import Store
from weavz_flow.schedule.clock import SystemClock
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.model import Fire, FireStatus
from weavz_flow.schedule.policy import DueFires
from weavz_flow.schedule.queue import (
    RUN_FIRE_TASK,
    ProcrastinateDispatcher,
    ensure_queue_schema,
    make_app,
    store_conninfo,
)
from weavz_flow.schedule.queue_worker import QueueWorker, WorkerSettings, requeue_stalled, start_worker
from weavz_flow.schedule.state import ScheduleState

pytestmark = pytest.mark.postgres

FAST = WorkerSettings(concurrency=4, poll_every=0.2, heartbeat_every=0.5, stalled_after=3.0, reap_every=0.5)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def fire(schedule: str, minute: int) -> Fire:
    return Fire(schedule, T0 + timedelta(minutes=minute))


@dataclass
class Recorder:
    """A fire handler that records the fires it was handed, how many of a schedule ran at once, and can hold a fire
    until the test releases it."""

    lease: timedelta = timedelta(seconds=5)
    seen: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    most_at_once: Counter[str] = field(default_factory=Counter)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    started: dict[str, threading.Event] = field(default_factory=dict)
    meet: dict[str, threading.Barrier] = field(default_factory=dict)
    _running: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, fire: Fire, overlap: Overlap) -> FireStatus:
        with self._lock:
            self.seen.append(fire.key)
            self._running[fire.schedule] += 1
            self.most_at_once[fire.schedule] = max(self.most_at_once[fire.schedule], self._running[fire.schedule])
        try:
            self.started.setdefault(fire.key, threading.Event()).set()
            if fire.schedule in self.meet:
                self.meet[fire.schedule].wait(timeout=20)  # BrokenBarrierError if the fires never ran together
            if fire.key in self.hold:
                assert self.hold[fire.key].wait(timeout=20)
            else:
                threading.Event().wait(0.05)  # long enough for a second job of the schedule to start if it could
        finally:
            with self._lock:
                self._running[fire.schedule] -= 1
                self.finished.append(fire.key)
        return FireStatus.SUCCEEDED


@pytest.fixture
def dispatcher(queue_db: QueueDatabase) -> Iterator[ProcrastinateDispatcher]:  # noqa: F811
    d = ProcrastinateDispatcher(queue_db.conninfo)
    yield d
    d.close()


@pytest.fixture
def workers() -> Iterator[list[QueueWorker]]:
    started: list[QueueWorker] = []
    yield started
    for w in started:
        w.stop(timeout=30)


def jobs(conninfo: str) -> list[tuple[str, str]]:
    with psycopg.connect(conninfo) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT queueing_lock, status FROM procrastinate_jobs ORDER BY id").fetchall()]


# -- connection and schema ----------------------------------------------------------------------------------------


def test_store_conninfo_works_in_the_stores_schema(queue_db: QueueDatabase) -> None:  # noqa: F811
    with psycopg.connect(queue_db.conninfo) as conn:
        assert conn.execute("SELECT current_schema()").fetchone() == (queue_db.schema,)
    # A schema named in the URL's own options (what a command line can pass) is kept as well.
    store = Store(queue_db.url, upgrade=False)
    try:
        with psycopg.connect(store_conninfo(store)) as conn:
            assert conn.execute("SELECT current_schema()").fetchone() == (queue_db.schema,)
    finally:
        store.close()


def test_the_queue_schema_is_created_once_when_processes_start_together(queue_db: QueueDatabase) -> None:  # noqa: F811
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        results.append(ensure_queue_schema(queue_db.conninfo))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False, False, False, True]
    with psycopg.connect(queue_db.conninfo) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = "
                              "'procrastinate_jobs'", (queue_db.schema,)).fetchone()
    assert tables == (1,)
    assert ensure_queue_schema(queue_db.conninfo) is False


# -- dispatch -------------------------------------------------------------------------------------------------------


def test_a_fire_delivered_twice_before_it_starts_is_one_job(
    queue_db: QueueDatabase, dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],  # noqa: F811
) -> None:
    f = fire("digest", 0)
    dispatcher.submit(f, Overlap.SKIP)
    dispatcher.submit(f, Overlap.SKIP)  # the queueing lock: the same waiting job, not a second one
    assert jobs(queue_db.conninfo) == [(f.key, "todo")]
    recorder = Recorder()
    workers.append(start_worker(queue_db.conninfo, recorder, FAST))
    assert wait_until(lambda: recorder.finished == [f.key])
    workers[0].stop(timeout=30)
    assert recorder.seen == [f.key]


def test_a_running_worker_picks_up_fires_deferred_by_another_process(
    queue_db: QueueDatabase, dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],  # noqa: F811
) -> None:
    recorder = Recorder()
    workers.append(start_worker(queue_db.conninfo, recorder, FAST))
    fires = [fire("sync", m) for m in range(3)]
    for f in fires:
        dispatcher.submit(f, Overlap.ALLOW)
    assert wait_until(lambda: sorted(recorder.finished) == sorted(f.key for f in fires))


def test_overlap_queue_runs_a_schedules_fires_one_at_a_time_in_order_across_workers(
    queue_db: QueueDatabase, dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],  # noqa: F811
) -> None:
    recorder = Recorder()
    recorder.meet["parallel"] = threading.Barrier(2)  # these two can only finish if they run at the same time
    queued = [fire("queued", m) for m in range(5)]
    for f in queued:
        dispatcher.submit(f, Overlap.QUEUE)
    for m in range(2):
        dispatcher.submit(fire("parallel", m), Overlap.ALLOW)
    workers.append(start_worker(queue_db.conninfo, recorder, FAST))
    workers.append(start_worker(queue_db.conninfo, recorder, FAST))
    assert wait_until(lambda: len(recorder.finished) == 7)
    assert recorder.most_at_once["queued"] == 1
    assert [k for k in recorder.seen if k.startswith("queued")] == [f.key for f in queued]
    assert recorder.most_at_once["parallel"] == 2


def test_stop_lets_the_running_fire_finish_and_takes_no_new_one(
    queue_db: QueueDatabase, dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],  # noqa: F811
) -> None:
    first, second = fire("slow", 0), fire("slow", 1)
    recorder = Recorder()
    recorder.hold[first.key] = threading.Event()
    worker = start_worker(queue_db.conninfo, recorder, WorkerSettings(concurrency=1, poll_every=0.2))
    dispatcher.submit(first, Overlap.QUEUE)
    dispatcher.submit(second, Overlap.QUEUE)
    assert wait_until(lambda: first.key in recorder.started)
    stopper = threading.Thread(target=worker.stop, kwargs={"timeout": 30})
    stopper.start()
    recorder.hold[first.key].set()
    stopper.join(30)
    assert not worker.running
    assert worker.error is None
    assert recorder.finished == [first.key]
    assert (second.key, "todo") in jobs(queue_db.conninfo)  # left for the next worker


# -- recovery ---------------------------------------------------------------------------------------------------


def _take_job_as_a_worker_that_dies(conninfo: str) -> None:
    """Fetch the next fire job as a registered worker, then make that worker look dead (its heartbeat an hour old)."""

    async def take() -> None:
        app = make_app(conninfo)
        async with app.open_async():
            worker_id = await app.job_manager.register_worker()
            job = await app.job_manager.fetch_job(queues=None, worker_id=worker_id)
            assert job is not None and job.task_name == RUN_FIRE_TASK

    asyncio.run(take())
    with psycopg.connect(conninfo) as conn:
        conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")


def test_the_job_of_a_dead_worker_is_put_back_and_run(
    queue_db: QueueDatabase, dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],  # noqa: F811
) -> None:
    f = fire("report", 0)
    dispatcher.submit(f, Overlap.QUEUE)
    _take_job_as_a_worker_that_dies(queue_db.conninfo)
    assert jobs(queue_db.conninfo) == [(f.key, "doing")]  # stuck, and holding the schedule's lock
    later = fire("report", 1)
    dispatcher.submit(later, Overlap.QUEUE)
    recorder = Recorder()
    workers.append(start_worker(queue_db.conninfo, recorder, FAST))  # its reaper finds the dead worker's job
    assert wait_until(lambda: len(recorder.finished) == 2)
    assert recorder.seen == [f.key, later.key]


def test_a_dead_workers_job_whose_fire_was_delivered_again_ends_without_running(
    queue_db: QueueDatabase, dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],  # noqa: F811
) -> None:
    f = fire("report", 0)
    dispatcher.submit(f, Overlap.SKIP)
    _take_job_as_a_worker_that_dies(queue_db.conninfo)
    dispatcher.submit(f, Overlap.SKIP)  # the scheduler's recovery delivers the fire again: a new waiting job

    async def reap() -> int:
        app = make_app(queue_db.conninfo)
        async with app.open_async():
            return await requeue_stalled(app, stalled_after=60)

    assert asyncio.run(reap()) == 0  # the waiting job owns the queueing lock; the stuck copy is closed instead
    assert jobs(queue_db.conninfo) == [(f.key, "failed"), (f.key, "todo")]
    recorder = Recorder()
    workers.append(start_worker(queue_db.conninfo, recorder, FAST))
    assert wait_until(lambda: recorder.finished == [f.key])


# -- with the real fire runner -------------------------------------------------------------------------------------


@pytest.fixture
def scheduled(tmp_path: Path, queue_db: QueueDatabase, echo_stub: EchoStub,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FireRunner, LocalBackend, ScheduleState]]:
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", "queue-test-secret-key-0123456789")
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    root = write_project(tmp_path / "project", database_url=queue_db.url, echo_url=echo_stub.url, slow_s=0.3)
    project = converge(root)
    backend = LocalBackend(root / ".weavz-flow", queue_db.url)
    state = ScheduleState(backend.store)
    runner = FireRunner(project, state, backend, records=None, clock=SystemClock(), worker="test-worker",
                        lease=timedelta(seconds=2))
    yield runner, backend, state
    backend.close()


def _pending(state: ScheduleState, f: Fire) -> None:
    fires = state.advance(f.schedule, lambda _watermark: DueFires((f.fire_at,), 0, f.fire_at), now=T0)
    assert fires == [f]


def test_a_fire_delivered_again_and_again_runs_once(
    scheduled: tuple[FireRunner, LocalBackend, ScheduleState], queue_db: QueueDatabase,  # noqa: F811
    dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker], echo_stub: EchoStub,
) -> None:
    runner, backend, state = scheduled
    f = fire("tick", 0)
    _pending(state, f)
    dispatcher.submit(f, Overlap.ALLOW)
    workers.append(start_worker(queue_db.conninfo, runner, FAST))
    workers.append(start_worker(queue_db.conninfo, runner, FAST))
    assert wait_until(lambda: state.status(f) is not FireStatus.PENDING)
    for _ in range(3):  # deliveries while it runs and after it finished
        dispatcher.submit(f, Overlap.ALLOW)
    assert wait_until(lambda: state.status(f) is FireStatus.SUCCEEDED)
    assert wait_until(lambda: all(status != "todo" and status != "doing" for _, status in jobs(queue_db.conninfo)))
    assert recorded_runs(backend) == [f.run_id]
    assert [r.query.get("run") for r in echo_stub.requests] == [f.run_id]


def test_a_fire_whose_holder_stopped_renewing_is_taken_over_after_its_lease(
    scheduled: tuple[FireRunner, LocalBackend, ScheduleState], queue_db: QueueDatabase,  # noqa: F811
    dispatcher: ProcrastinateDispatcher, workers: list[QueueWorker],
) -> None:
    runner, backend, state = scheduled
    f = fire("tick", 0)
    _pending(state, f)
    # A worker on another machine claimed the fire and died: nobody renews its one-second lease.
    assert state.claim(f, "dead-worker", timedelta(seconds=1), SystemClock().now())
    dispatcher.submit(f, Overlap.ALLOW)
    workers.append(start_worker(queue_db.conninfo, runner, FAST))
    # The job finds the fire held, comes back after the runner's lease, and takes the expired claim over.
    assert wait_until(lambda: state.status(f) is FireStatus.SUCCEEDED, timeout=30)
    assert recorded_runs(backend) == [f.run_id]
    record = next(r for r in state.fires("tick") if r.fire == f)
    assert record.run_id == f.run_id
