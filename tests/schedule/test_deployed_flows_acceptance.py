"""Acceptance (issue 13, item 3): on PostgreSQL, a scheduler and two workers are started before the change, the
workers in an empty directory with no project. ``weavz-flow apply`` of a new flow scheduled every minute makes it
fire at the next minute boundary (a fire at most one minute after the first boundary following the apply), once, on a
worker; changing the flow's steps and applying again takes effect on the next fire, without restarting anything.

Real processes throughout (``schedule --no-worker``, two ``worker``, ``apply``); this waits for real minute
boundaries (two of them, about two minutes at most) since a subprocess has no test clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.schedule.queue_fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    SECRET_KEY,
    LoggedProcess,
    QueueDatabase,
    queue_db,
    wait_until,
)
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.plan.deployment import desired_flows
from weavz_flow.runner.records import RunRecords
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.state import FireRecord, ScheduleState

pytestmark = pytest.mark.postgres

WORKSPACE = "deploy"
FLOW = "every-minute"
BOUND_S = 150.0  # bounds against a hang, never timings: the next boundary is at most a minute away


def flow_document(label: str) -> dict:
    """Each run appends ``<label>:<run id>`` to the KV list ``deployed-runs``: the label tells the version apart."""
    return {"flow": FLOW, "workspace": WORKSPACE, "schedule": {"cron": "* * * * *"},
            "steps": [{"id": "record", "uses": "kv.add_to_list",
                       "with": {"key": "deployed-runs", "value": f"{label}:{{{{ run.id }}}}"}}]}


def write_base_project(root: Path, database_url: str) -> Path:
    (root / "workspaces").mkdir(parents=True)
    (root / "flows").mkdir()
    project = {"version": 1, "name": "deploy", "backend": {"type": "local", "database_url": database_url}}
    workspace = {"workspace": WORKSPACE, "name": "Deploy",
                 "integrations": {"kv": {"integration": "kv-store",
                                         "settings": {"persistence": {"scope": "workspace"}}}}}
    (root / "weavz-flow.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    (root / "workspaces" / "deploy.yaml").write_text(yaml.safe_dump(workspace), encoding="utf-8")
    return root


def write_flow(root: Path, label: str) -> None:
    (root / "flows" / f"{FLOW}.yaml").write_text(yaml.safe_dump(flow_document(label), sort_keys=False),
                                                  encoding="utf-8")


def clean_env() -> dict[str, str]:
    env = {**os.environ, "WEAVZ_FLOW_SECRET_KEY": SECRET_KEY, "PYTHONUNBUFFERED": "1"}
    for name in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY"):
        env.pop(name, None)
    return env


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weavz_flow", *args], cwd=cwd, env=clean_env(), text=True,
                          capture_output=True, timeout=300)


class Process(LoggedProcess):
    def __init__(self, name: str, args: list[str], cwd: Path, log_dir: Path) -> None:
        super().__init__(args, log=log_dir / f"{name}.log", cwd=cwd, env=clean_env())


@pytest.fixture
def processes(tmp_path: Path, queue_db: QueueDatabase) -> Iterator[tuple[Path, list[Process]]]:  # noqa: F811
    root = write_base_project(tmp_path / "project", queue_db.url)
    applied = cli("apply", "--project", str(root), "--auto-approve", cwd=root)  # the workspace; no flow yet
    assert applied.returncode == 0, applied.stdout + applied.stderr
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    started = [
        Process("scheduler", ["schedule", str(root), "--no-worker"], root, tmp_path),
        *(Process(f"worker-{i}", ["worker", "--database-url", queue_db.url, "--concurrency", "2"], empty, tmp_path)
          for i in (1, 2)),
    ]
    try:
        for p in started:
            ready = "Schedules from" if p.log.name.startswith("scheduler") else "serving fires"
            assert wait_until(lambda p=p, ready=ready: ready in p.output(), timeout=120, every=0.1), p.output()
        assert list(empty.iterdir()) == []  # the workers left nothing in their directory
        yield root, started
    finally:
        for p in started:
            p.stop()


def next_boundary(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def first_fire_after(state: ScheduleState, created_after: datetime, logs: str) -> FireRecord:
    def done() -> FireRecord | None:
        fires = [f for f in state.fires(FLOW) if f.created_at > created_after]
        return fires[0] if fires and fires[0].status in (FireStatus.SUCCEEDED, FireStatus.FAILED) else None

    assert wait_until(lambda: done() is not None, timeout=BOUND_S, every=0.2), logs
    fire = done()
    assert fire is not None
    return fire


def kv_values(backend: LocalBackend) -> list[str]:
    workspace = next(w for w in backend.list_workspaces() if w.slug == WORKSPACE)
    found, value = backend.engine.state.kv_get(f"ws:{workspace.id}", "deployed-runs")
    return list(value or []) if found else []


def test_apply_deploys_a_scheduled_flow_to_running_workers_and_a_change_takes_effect_on_the_next_fire(
    processes: tuple[Path, list[Process]], queue_db: QueueDatabase  # noqa: F811
) -> None:
    root, started = processes
    worker_pids = {str(p.process.pid) for p in started[1:]}
    backend = LocalBackend(root / ".weavz-flow", queue_db.url)
    records = RunRecords.for_store(backend.store, root)
    try:
        state = ScheduleState(backend.store)
        logs = lambda: "".join(p.output() for p in started)  # noqa: E731

        write_flow(root, "v1")
        first_apply = cli("apply", "--project", str(root), "--auto-approve", cwd=root)
        assert first_apply.returncode == 0, first_apply.stdout + first_apply.stderr
        assert f"+ flow.{FLOW}" in first_apply.stdout and f"+ flow.{FLOW}/schedule.0" in first_apply.stdout
        applied_at = datetime.now(UTC)
        v1 = next(d.digest for d in desired_flows(load_project(root)) if d.name == FLOW)

        first = first_fire_after(state, applied_at - timedelta(minutes=5), logs())
        assert first.fire.fire_at <= next_boundary(applied_at) + timedelta(minutes=1)
        assert first.status is FireStatus.SUCCEEDED, first.error
        assert state.digest(first.fire) == v1
        assert (first.worker or "").rpartition(":")[2] in worker_pids  # a worker without a project ran it
        assert kv_values(backend).count(f"v1:{first.fire.run_id}") == 1
        assert [r.id for r in records.recent(flow=FLOW)] == [first.fire.run_id]  # exactly one run record

        write_flow(root, "v2")
        second_apply = cli("apply", "--project", str(root), "--auto-approve", cwd=root)
        assert second_apply.returncode == 0, second_apply.stdout + second_apply.stderr
        assert f"~ flow.{FLOW}" in second_apply.stdout and "steps.record.with.value" in second_apply.stdout
        changed_at = datetime.now(UTC)
        v2 = next(d.digest for d in desired_flows(load_project(root)) if d.name == FLOW)
        assert v2 != v1

        second = first_fire_after(state, changed_at, logs())
        assert second.status is FireStatus.SUCCEEDED, second.error
        assert state.digest(second.fire) == v2
        assert f"v2:{second.fire.run_id}" in kv_values(backend)  # the new steps ran
        assert not any(v.endswith(second.fire.run_id) and v.startswith("v1:") for v in kv_values(backend))
        assert all(p.process.poll() is None for p in started), logs()  # nothing was restarted (or died)
    finally:
        records.close()
        backend.close()
