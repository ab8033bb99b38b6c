"""A canary secret stored in a connection never appears in records, logs, error bodies or exception text."""

from __future__ import annotations

import json
import logging
import traceback
import uuid

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import ECHO
from tests.engine.engine_fixtures import World
from weavz_flow.engine import ConnectionCreate, ExecuteRequest, WorkspaceIntegrationCreate
from weavz_flow.engine import tables as t
from weavz_flow.errors import ApiError, ErrorCode

CANARY = f"CANARY-{uuid.uuid4().hex}"


@pytest.fixture
def leaky(world: World) -> World:
    conn = world.connection("canary", f"who:{CANARY}")
    world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_strategy="fixed", connection_id=conn))
    return world


def run(world: World, action: str) -> object:
    return world.engine.execute(ExecuteRequest(
        integration_name=ECHO, action_name=action, workspace_id=world.workspace.id, input={}), world.caller)


def everything_stored(world: World) -> str:
    world.engine.executions.flush()  # records are written in the background
    with world.engine.store.read() as conn:
        dumps = []
        for table in (t.executions, t.idempotency_records, t.connections, t.workspace_integrations):
            dumps.extend(repr(tuple(r)) for r in conn.execute(sa.select(table)).all())
    return "\n".join(dumps)


@pytest.mark.parametrize("action", ["leak_exception", "leak_api_error"])
def test_failures_carry_no_secret(leaky: World, action: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApiError) as caught:
        run(leaky, action)
    error = caught.value
    assert error.code == ErrorCode.ACTION_FAILED
    texts = [str(error), repr(error), error.format_message(), json.dumps(error.to_body()),
             "".join(traceback.format_exception(error))]
    for text in texts:
        assert CANARY not in text
    assert "[REDACTED]" in error.message
    assert error.__cause__ is None and error.__context__ is None
    assert CANARY not in caplog.text
    assert CANARY not in everything_stored(leaky)


def test_outputs_logs_and_records_are_redacted(leaky: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = run(leaky, "leak_everywhere")
    assert CANARY not in json.dumps(result.output)  # type: ignore[attr-defined]
    assert "[REDACTED]" in json.dumps(result.output)  # type: ignore[attr-defined]
    assert "calling with token [REDACTED]" in caplog.text
    assert CANARY not in caplog.text
    assert CANARY not in everything_stored(leaky)
    assert CANARY not in leaky.engine.executions.list(leaky.caller).items[0].model_dump_json()


def test_reads_never_return_the_credential(leaky: World) -> None:
    eng, caller = leaky.engine, leaky.caller
    conn = eng.connections.get_by_external_id(caller, ECHO, "canary")
    texts = [conn.model_dump_json(), repr(conn), repr(eng.connections.list(caller)),
             repr(eng.integrations.list(caller, leaky.workspace.id)), repr(eng.live_state(caller))]
    resolved = eng.resolve_input(ExecuteRequest(integration_name=ECHO, action_name="whoami",
                                                workspace_id=leaky.workspace.id, input={"channel": "c"}), caller)
    texts.append(repr(resolved))
    for text in texts:
        assert CANARY not in text


def test_create_inputs_do_not_print_their_secrets() -> None:
    request = ConnectionCreate(type="CUSTOM_AUTH", external_id="x", display_name="x", integration_name=ECHO,
                               secret_text=CANARY, password=CANARY, access_token=CANARY, props={"k": CANARY})
    assert CANARY not in repr(request) and CANARY not in str(request)
