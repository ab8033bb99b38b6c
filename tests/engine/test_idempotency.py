"""idempotencyKey: a completed key replays its result without calling the provider; twins in flight are refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from tests.engine.echo_integration import ECHO, GATE, NATIVES, small_catalog
from tests.engine.engine_fixtures import TEST_KEY, World
from tests.stubs.echo import EchoStub
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute import fingerprint_of
from weavz_flow.engine.execute_values import ExecuteRequest, ExecuteResult
from weavz_flow.engine.idempotency import MAX_EXECUTE_S, TAKEOVER_MARGIN_S, ExecuteLimits, IdempotencyLedger
from weavz_flow.engine.inputs import WorkspaceIntegrationCreate
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode

T = TypeVar("T")


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
    assert fixed.engine.executions.list_page(fixed.caller).total == 2


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


# -- claims left by a dead process -----------------------------------------------------------------------------------

SHORT = ExecuteLimits(max_execute_s=0.1, takeover_margin_s=0.1)  # stale after 0.3 s


def _until_not_in_progress(attempt: Callable[[], T]) -> T:
    """``attempt()`` again until the claim it meets is no longer in progress (it goes stale in well under a minute)."""
    for _ in range(600):
        try:
            return attempt()
        except ApiError as exc:
            if (exc.details or {}).get("reason") != "in_progress":
                raise
        time.sleep(0.05)
    raise AssertionError("the claim never went stale")


def test_the_stale_bound_follows_from_the_execute_deadline() -> None:
    limits = ExecuteLimits(max_execute_s=40, takeover_margin_s=7)
    assert limits.stale_after_s == 87  # the deadline twice (the attempt in flight when it passes), then the margin
    assert ExecuteLimits().stale_after_s == 2 * MAX_EXECUTE_S + TAKEOVER_MARGIN_S < 600
    with pytest.raises(ValueError):
        ExecuteLimits(max_execute_s=0)


def test_a_claim_left_by_a_dead_process_is_taken_over_and_runs_once(world: World, echo_stub: EchoStub) -> None:
    engine = Engine(world.engine.store, catalog=small_catalog(), natives=NATIVES, cipher=CredentialCipher(TEST_KEY),
                    limits=SHORT)
    try:
        conn = world.connection("shared", "shared:tok-12345")
        engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, alias="echo", connection_strategy="fixed", connection_id=conn))
        dead = request(world, "after-crash")
        IdempotencyLedger(engine.store).claim(world.caller.org_id, "after-crash", fingerprint_of(dead))
        taken = _until_not_in_progress(lambda: engine.execute(request(world, "after-crash"), world.caller))
        assert not taken.replayed and taken.output["who"] == "shared"
        assert provider_calls(echo_stub, "/whoami") == 1
        again = engine.execute(request(world, "after-crash"), world.caller)
        assert again.replayed and again.output == taken.output
        assert provider_calls(echo_stub, "/whoami") == 1
    finally:
        engine.executions.close()
        engine.http.close()


def test_a_claim_taken_over_no_longer_lets_its_first_owner_complete_or_release_it(store: Store) -> None:
    ledger = IdempotencyLedger(store, limits=SHORT)
    first = ledger.claim("org-1", "k", "fp")
    second = _until_not_in_progress(lambda: ledger.claim("org-1", "k", "fp"))
    assert second.record_id == first.record_id and second.stamp != first.stamp
    assert not ledger.complete(first, {"output": "from the first owner"})
    ledger.release(first)  # a no-op: the record is the second owner's
    with pytest.raises(ApiError) as caught:  # still pending, fresh: the second owner's claim stands
        IdempotencyLedger(store).claim("org-1", "k", "fp")
    assert caught.value.details["reason"] == "in_progress"
    assert ledger.complete(second, {"output": "from the second owner"})
    assert ledger.claim("org-1", "k", "fp").replay == {"output": "from the second owner"}
