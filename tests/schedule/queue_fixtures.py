"""Fixtures of the task-queue tests: a fresh PostgreSQL schema whose URL names it (so that any process opening the URL
works in that schema), and a small project whose scheduled flow records each run in the KV store and calls the echo
stub. Import the fixtures into a test module by name."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from tests.engine.engine_fixtures import postgres_schema
from tests.stubs.echo import EchoStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.config.project import Project
from weavz_flow.engine.store import Store
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.schedule.policy import DueFires
from weavz_flow.schedule.queue import store_conninfo
from weavz_flow.schedule.state import ScheduleState

WORKSPACE = "sched"
RUNS_KEY = "fire-runs"  # the KV list each run of the test flow appends its run id to
SECRET_KEY = "queue-test-secret-key-0123456789"


@dataclass(frozen=True)
class QueueDatabase:
    url: str  # SQLAlchemy URL whose libpq options put the test schema first on the search path
    schema: str
    conninfo: str  # libpq conninfo of the same schema (what the dispatcher and workers use)


def url_in_schema(url: str, schema: str) -> str:
    """``url`` with ``options=-csearch_path=<schema>``: every connection made from it works in ``schema``."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def queue_db() -> Iterator[QueueDatabase]:
    with postgres_schema() as (url, schema):
        store = Store(url, schema=schema, upgrade=False)
        try:
            conninfo = store_conninfo(store)
        finally:
            store.close()
        yield QueueDatabase(url_in_schema(url, schema), schema, conninfo)


def write_project(root: Path, *, database_url: str, echo_url: str, slow_s: float = 0.3, overlap: str = "allow",
                  missed: str = "all") -> Path:
    """A project with one flow ``tick`` scheduled every minute: it appends its run id to the KV list ``fire-runs``,
    then calls the echo stub's ``/slow`` (tagged with the run id and ``env.WF_PROCESS``; a failure there is tolerated
    so that a fire re-run after its worker died still completes)."""
    (root / "workspaces").mkdir(parents=True, exist_ok=True)
    (root / "flows").mkdir(exist_ok=True)
    project_file = {"version": 1, "name": "sched", "backend": {"type": "local", "database_url": database_url},
                    "env": ["WF_PROCESS"]}
    kv = {"integration": "kv-store", "settings": {"persistence": {"scope": "workspace"}}}
    workspace = {"workspace": WORKSPACE, "name": "Scheduling",
                 "integrations": {"kv": kv, "http": {"integration": "http"}}}
    flow = {
        "flow": "tick", "workspace": WORKSPACE,
        "schedule": {"cron": "* * * * *", "overlap": overlap, "missed": missed},
        "steps": [
            {"id": "record", "uses": "kv.add_to_list", "with": {"key": RUNS_KEY, "value": "{{ run.id }}"}},
            {"id": "work", "uses": "http.send_request", "needs": ["record"], "continue_on_error": True,
             "with": {"method": "GET", "url": echo_url + "/slow", "headers": {}, "authType": "NONE",
                      "queryParams": {"seconds": str(slow_s), "run": "{{ run.id }}",
                                      "process": "{{ env.WF_PROCESS | default('') }}"}}},
        ],
    }
    for path, data in ((root / "weavz-flow.yaml", project_file), (root / "workspaces" / "sched.yaml", workspace),
                       (root / "flows" / "tick.yaml", flow)):
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def converge(root: Path) -> Project:
    """Apply the project to its database, as ``weavz-flow apply`` would."""
    project = load_project(root)
    backend = LocalBackend(root / ".weavz-flow", project.settings.backend.database_url)  # type: ignore[union-attr]
    try:
        result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
        assert result.ok, result.error
    finally:
        backend.close()
    return load_project(root)


@pytest.fixture
def pg_project(tmp_path: Path, queue_db: QueueDatabase, echo_stub: EchoStub,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, LocalBackend]]:
    """A converged project on the PostgreSQL test store, with its local backend."""
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    root = write_project(tmp_path / "project", database_url=queue_db.url, echo_url=echo_stub.url, slow_s=0.05)
    converge(root)
    backend = LocalBackend(root / ".weavz-flow", queue_db.url)
    yield root, backend
    backend.close()


def recorded_runs(backend: LocalBackend) -> list[str]:
    """The run ids the test flow appended to its KV list, in order (duplicates kept)."""
    workspace = next(w for w in backend.list_workspaces() if w.slug == WORKSPACE)
    namespace = f"ws:{workspace.id}"
    found, value = backend.engine.state.kv_get(namespace, RUNS_KEY)
    return list(value or []) if found else []


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, every: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes (a deadline against hangs, not a timing check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def set_watermark(state: ScheduleState, minutes_back: int) -> set[datetime]:
    """Put the schedule's watermark ``minutes_back`` minutes before this minute: that many fires are due at once."""
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    watermark = minute - timedelta(minutes=minutes_back)
    assert state.advance("tick", lambda _old: DueFires((), 0, watermark)) == []
    return {watermark + timedelta(minutes=i) for i in range(1, minutes_back + 1)}


class LoggedProcess:
    """A ``weavz-flow`` subprocess (scheduler, worker) whose output goes to a file, shown when a test fails."""

    def __init__(self, args: list[str], *, log: Path, cwd: Path, env: dict[str, str]) -> None:
        self.log = log
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "weavz_flow", *args], cwd=cwd, env=env,
                                            stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, grace_s: float = 60) -> None:
        """SIGTERM, so running fires finish; killed if it does not stop within ``grace_s``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
