"""The output shapes of ``integrations/outputs.yaml`` are the outputs: one entry for each native action and none
other, and where an action runs here (offline through the engine, or against the Slack stub) it returns exactly the
fields declared (a provider's body may hold more; those listed must be there with the declared type)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import World, engine, store, world  # noqa: F401
from tests.integrations.context import context
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.integrations.data_transformer import ACTIONS as TRANSFORMER_ACTIONS
from weavz_flow.integrations.output_shapes import OutputShape, output_shape, output_shapes
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.integrations.slack import ACTIONS as SLACK_ACTIONS

JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "boolean": (bool,),
                                           "object": (dict,), "array": (list,), "any": (object,)}


def test_every_native_action_has_exactly_one_shape():
    declared = {(i, a) for i, actions in output_shapes().items() for a in actions}
    native = {(i.name, a) for i in NATIVE_INTEGRATIONS.values() for a in i.actions}
    assert declared == native
    for shape in (s for actions in output_shapes().values() for s in actions.values()):
        assert shape.type in ("object", "array", "string", "any") and shape.description
        assert all(f.type in JSON_TYPES and f.description for f in shape.fields)


def conforms(shape: OutputShape, output: Any, *, exact: bool) -> None:
    assert isinstance(output, {"array": list, "object": dict, "string": str}.get(shape.type, object))
    for item in output if shape.type == "array" else [output]:
        names = [f.name for f in shape.fields]
        if exact:
            assert sorted(item) == sorted(names), (shape.description, item)
        for f in shape.fields:
            assert f.name in item, (shape.description, f.name, item)
            value = item[f.name]
            assert value is None or isinstance(value, JSON_TYPES[f.type]), (f.name, value)


def execute(world: World, integration: str, action: str, **input: Any) -> Any:
    return world.engine.execute(ExecuteRequest(integration_name=integration, action_name=action,
                                               workspace_id=world.workspace.id, input=input), world.caller).output


@pytest.mark.parametrize("integration,action,input", [
    ("kv-store", "put", {"key": "k", "value": {"n": 1}}),
    ("kv-store", "get", {"key": "k"}),
    ("kv-store", "add_to_list", {"key": "l", "value": "a"}),
    ("kv-store", "remove_from_list", {"key": "l", "value": "a"}),
    ("kv-store", "delete", {"key": "k"}),
    ("storage", "write_file", {"path": "a/b.txt", "content": "hi", "contentType": "text/plain"}),
    ("storage", "read_file", {"path": "a/b.txt"}),
    ("storage", "list_files", {"prefix": "a/"}),
    ("storage", "delete_file", {"path": "a/b.txt"}),
    ("storage", "get_download_url", {"path": "a/b.txt"}),
])
def test_builtin_outputs_have_exactly_the_declared_fields(world: World, integration, action, input):
    if action in ("get", "remove_from_list", "read_file", "list_files", "delete", "delete_file", "get_download_url"):
        execute(world, "kv-store", "put", key="k", value=1)
        execute(world, "kv-store", "add_to_list", key="l", value="a")
        execute(world, "storage", "write_file", path="a/b.txt", content="hi")
    shape = output_shape(integration, action)
    assert shape is not None
    conforms(shape, execute(world, integration, action, **input), exact=True)


@pytest.mark.parametrize("action,input", [
    ("filter_array", {"array": [{"n": 1}, {"n": 2}], "conditions": {"n": {"$gt": 1}}}),
    ("batch_array", {"array": [1, 2, 3], "batchSize": 2}),
    ("merge_objects", {"objects": [{"a": 1}, {"b": 2}], "strategy": "shallow"}),
])
def test_data_transformer_outputs_have_the_declared_type(http: httpx.Client, action, input):
    shape = output_shape("data-transformer", action)
    assert shape is not None
    conforms(shape, TRANSFORMER_ACTIONS[action].run(context(http, "data-transformer", action), input), exact=False)


@pytest.mark.parametrize("action,input", [
    ("send_channel_message", {"channel": "C0GENERAL", "text": "hi"}),
    ("send_direct_message", {"user": "U0ALICE", "text": "hi"}),
    ("get_channel_history", {"channel": "C0GENERAL"}),
    ("send_ephemeral_message", {"channel": "C0GENERAL", "user": "U0ALICE", "text": "hi"}),
    ("find_user_by_id", {"user_id": "U0ALICE"}),
    ("create_channel", {"name": "new"}),
    ("set_channel_topic", {"channel": "C0GENERAL", "topic": "t"}),
])
def test_slack_outputs_hold_the_declared_fields(http: httpx.Client, slack_stub: SlackStub, action, input):
    shape = output_shape("slack", action)
    assert shape is not None
    output = SLACK_ACTIONS[action].run(context(http, "slack", action, base_url=slack_stub.url, token=SLACK_TOKEN),
                                       input)
    conforms(shape, output, exact=False)
