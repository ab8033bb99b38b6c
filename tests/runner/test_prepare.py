"""runner.prepare on its own: from a step and its template names to its calls or its skip, as a run and --dry-run
both get them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from weavz_flow.config.model.flow import FlowFile, StepConfig
from weavz_flow.runner.context import RunContext, RunInfo
from weavz_flow.runner.error_codes import StepErrorCode
from weavz_flow.runner.prepare import CallScope, Skip, StepCalls, StepFailedError, prepare_call, truthy
from weavz_flow.runner.render import RenderError
from weavz_flow.runner.retry import idempotency_key


def _scope(end_user: str | None = "flow-user") -> CallScope:
    flow = FlowFile.model_validate({"flow": "f", "workspace": "ws", "steps": [{"id": "a", "uses": "kv.get"}]})
    context = RunContext(flow, RunInfo("run-1", datetime(2026, 1, 1, tzinfo=UTC)), {"n": 2, "who": "ann"},
                         {"token": "s3cret"}, {}, end_user)
    return CallScope(context, {"kv": "kv-store"}, "flows/f.yaml")


def _prepare(step: dict[str, Any], scope: CallScope | None = None) -> StepCalls | Skip:
    scope = scope or _scope()
    return prepare_call(StepConfig.model_validate({"id": "s", "uses": "kv.put", **step}), scope,
                        scope.context.template_vars(frozenset()))


def test_a_false_if_is_a_skip_with_its_rendered_condition():
    assert _prepare({"if": "{{ inputs.n > 5 }}"}) == Skip(False)
    assert _prepare({"if": "{{ 'no' }}"}) == Skip("no")


def test_one_call_with_rendered_input_end_user_and_the_runs_key():
    calls = _prepare({"if": "{{ inputs.n }}", "end_user": "{{ inputs.who }}", "retry": {"attempts": 2},
                      "with": {"key": "k{{ inputs.n }}", "value": "{{ inputs.n }}"}, "partials": ["p"]})
    assert isinstance(calls, StepCalls)
    assert (calls.condition, calls.end_user, calls.items, calls.indexes) == (2, "ann", None, [None])
    call = calls.call(None)
    assert (call.workspace, call.integration, call.action, call.alias) == ("ws", "kv-store", "put", "kv")
    assert dict(call.input) == {"key": "k2", "value": 2} and call.end_user == "ann" and call.partials == ("p",)
    assert call.idempotency_key == idempotency_key("run-1", "s", None)
    assert call.redact == ("s3cret",) and call.provider_retries is False  # the step's `retry` owns retries


def test_without_end_user_the_runs_is_used_and_providers_retry():
    calls = _prepare({"with": {"key": "k"}})
    assert isinstance(calls, StepCalls)
    call = calls.call(None)
    assert call.end_user == "flow-user" and call.provider_retries is True and call.partials is None


def test_for_each_makes_one_call_per_item_with_item_and_index():
    calls = _prepare({"for_each": "{{ ['x', 'y'] }}", "with": {"key": "{{ item }}-{{ index }}"}})
    assert isinstance(calls, StepCalls)
    assert calls.items == ["x", "y"] and calls.indexes == [0, 1]
    assert [dict(calls.call(i).input) for i in calls.indexes] == [{"key": "x-0"}, {"key": "y-1"}]
    assert calls.call(1).idempotency_key == idempotency_key("run-1", "s", 1)


def test_for_each_that_is_not_a_list_is_a_render_error():
    with pytest.raises(RenderError, match=r"for_each: .* must render to a list, got str"):
        _prepare({"for_each": "{{ inputs.who }}"})


def test_a_bad_with_names_its_item():
    calls = _prepare({"for_each": "{{ [1] }}", "with": {"key": "{{ item.nope.deeper }}"}})
    assert isinstance(calls, StepCalls)
    with pytest.raises(RenderError, match=r"step 's', with \(item 0\)"):
        calls.call(0)


def test_an_undeclared_alias_fails_the_call_with_its_code():
    scope = _scope()
    calls = prepare_call(StepConfig.model_validate({"id": "s", "uses": "ghost.put"}), scope,
                         scope.context.template_vars(frozenset()))
    assert isinstance(calls, StepCalls)
    with pytest.raises(StepFailedError) as failed:
        calls.call(None)
    assert failed.value.code is StepErrorCode.ALIAS_NOT_DECLARED and failed.value.code == "ALIAS_NOT_DECLARED"
    assert failed.value.message == "alias 'ghost' is not declared in workspace 'ws'"


@pytest.mark.parametrize(("value", "expected"), [
    ("False", False), ("", False), (" no ", False), ("null", False), ("yes", True), (0, False), ([1], True)])
def test_truthy_reads_rendered_text_as_a_condition(value: Any, expected: bool):
    assert truthy(value) is expected
