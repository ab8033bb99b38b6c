"""Rendering: typed single expressions, strict undefined names, the sandbox, and outputs that are never rendered."""

from __future__ import annotations

import pytest

from tests.runner.conftest import Harness
from weavz_flow.runner.context import TriggeringEvent
from weavz_flow.runner.outcome import RunStatus, StepStatus
from weavz_flow.runner.records import RunTrigger
from weavz_flow.runner.render import RenderError, Where, render_value

W = Where("flows/x.yaml", "s", "with")


def test_single_expression_keeps_its_type_and_mixed_text_is_a_string():
    names = {"inputs": {"items": [1, 2], "n": 3, "flag": False, "obj": {"a": 1}}}
    assert render_value("{{ inputs.items }}", names, W) == [1, 2]
    assert render_value("  {{ inputs.n + 1 }} ", names, W) == 4
    assert render_value("{{ inputs.flag }}", names, W) is False
    assert render_value("{{ inputs.obj }}", names, W) == {"a": 1}
    assert render_value("n={{ inputs.n }}", names, W) == "n=3"
    assert render_value("{{ inputs.n }}{{ inputs.n }}", names, W) == "33"
    assert render_value({"k": ["{{ inputs.n }}", "plain"]}, names, W) == {"k": [3, "plain"]}


def test_an_undefined_name_names_file_step_and_expression():
    with pytest.raises(RenderError) as info:
        render_value({"k": "{{ inputs.missing }}"}, {"inputs": {}}, W)
    message = str(info.value)
    assert "flows/x.yaml" in message and "step 's'" in message and "with.k" in message
    assert "{{ inputs.missing }}" in message and "missing" in info.value.problem
    with pytest.raises(RenderError):
        render_value("a {{ nope }} b", {}, W)


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ inputs.__class__.__init__.__globals__ }}",
    "x {{ run.items.__self__ }} y",
    "{{ inputs.update({'a': 1}) }}",
])
def test_sandbox_escapes_are_refused(source: str):
    with pytest.raises(RenderError):
        render_value(source, {"inputs": {}, "run": {"id": "r"}}, W)


INJECTION_FLOW = """\
flow: injection
workspace: acme-staging
inputs:
  payload: {type: string, default: "{{ 7*7 }}"}
steps:
  - id: save
    uses: kv.put
    with: {key: payload, value: "{{ inputs.payload }}"}
  - id: echo
    uses: kv.put
    with: {key: echoed, value: "got {{ steps.save.output.value }}"}
  - id: escape
    uses: kv.put
    with: {key: never, value: "{{ ''.__class__.__mro__ }}"}
finally:
  - id: after
    uses: kv.get
    with: {key: echoed}
"""


def test_data_is_never_rendered_again_and_an_escape_fails_the_step(harness: Harness):
    harness.add_flow("injection", INJECTION_FLOW)
    result = harness.runner().run("injection")
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["save"].output["value"] == "{{ 7*7 }}"
    assert by_id["echo"].output["value"] == "got {{ 7*7 }}"
    assert by_id["escape"].status is StepStatus.FAILED and by_id["escape"].error_code == "TEMPLATE_ERROR"
    assert "step 'escape'" in by_id["escape"].error and "flows/injection.yaml" in by_id["escape"].error
    assert by_id["after"].output["value"] == "got {{ 7*7 }}"
    assert result.status is RunStatus.FAILED


def test_env_is_limited_to_the_allow_list(harness: Harness, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NOT_ALLOWED", "x")
    harness.add_flow("envy", """\
flow: envy
workspace: acme-staging
steps:
  - id: ok
    uses: kv.put
    with: {key: e, value: "{{ env.ACME_ENVIRONMENT }}"}
  - id: leak
    uses: kv.put
    with: {key: e2, value: "{{ env.NOT_ALLOWED }}"}
""")
    result = harness.runner().run("envy")
    assert result.steps[0].output["value"] == "test"
    assert result.steps[1].status is StepStatus.FAILED and "NOT_ALLOWED" in result.steps[1].error


def test_data_keys_win_over_dict_methods_and_functions_are_not_values():
    names = {"item": {"items": ["x"], "keys": 2}, "inputs": {}}
    assert render_value("{{ item.items }}", names, W) == ["x"]
    assert render_value("{{ item.keys + 1 }}", names, W) == 3
    with pytest.raises(RenderError, match="function"):
        render_value("{{ inputs.values }}", names, W)


def test_steps_view_shows_only_predecessors_and_serializes():
    from datetime import UTC, datetime

    from weavz_flow.config.model.flow import FlowFile
    from weavz_flow.runner.context import RunContext, RunInfo, StepState

    flow = FlowFile.model_validate({"flow": "f", "workspace": "w", "steps": [{"id": "a", "uses": "kv.put"}]})
    ctx = RunContext(flow, RunInfo("r", datetime.now(UTC)), {}, {}, {})
    ctx.steps["a"] = StepState("succeeded", {"v": 1})
    ctx.steps["b"] = StepState("succeeded", {"v": 2})
    names = ctx.template_vars(frozenset({"a"}))
    assert render_value("{{ steps | tojson }}", names, W) == '{"a": {"error": null, "output": {"v": 1}, ' \
        '"status": "succeeded"}}'
    assert render_value("{{ steps.a.output.v }}", names, W) == 1
    with pytest.raises(RenderError):
        render_value("{{ steps.b.output }}", names, W)


EVENT_FLOW = """\
flow: on-issue
workspace: acme-staging
on:
  - webhook: {path: issues}
steps:
  - id: save
    uses: kv.put
    with: {key: title, value: "{{ trigger.data.title }}"}
  - id: about
    uses: kv.put
    with: {key: about, value: "{{ trigger.name }} {{ trigger.id }} of {{ trigger.source }}: {{ trigger.data.title }}"}
"""


def test_the_event_is_data_in_the_trigger_context_and_is_never_rendered(harness: Harness):
    harness.add_flow("on-issue", EVENT_FLOW)
    event = TriggeringEvent("evt_1", {"title": "{{ 7*7 }}"}, "src-1", "2026-12-04T02:00:00Z", "http",
                            "catch_webhook")
    result = harness.runner().run("on-issue", run_id="r1", trigger=RunTrigger.EVENT, event=event)
    assert result.ok, result.error
    assert [s.output["value"] for s in result.steps] == [
        "{{ 7*7 }}", "catch_webhook evt_1 of src-1: {{ 7*7 }}"]
    assert harness.records.get("r1").trigger == "event"
    # Run by hand, the same flow has no event: `trigger` is None and reading its data fails the step, not the runner.
    manual = harness.runner().run("on-issue")
    assert manual.steps[0].status is StepStatus.FAILED and manual.steps[0].error_code == "TEMPLATE_ERROR"
