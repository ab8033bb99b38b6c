"""idempotencyKey: a completed key replays its result without calling the provider; twins in flight are refused."""

from __future__ import annotations

import threading

import pytest

from tests.engine.echo_integration import ECHO, GATE
from tests.engine.engine_fixtures import World
from tests.stubs.echo import EchoStub
from weavz_flow.engine import ExecuteRequest, ExecuteResult, WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode


@pytest.fixture
def fixed(world: World) -> World:
    conn = world.connection("shared", "shared:tok-12345")
    world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_strategy="fixed", connection_id=conn))
    return world


def request(world: World, key: str | None, action: str = "whoami", **input: object) -> ExecuteRequest:
    return ExecuteRequest(integration_name=ECHO, action_name=action, workspace_id=world.workspace.id,
                          input={"channel": "c", **input} if action == "whoami" else dict(input),
                          idempotency_key=key)


def provider_calls(stub: EchoStub, path: str) -> int:
    return sum(1 for r in stub.requests if r.path == path)


def test_a_completed_key_replays_without_calling_the_provider(fixed: World, echo_stub: EchoStub) -> None:
    first = fixed.engine.execute(request(fixed, "k1"), fixed.caller)
    again = fixed.engine.execute(request(fixed, "k1"), fixed.caller)
    assert provider_calls(echo_stub, "/whoami") == 1
    assert again.replayed and not first.replayed
    assert again.output == first.output and again.execution_id == first.execution_id
    fixed.engine.execute(request(fixed, "k2"), fixed.caller)
    fixed.engine.execute(request(fixed, None), fixed.caller)
    fixed.engine.execute(request(fixed, None), fixed.caller)
    assert provider_calls(echo_stub, "/whoami") == 4


def test_a_key_reused_for_another_request_is_refused(fixed: World) -> None:
    fixed.engine.execute(request(fixed, "k1"), fixed.caller)
    with pytest.raises(ApiError) as caught:
        fixed.engine.execute(request(fixed, "k1", text="different"), fixed.caller)
    assert caught.value.status == 409 and caught.value.details["reason"] == "different_request"


def test_a_failed_run_releases_its_key(fixed: World) -> None:
    for _ in range(2):
        with pytest.raises(ApiError) as caught:
            fixed.engine.execute(request(fixed, "bad", action="leak_api_error"), fixed.caller)
        assert caught.value.code == ErrorCode.ACTION_FAILED
    assert fixed.engine.executions.list(fixed.caller).total == 2


def test_concurrent_twins_do_not_both_run(fixed: World, echo_stub: EchoStub) -> None:
    GATE.reset()
    results: list[ExecuteResult] = []
    first = threading.Thread(target=lambda: results.append(
        fixed.engine.execute(request(fixed, "twin", action="block"), fixed.caller)))
    first.start()
    try:
        assert GATE.entered.wait(30)
        with pytest.raises(ApiError) as caught:
            fixed.engine.execute(request(fixed, "twin", action="block"), fixed.caller)
        assert caught.value.status == 409 and caught.value.details["reason"] == "in_progress"
    finally:
        GATE.release.set()
        first.join(30)
    assert GATE.calls == 1 and len(results) == 1
    replay = fixed.engine.execute(request(fixed, "twin", action="block"), fixed.caller)
    assert replay.replayed and replay.output == results[0].output
    assert GATE.calls == 1 and provider_calls(echo_stub, "/block") == 1
