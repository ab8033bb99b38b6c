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
from weavz_flow.engine import tables as t
from weavz_flow.engine.execute import fingerprint_of
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import ConnectionCreate, WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import kv_store

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
        for table in (t.executions, t.idempotency_records, t.connections, t.workspace_integrations, t.kv_entries):
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
    assert CANARY not in leaky.engine.executions.list_page(leaky.caller).items[0].model_dump_json()


def test_reads_never_return_the_credential(leaky: World) -> None:
    eng, caller = leaky.engine, leaky.caller
    [conn] = [c for c in eng.connections.list_all(caller) if c.external_id == "canary"]
    ids = [leaky.workspace.id]
    texts = [conn.model_dump_json(), repr(conn), repr(eng.connections.list_page(caller)),
             repr(eng.integrations.list_in(caller, leaky.workspace.id)), repr(eng.integrations.list_many(caller, ids)),
             repr(eng.partials.list_many(caller, ids)), repr(eng.end_users.list_many(caller, ids))]
    resolved = eng.resolve_input(ExecuteRequest(integration_name=ECHO, action_name="whoami",
                                                workspace_id=leaky.workspace.id, input={"channel": "c"}), caller)
    texts.append(repr(resolved))
    for text in texts:
        assert CANARY not in text


def test_create_inputs_do_not_print_their_secrets() -> None:
    request = ConnectionCreate(type="CUSTOM_AUTH", external_id="x", display_name="x", integration_name=ECHO,
                               secret_text=CANARY, password=CANARY, access_token=CANARY, props={"k": CANARY})
    assert CANARY not in repr(request) and CANARY not in str(request)


# -- values the caller names as secret (a flow's `secrets`) ---------------------------------------------------------

FLOW_SECRET = f"flowsecret-{uuid.uuid4().hex}"  # 43 characters: its fragments count too


def _derived_forms_absent(text: str) -> None:
    lowered = text.lower()
    assert FLOW_SECRET.lower() not in lowered
    assert FLOW_SECRET.lower()[:12] not in lowered and FLOW_SECRET.lower()[-12:] not in lowered


def test_values_a_request_names_are_redacted_from_records_answers_and_the_idempotency_ledger(
        leaky: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    values = {"channel": f"Bearer {FLOW_SECRET}", "text": FLOW_SECRET.upper(), "mode": FLOW_SECRET[:14] + "…***"}
    request = ExecuteRequest(integration_name=ECHO, action_name="whoami", workspace_id=leaky.workspace.id,
                             input=values, idempotency_key="flow-run-1/step", redact=(FLOW_SECRET,))
    first = leaky.engine.execute(request, leaky.caller)
    assert first.output["input"]["channel"] == "Bearer [REDACTED]"  # type: ignore[index]
    replayed = leaky.engine.execute(request, leaky.caller)
    assert replayed.replayed and replayed.output == first.output
    stored = everything_stored(leaky)
    assert "Bearer [REDACTED]" in stored
    for text in (json.dumps(first.output), stored, caplog.text):
        _derived_forms_absent(text)


def test_the_idempotency_fingerprint_is_made_without_the_named_secrets(leaky: World) -> None:
    # The ledger stores an unkeyed hash of the request: with the secret in it, a reader of the database could test
    # guesses of a weak secret against it.
    def request(text: str, redact: tuple[str, ...] = ()) -> ExecuteRequest:
        return ExecuteRequest(integration_name=ECHO, action_name="whoami", workspace_id="w",
                              input={"channel": "c", "text": text}, redact=redact)

    named = request(f"Bearer {FLOW_SECRET}", (FLOW_SECRET,))
    assert fingerprint_of(named) == fingerprint_of(request("Bearer [REDACTED]"))
    assert fingerprint_of(named) != fingerprint_of(request(f"Bearer {FLOW_SECRET}"))
    assert named.model_dump() == request(f"Bearer {FLOW_SECRET}").model_dump()  # no dump holds the names
    assert FLOW_SECRET not in repr(named).replace(f"Bearer {FLOW_SECRET}", "")


def test_a_named_secret_a_flow_stores_on_purpose_is_stored_redacted(leaky: World) -> None:
    leaky.engine.integrations.create(leaky.caller, leaky.workspace.id, WorkspaceIntegrationCreate(
        integration_name=kv_store.NAME, alias="kv", settings={"persistence": {"scope": "workspace"}}))
    put = ExecuteRequest(integration_name=kv_store.NAME, action_name="put", workspace_id=leaky.workspace.id,
                         input={"key": "token", "value": {"auth": f"Bearer {FLOW_SECRET}"}}, redact=(FLOW_SECRET,))
    leaky.engine.execute(put, leaky.caller)
    with leaky.engine.store.read() as conn:
        [row] = conn.execute(sa.select(t.kv_entries.c.value)).all()
    assert row.value == {"auth": "Bearer [REDACTED]"}
    _derived_forms_absent(everything_stored(leaky))
