"""for_each with max_parallel, if, needs, continue_on_error, failure stopping the run, finally, timeout."""

from __future__ import annotations

import threading

from tests.runner.conftest import Harness
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome
from weavz_flow.runner.outcome import RunStatus, StepStatus
from weavz_flow.runner.run import FlowRunner

FLOW = """\
flow: semantics
workspace: acme-staging
inputs:
  names: {type: array, default: [a, b, c, d, e, f]}
  fail: {type: boolean, default: false}
steps:
  - id: fan
    uses: kv.put
    for_each: "{{ inputs.names }}"
    max_parallel: 3
    with: {key: "name:{{ item }}", value: {name: "{{ item }}", index: "{{ index }}"}}
  - id: maybe
    uses: kv.put
    if: "{{ inputs.fail }}"
    with: {key: maybe, value: ran}
  - id: tolerated
    uses: kv.get_value_this_action_does_not_exist
    continue_on_error: true
    with: {key: x}
  - id: breaks
    uses: kv.put
    if: "{{ inputs.fail }}"
    with: {key: "{{ inputs.absent }}", value: 1}
  - id: later
    uses: kv.put
    with: {key: later, value: "{{ steps.tolerated.status }}"}
finally:
  - id: cleanup
    uses: kv.put
    with: {key: cleanup, value: "{{ steps.breaks.status }}/{{ steps.later.status }}"}
"""


def test_for_each_if_continue_on_error_and_finally(harness: Harness):
    harness.add_flow("semantics", FLOW)
    result = harness.runner().run("semantics")
    assert result.status is RunStatus.SUCCEEDED, result.error
    by_id = {s.step_id: s for s in result.steps}
    fan = by_id["fan"]
    assert fan.items == 6
    assert [o["value"] for o in fan.output] == [{"name": n, "index": i} for i, n in enumerate("abcdef")]
    assert by_id["maybe"].status is StepStatus.SKIPPED
    assert by_id["tolerated"].status is StepStatus.FAILED and by_id["tolerated"].tolerated
    assert by_id["later"].output["value"] == "failed"
    assert by_id["cleanup"].output["value"] == "skipped/succeeded"


def test_a_failing_step_stops_the_run_but_finally_still_runs(harness: Harness):
    harness.add_flow("semantics", FLOW)
    result = harness.runner().run("semantics", {"fail": True})
    assert result.status is RunStatus.FAILED
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["breaks"].status is StepStatus.FAILED and "inputs.absent" in by_id["breaks"].error
    assert by_id["later"].status is StepStatus.SKIPPED and "breaks" in by_id["later"].error
    assert by_id["cleanup"].output["value"] == "failed/skipped"
    assert "step 'breaks' failed" in result.error
    assert harness.records.get(result.run_id).status == "failed"


class GatedBackend:
    """The real backend, but calls for keys starting with "gate:" wait until ``expected`` of them are in flight,
    which can only happen when they run concurrently."""

    def __init__(self, inner, expected: int) -> None:
        self.inner = inner
        self.barrier = threading.Barrier(expected, timeout=20)
        self.peak = 0
        self._now = 0
        self._lock = threading.Lock()

    def execute(self, call: ExecuteCall) -> ExecuteOutcome:
        if str(call.input.get("key", "")).startswith("gate:"):
            with self._lock:
                self._now += 1
                self.peak = max(self.peak, self._now)
            self.barrier.wait()
            try:
                return self.inner.execute(call)
            finally:
                with self._lock:
                    self._now -= 1
        return self.inner.execute(call)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_for_each_runs_max_parallel_items_at_once(harness: Harness):
    harness.add_flow("parallel", """\
flow: parallel
workspace: acme-staging
steps:
  - id: fan
    uses: kv.put
    for_each: [1, 2, 3, 4, 5, 6]
    max_parallel: 3
    with: {key: "gate:{{ item }}", value: "{{ item }}"}
""")
    backend = GatedBackend(harness.backend, expected=3)
    result = FlowRunner(harness.project, backend).run("parallel")  # type: ignore[arg-type]
    assert result.ok, result.error
    assert backend.peak == 3
    assert [o["value"] for o in result.steps[0].output] == [1, 2, 3, 4, 5, 6]


def test_steps_with_needs_run_concurrently(harness: Harness):
    harness.add_flow("branches", """\
flow: branches
workspace: acme-staging
steps:
  - id: start
    uses: kv.put
    with: {key: start, value: 1}
  - id: left
    uses: kv.put
    needs: [start]
    with: {key: "gate:left", value: "{{ steps.start.output.value }}"}
  - id: right
    uses: kv.put
    needs: [start]
    with: {key: "gate:right", value: 2}
  - id: join
    uses: kv.put
    needs: [left, right]
    with: {key: join, value: "{{ steps.left.output.value + steps.right.output.value }}"}
""")
    backend = GatedBackend(harness.backend, expected=2)
    result = FlowRunner(harness.project, backend).run("branches")  # type: ignore[arg-type]
    assert result.ok, result.error
    assert backend.peak == 2
    assert result.steps[-1].output["value"] == 3


class StuckBackend:
    """The real backend, but a call for key "stuck" blocks until released (a hung provider)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.release = threading.Event()
        self.calls = 0

    def execute(self, call: ExecuteCall) -> ExecuteOutcome:
        if call.input.get("key") == "stuck":
            self.calls += 1
            self.release.wait(30)
        return self.inner.execute(call)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_timeout_fails_each_attempt_and_is_retried(harness: Harness):
    harness.add_flow("slow", """\
flow: slow
workspace: acme-staging
steps:
  - id: hang
    uses: kv.put
    timeout: 100ms
    retry: {attempts: 2, backoff: 1s, jitter: false}
    with: {key: stuck, value: 1}
""")
    backend = StuckBackend(harness.backend)
    sleeps: list[float] = []
    try:
        result = FlowRunner(harness.project, backend, sleep=sleeps.append).run("slow")  # type: ignore[arg-type]
    finally:
        backend.release.set()
    step = result.steps[0]
    assert step.status is StepStatus.FAILED and step.error_code == "TIMEOUT" and step.attempts == 2
    assert sleeps == [1.0] and backend.calls == 2
