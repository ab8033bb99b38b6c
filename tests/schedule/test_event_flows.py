"""A flow started by GitHub's ``new_issue`` against the GitHub stub (issue 18's polling-flow acceptance): the first
tick takes a baseline (no run for the issues that exist), each new issue starts one run with its title in
``trigger.data`` (a title of ``{{ 7*7 }}`` stays that text), ticks after that start nothing again; a scheduler killed
and restarted replays nothing and skips nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.schedule.event_project import event_project, event_runs, sqlite_runs
from tests.schedule.queue_fixtures import QueueDatabase, queue_db  # noqa: F401  (pytest finds fixtures by name)
from tests.schedule.sched_project import wait_until
from tests.stubs.github import GitHubStub
from weavz_flow.backends.local import STATE_DB_FILE
from weavz_flow.cli.main import cli
from weavz_flow.engine.store import Store
from weavz_flow.runner.records import RunRecords
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.state import ScheduleState

BOUND_S = 120.0  # bounds against a hang, never timings


@pytest.fixture
def project(tmp_path: Path, github_stub: GitHubStub, monkeypatch: pytest.MonkeyPatch) -> Path:
    return event_project(tmp_path / "project", github_stub, monkeypatch)


def tick(root: Path) -> str:
    result = CliRunner().invoke(cli, ["schedule", str(root), "--once"])
    assert result.exit_code == 0, result.output
    return result.stdout


def event_fires(root: Path) -> list:
    store = Store.sqlite(root / ".weavz-flow" / STATE_DB_FILE)
    try:
        return ScheduleState(store).fires("issues")
    finally:
        store.close()


def test_baseline_then_one_run_per_new_issue_with_its_data_never_rendered(project: Path,
                                                                          github_stub: GitHubStub) -> None:
    tick(project)  # registers the source; its first poll is the baseline
    wait_until(lambda: tick(project) is not None and _polled(github_stub), "the baseline poll")
    assert sqlite_runs(project) == []  # the issues that existed start nothing
    github_stub.open_issue("Crash on save")
    github_stub.open_issue("{{ 7*7 }}")
    wait_until(lambda: tick(project) is not None and len(sqlite_runs(project)) >= 2, "two runs", BOUND_S)
    # One poll found both: they run at once (overlap allow), so in either order.
    assert sorted(sqlite_runs(project)) == [("succeeded", "Crash on save", "event"),
                                            ("succeeded", "{{ 7*7 }}", "event")]
    fires = event_fires(project)
    assert [f.status for f in fires] == [FireStatus.SUCCEEDED] * 2
    assert all("@event:evt_" in f.fire.key for f in fires)
    for _ in range(3):  # later polls see nothing new: no run twice
        tick(project)
    assert len(sqlite_runs(project)) == 2


def _polled(stub: GitHubStub) -> bool:
    return any("/issues" in r.path for r in stub.requests)


@pytest.fixture
def scheduler_process() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()


def _start(root: Path, command: str = "schedule") -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "weavz_flow", command, str(root)], cwd=root,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)


def test_a_killed_scheduler_restarted_replays_nothing_and_skips_nothing(
        project: Path, github_stub: GitHubStub, scheduler_process: list[subprocess.Popen[str]]) -> None:
    first = _start(project)
    scheduler_process.append(first)
    wait_until(lambda: _polled(github_stub), "the baseline poll", BOUND_S)
    github_stub.open_issue("before the kill")
    wait_until(lambda: [r[0] for r in sqlite_runs(project)] == ["succeeded"], "the first run", BOUND_S)
    first.send_signal(signal.SIGKILL)
    first.wait()
    github_stub.open_issue("while it was down")
    github_stub.open_issue("also while down")
    second = _start(project)
    scheduler_process.append(second)
    wait_until(lambda: len(sqlite_runs(project)) >= 3, "the runs of the issues opened while down", BOUND_S)
    github_stub.open_issue("after the restart")
    wait_until(lambda: len(sqlite_runs(project)) >= 4, "the run of the issue after the restart", BOUND_S)
    second.send_signal(signal.SIGTERM)
    second.wait(BOUND_S)
    runs = sqlite_runs(project)
    assert {status for status, _value, _trigger in runs} == {"succeeded"}
    # Each issue ran once (the two opened while it was down may run in either order: overlap allow).
    assert sorted(value for _status, value, _trigger in runs) == sorted([
        "before the kill", "while it was down", "also while down", "after the restart"])


@pytest.fixture
def pg_project(tmp_path: Path, github_stub: GitHubStub, monkeypatch: pytest.MonkeyPatch,
               queue_db: QueueDatabase) -> Path:  # noqa: F811
    project_file = f"version: 1\nname: events\nbackend: {{type: local, database_url: \"{queue_db.url}\"}}\n"
    return event_project(tmp_path / "project", github_stub, monkeypatch, project_file=project_file)


def pg_runs(database: QueueDatabase) -> list[tuple[str, Any, str | None]]:
    store = Store.open(database.url)
    records = RunRecords.for_store(store, own_store=True)
    try:
        return event_runs(records)
    finally:
        records.close()


@pytest.mark.parametrize("command", ["schedule", "worker"])
def test_two_processes_on_postgresql_run_each_event_once(
        pg_project: Path, github_stub: GitHubStub, queue_db: QueueDatabase,  # noqa: F811
        scheduler_process: list[subprocess.Popen[str]], command: str) -> None:
    for _ in range(2):  # each one polls, dispatches and serves the queue (schedulers decide cron fires too)
        scheduler_process.append(_start(pg_project, command))
    wait_until(lambda: _polled(github_stub), "the baseline poll", BOUND_S)
    titles = [f"issue {n}" for n in range(6)]
    for title in titles:
        github_stub.open_issue(title)
    wait_until(lambda: len([r for r in pg_runs(queue_db) if r[0] == "succeeded"]) >= len(titles), "the runs",
               BOUND_S)
    for proc in scheduler_process:
        proc.send_signal(signal.SIGTERM)
    for proc in scheduler_process:
        proc.wait(BOUND_S)
    runs = pg_runs(queue_db)
    assert sorted(value for _status, value, _trigger in runs) == sorted(titles)  # each once, none twice
