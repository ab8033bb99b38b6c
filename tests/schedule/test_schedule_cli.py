"""``weavz-flow schedule --list`` / ``--once`` and ``weavz-flow serve --scheduler`` on a temporary project with
offline built-in flows on the local backend, converged by ``apply``."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.schedule.sched_project import tally_flow, wait_until, write_project
from weavz_flow.backends.local import STATE_DB_FILE
from weavz_flow.cli.main import cli
from weavz_flow.engine.store import Store
from weavz_flow.schedule.model import FireStatus
from weavz_flow.schedule.policy import DueFires
from weavz_flow.schedule.state import ScheduleState

STARTUP_BOUND_S = 120.0  # bounds against a hang, not timings: a loaded CI machine may be slow to start a process
STOP_BOUND_S = 120.0

UNSCHEDULED = """\
flow: by-hand
workspace: lab
steps:
  - id: tally
    uses: kv.add_to_list
    with: {key: "runs:by-hand", value: "{{ run.id }}"}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    flows = {"tally": tally_flow("tally"), "nightly": tally_flow("nightly", "0 2 * * *", timezone="Europe/Berlin"),
             "by-hand": UNSCHEDULED}
    root = write_project(tmp_path / "project", flows, monkeypatch)
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", "schedule-cli-test-secret-key-0123456789")
    applied = CliRunner().invoke(cli, ["apply", "--project", str(root), "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    return root


def move_watermark_back(root: Path, schedule: str, minutes: int) -> datetime:
    """As if the scheduler had last looked ``minutes`` ago: the fires since then are due (or missed) now. Returns
    the new watermark."""
    store = Store.sqlite(root / ".weavz-flow" / STATE_DB_FILE)
    try:
        then = datetime.now(UTC) - timedelta(minutes=minutes)
        assert ScheduleState(store).advance(schedule, lambda _old: DueFires((), 0, then)) == []
    finally:
        store.close()
    return then


def fires(root: Path, schedule: str) -> list:
    store = Store.sqlite(root / ".weavz-flow" / STATE_DB_FILE)
    try:
        return ScheduleState(store).fires(schedule)
    finally:
        store.close()


def test_list_shows_next_fires_and_the_last_fire(project: Path):
    result = CliRunner().invoke(cli, ["schedule", str(project), "--list"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "tally" in out and "nightly" in out and "by-hand" not in out
    assert "Europe/Berlin" in out
    assert "tally: last fire none yet" in out and "nightly: last fire none yet" in out


def test_once_runs_the_due_fires_once_and_records_them(project: Path):
    runner = CliRunner()
    first = runner.invoke(cli, ["schedule", str(project), "--once"])
    assert first.exit_code == 0, first.output
    assert first.stdout == "no fires due\n"  # schedules seen for the first time start from now
    then = move_watermark_back(project, "tally", 3)
    second = runner.invoke(cli, ["schedule", str(project), "--once"])
    assert second.exit_code == 0, second.output
    (fire,) = fires(project, "tally")
    assert fire.status is FireStatus.SUCCEEDED
    assert f"{fire.fire.key}: succeeded (run {fire.fire.run_id})" in second.stdout
    # missed: last runs the newest due minute; the others are counted as missed. Three minutes are due, or four if
    # a minute began before the tick: counted from the fire that ran, not assumed.
    due = math.ceil((fire.fire.fire_at - then) / timedelta(minutes=1))
    assert due in (3, 4) and f"tally: {due - 1} missed fire(s) not run" in second.stdout
    runs = runner.invoke(cli, ["runs", "list", "--json", "--project", str(project)])
    assert [(r["run_id"], r["status"]) for r in json.loads(runs.stdout)] == [(fire.fire.run_id, "succeeded")]
    third = runner.invoke(cli, ["schedule", str(project), "--once"])
    assert third.exit_code == 0, third.output
    after = fires(project, "tally")
    assert after[0] == fire  # nothing runs twice (a fire of a minute that began meanwhile may follow it)
    assert all(f.fire.fire_at > fire.fire.fire_at for f in after[1:])
    listed = runner.invoke(cli, ["schedule", str(project), "--list"])
    assert f"tally: last fire {after[-1].fire.fire_at:%a %Y-%m-%d %H:%M} UTC" in listed.stdout


def test_schedule_outside_a_project_is_a_one_line_error(tmp_path: Path):
    result = CliRunner().invoke(cli, ["schedule", str(tmp_path), "--list"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and result.output.startswith("Error:")


class OutputReader:
    """Collects a child process's output lines on a thread, so the test can wait for a line without blocking."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        assert process.stdout is not None
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        with self._lock:
            return any(text in line for line in self.lines)

    def text(self, timeout: float) -> str:
        self._thread.join(timeout)  # the pipe closes when the process has exited
        with self._lock:
            return "\n".join(self.lines)


def test_serve_with_scheduler_runs_due_fires_and_stops_gracefully(project: Path):
    move_watermark_back(project, "tally", 2)
    env = {k: v for k, v in os.environ.items() if k not in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL")}
    # Port 0: the system picks a free port when uvicorn binds (no race with another process for a probed port).
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--scheduler", "--project", str(project), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=project, text=True)
    reader = OutputReader(process)
    try:
        # Conditions, each with a generous bound for a loaded machine: the server is up (so uvicorn's signal handlers
        # are installed and SIGTERM means a graceful stop), and a fire has run.
        wait_until(lambda: reader.has("Uvicorn running on") or process.poll() is not None, "the server to start",
                   STARTUP_BOUND_S)
        wait_until(lambda: any(f.status is FireStatus.SUCCEEDED for f in fires(project, "tally"))
                   or process.poll() is not None, "a scheduled fire to run under serve --scheduler", STARTUP_BOUND_S)
        assert process.poll() is None, reader.text(5)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STOP_BOUND_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = reader.text(STOP_BOUND_S)
    assert process.returncode == 0, output
    assert "Scheduler running" in output and "Stopping the scheduler" in output
    assert "Traceback" not in output
    # A minute may begin while the test runs, and its fire may be decided before the stop: every fire there is has
    # finished (running ones finish before the process exits) or was never started (still PENDING for the next
    # scheduler); none is left RUNNING, and the one the test waited for succeeded.
    found = fires(project, "tally")
    assert {f.status for f in found} <= {FireStatus.SUCCEEDED, FireStatus.PENDING}, found
    succeeded = [f.fire for f in found if f.status is FireStatus.SUCCEEDED]
    assert succeeded
    # The scheduler's own lines reach serve's stderr, one line per event, from its first one on.
    lines = output.splitlines()
    assert any("scheduler started" in line for line in lines), output
    for fire in succeeded:
        assert len([line for line in lines if fire.key in line and "started" in line]) == 1, output
        assert len([line for line in lines if fire.key in line and "finished: succeeded" in line]) == 1, output


def test_serve_project_without_scheduler_is_a_usage_error(project: Path):
    result = CliRunner().invoke(cli, ["serve", "--project", str(project)])
    assert result.exit_code == 2 and "--project is for --scheduler" in result.output


@pytest.mark.parametrize(("command", "options"), [
    (["schedule"], ["--list", "--once", "--database-url", "--concurrency", "--no-worker"]),
    (["worker"], ["--database-url", "--concurrency"]),
    (["serve"], ["--database-url", "--scheduler", "--project", "--concurrency"]),
    (["runs", "list"], ["--flow", "--limit", "--json", "--project", "--database-url"]),
    (["runs", "show"], ["--json", "--project", "--database-url"]),
])
def test_help_documents_each_option_and_hides_the_test_knobs(command: list[str], options: list[str]):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for option in options:
        line = next((ln for ln in result.stdout.splitlines() if ln.strip().removeprefix("-p, ").startswith(option)),
                    None)
        assert line is not None and len(line.strip()) > len(option) + 12, f"{option} undocumented:\n{result.stdout}"
    assert "--lease" not in result.stdout and "--stalled-after" not in result.stdout
