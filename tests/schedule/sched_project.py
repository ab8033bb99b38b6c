"""A small project for the scheduler tests, converged on the local backend, with the parts a scheduler needs.

Flows run on the built-ins (kv-store) or hit a stub through the http alias. :class:`SchedulerWorld` builds a
ScheduleState, a FireRunner (on a :class:`FakeClock`), an in-process dispatcher and a Scheduler over the project's own
SQLite store; :meth:`SchedulerWorld.restart` drops them all and opens new ones on the same files, as a restarted
process would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.runner.example_project import converge
from tests.schedule.fake_clock import FakeClock
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.project import Project
from weavz_flow.runner.records import RunRecords
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.in_process import InProcessDispatcher
from weavz_flow.schedule.scheduler import Scheduler
from weavz_flow.schedule.state import ScheduleState

PROJECT = "version: 1\nname: schedule-test\nbackend: {type: local}\n"

WORKSPACE = """\
workspace: lab
name: Lab
integrations:
  kv:
    integration: kv-store
    settings: {persistence: {scope: workspace}}
  http:
    integration: http
"""

# Long enough that a waiting fire polling the fake clock never outlives a running fire's lease in a test.
TEST_LEASE = timedelta(days=30)


def tally_flow(name: str, cron: str = "* * * * *", **schedule: str) -> str:
    """A flow that appends its run id to the KV list ``runs:<name>``: one entry per run."""
    extra = "".join(f", {k}: {v}" for k, v in schedule.items())
    return f"""\
flow: {name}
workspace: lab
schedule: {{cron: "{cron}"{extra}}}
steps:
  - id: tally
    uses: kv.add_to_list
    with: {{key: "runs:{name}", value: "{{{{ run.id }}}}"}}
"""


def gate_flow(name: str, gate_url: str, overlap: str) -> str:
    """A flow whose one step waits at the gate stub's ``/gate/<name>`` until the test opens it."""
    return f"""\
flow: {name}
workspace: lab
schedule: {{cron: "* * * * *", overlap: {overlap}}}
steps:
  - id: wait
    uses: http.send_request
    with:
      method: GET
      url: "{gate_url}/gate/{name}"
      headers: {{}}
      queryParams: {{run: "{{{{ run.id }}}}"}}
      authType: NONE
"""


def two_call_flow(name: str, echo_url: str) -> str:
    """Two POSTs in order, to ``/<name>/one`` then ``/<name>/two``."""
    steps = "".join(f"""\
  - id: {step}
    uses: http.send_request
    with:
      method: POST
      url: "{echo_url}/{name}/{step}"
      headers: {{}}
      queryParams: {{}}
      authType: NONE
      body_type: json
      body: {{run: "{{{{ run.id }}}}"}}
""" for step in ("one", "two"))
    return f'flow: {name}\nworkspace: lab\nschedule: {{cron: "0 * * * *"}}\nsteps:\n{steps}'


def write_project(root: Path, flows: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    (root / "workspaces").mkdir(parents=True)
    (root / "flows").mkdir()
    (root / "weavz-flow.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "workspaces" / "lab.yaml").write_text(WORKSPACE, encoding="utf-8")
    for name, text in flows.items():
        (root / "flows" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def wait_until(condition: Callable[[], Any], what: str, deadline_s: float = 10.0) -> Any:
    """Poll ``condition`` until truthy; fail the test after a generous deadline (never a timing assertion)."""
    end = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"still waiting after {deadline_s:g}s: {what}")
        time.sleep(0.01)


class SchedulerWorld:
    def __init__(self, root: Path, clock: FakeClock, *, concurrency: int = 4) -> None:
        self.root = root
        self.clock = clock
        self.concurrency = concurrency
        self.backend = LocalBackend(root / ".weavz-flow")
        self.project: Project = converge(root, self.backend)
        self.records = RunRecords.for_project(root)
        self._open()

    def _open(self) -> None:
        self.state = ScheduleState(self.backend.store)
        self.fire_runner = FireRunner(self.project, self.state, self.backend, records=self.records, clock=self.clock,
                                      worker="test-worker", lease=TEST_LEASE)
        self.dispatcher = InProcessDispatcher(self.fire_runner, self.concurrency)
        self.scheduler = Scheduler(self.project, self.state, self.dispatcher, self.clock)

    def tick(self, *, drain: bool = True) -> Any:
        report = self.scheduler.tick()
        if drain:
            assert self.dispatcher.drain(timeout=30), "fires still running after 30 s"
        return report

    def kv_list(self, key: str) -> list[str]:
        outcome = self.backend.execute(ExecuteCall("lab", "kv-store", "get", {"key": key}, alias="kv"))
        return outcome.output["value"] or []

    def restart(self) -> None:
        """Everything closed and opened again on the same files (a new process on the same project)."""
        self.dispatcher.close()
        self.records.close()
        self.backend.close()
        self.backend = LocalBackend(self.root / ".weavz-flow")
        self.records = RunRecords.for_project(self.root)
        self._open()

    def close(self) -> None:
        self.dispatcher.close()
        self.records.close()
        self.backend.close()
