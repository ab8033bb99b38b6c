"""Approval requests in the engine (SQLite and PostgreSQL): the gate's lifecycle over a kv-store list (each run
appends once, so the list shows how often the action ran), transitions that only one contender wins (deciders
racing, sweepers racing, retries racing), listeners inside the transition's transaction, and the keyed input hash."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import NATIVES, small_catalog
from tests.engine.engine_fixtures import TEST_KEY, World
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.engine.services.approvals import Action, ApprovalCall, ApprovalService
from weavz_flow.engine.stamps import format_time, parse_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import kv_store
from weavz_flow.wire.approval_policies import ApprovalPolicyCreate
from weavz_flow.wire.approvals import Approval
from weavz_flow.wire.vocabulary import ApprovalEvent


def _policy(world: World, **fields: Any) -> None:
    world.engine.approval_policies.create(world.caller, ApprovalPolicyCreate.model_validate({
        "name": "list appends", "workspaceId": world.workspace.id, "integrationNames": [kv_store.NAME],
        "actionNames": ["add_to_list"], **fields}))


def _append(world: World, value: str, key: str | None = "k1") -> Any:
    request = ExecuteRequest(integration_name=kv_store.NAME, action_name="add_to_list",
                             workspace_id=world.workspace.id, input={"key": "ran", "value": value},
                             idempotency_key=key)
    return world.engine.execute(request, world.caller)


def _pending(call: Callable[[], Any]) -> ApprovalRequiredError:
    with pytest.raises(ApprovalRequiredError) as caught:
        call()
    return caught.value


def _ran(world: World) -> list[Any]:
    got = world.engine.execute(ExecuteRequest(integration_name=kv_store.NAME, action_name="get",
                                              workspace_id=world.workspace.id, input={"key": "ran"}), world.caller)
    return list(got.output.get("value") or [])


def _events(world: World) -> list[tuple[str, ApprovalEvent]]:
    seen: list[tuple[str, ApprovalEvent]] = []
    world.engine.approvals.subscribe(lambda conn, approval, event, receipt: seen.append((approval.id, event)))
    return seen


def test_pending_until_approved_then_once(world: World) -> None:
    _policy(world)
    events = _events(world)
    first = _pending(lambda: _append(world, "a"))
    assert first.idempotency_key == "k1" and first.approval.status == "pending"
    assert _pending(lambda: _append(world, "a")).approval.id == first.approval.id
    assert _ran(world) == []
    world.engine.approvals.decide(world.caller, first.approval.id, Action.APPROVE)
    assert _append(world, "a").replayed is False
    assert _append(world, "a").replayed is True
    assert _ran(world) == ["a"]
    shown = world.engine.approvals.get(world.caller, first.approval.id)
    assert shown.status == "consumed" and shown.execution_id is not None
    assert events == [(first.approval.id, ApprovalEvent.REQUESTED), (first.approval.id, ApprovalEvent.APPROVED)]


def test_concurrent_retries_of_an_approved_call_run_it_once(world: World) -> None:
    _policy(world)
    pending = _pending(lambda: _append(world, "x", key=None))  # no key: the consumed approval lets one through
    world.engine.approvals.decide(world.caller, pending.approval.id, Action.APPROVE)

    def retry(_: int) -> str:
        try:
            _append(world, "x", key=None)
            return "ran"
        except ApprovalRequiredError:
            return "asks again"
        except ApiError as exc:
            return str(exc.code)

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(retry, range(4)))
    assert outcomes.count("ran") == 1, outcomes
    assert _ran(world) == ["x"]


def test_racing_deciders_and_sweepers_each_transition_once(world: World, store: Any) -> None:
    _policy(world, timeoutSeconds=60)
    events = _events(world)
    ids = [_pending(lambda i=i: _append(world, f"v{i}", key=f"race-{i}")).approval.id for i in range(3)]
    barrier = threading.Barrier(4)

    def decide(action: str) -> str:
        barrier.wait()
        try:
            world.engine.approvals.decide(world.caller, ids[0], action)
            return action
        except ApiError as exc:
            return str(exc.code)

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(decide, [Action.APPROVE, Action.REJECT, Action.APPROVE, Action.CANCEL]))
    assert sum(o in (Action.APPROVE, Action.REJECT, Action.CANCEL) for o in outcomes) == 1, outcomes
    assert outcomes.count(ErrorCode.APPROVAL_ALREADY_DECIDED) == 3

    # Two engines on one store (two processes) sweep the same due approvals: each times out once.
    later = format_time(parse_time(world.engine.approvals.get(world.caller, ids[1]).expires_at) + timedelta(seconds=5))
    other = Engine(store, catalog=small_catalog(), natives=NATIVES, cipher=CredentialCipher(TEST_KEY))
    swept = _events_of(other)
    try:
        with ThreadPoolExecutor(2) as pool:
            counts = list(pool.map(lambda e: e.approvals.expire_due(now=later), [world.engine, other]))
    finally:
        other.executions.close()
    assert sum(counts) == 2, counts
    timed_out = [e for e in events + swept if e[1] is ApprovalEvent.REJECTED and e[0] != ids[0]]
    assert sorted(i for i, _ in timed_out) == sorted(ids[1:])


def _events_of(engine: Engine) -> list[tuple[str, ApprovalEvent]]:
    seen: list[tuple[str, ApprovalEvent]] = []
    engine.approvals.subscribe(lambda conn, approval, event, receipt: seen.append((approval.id, event)))
    return seen


def test_a_listener_failing_undoes_its_transition(world: World) -> None:
    _policy(world)
    pending = _pending(lambda: _append(world, "a"))

    def refuse(conn: sa.Connection, approval: Approval, event: ApprovalEvent, receipt: object) -> None:
        if event is ApprovalEvent.APPROVED:
            raise RuntimeError("outbox unavailable")

    world.engine.approvals.subscribe(refuse)
    with pytest.raises(RuntimeError):
        world.engine.approvals.decide(world.caller, pending.approval.id, Action.APPROVE)
    assert world.engine.approvals.get(world.caller, pending.approval.id).status == "pending"


def test_the_input_hash_is_keyed_and_binds_the_resolved_input(world: World, store: Any) -> None:
    _policy(world)
    one = _pending(lambda: _append(world, "same")).approval
    with store.read() as conn:
        row = conn.execute(sa.select(t.approvals).where(t.approvals.c.id == one.id)).one()
    assert row.input_hash == one.input_hash and len(one.input_hash) == 64
    two = _pending(lambda: _append(world, "other")).approval  # same key, other input: another approval
    assert two.id != one.id and two.input_hash != one.input_hash
    # Keyed: another store's key gives another hash for the same call, so the column cannot be tested offline.
    call = ApprovalCall(
        org_id="o", workspace_id="w", requested_by_api_key_id=None, source="rest", integration_name="kv-store",
        action_name="add_to_list", workspace_integration_id=None, integration_alias=None, connection_strategy=None,
        connection_id=None, end_user_id=None, mcp_server_id=None, input={"key": "ran", "value": "same"},
        partial_ids=(), enforced_keys=(), secrets=(), idempotency_key="k1")
    mine = ApprovalService(store, CredentialCipher(TEST_KEY)).input_hash(call)
    theirs = ApprovalService(store, CredentialCipher(b"another organisation's master key")).input_hash(call)
    assert mine != theirs and mine == ApprovalService(store, CredentialCipher(TEST_KEY)).input_hash(call)


def test_deciding_needs_the_permission_and_scope(world: World) -> None:
    _policy(world)
    pending = _pending(lambda: _append(world, "a")).approval
    plain = Caller(org_id=world.caller.org_id, api_key_id="key-1")
    with pytest.raises(ApiError) as caught:
        world.engine.approvals.decide(plain, pending.id, Action.APPROVE)
    assert caught.value.code == ErrorCode.APPROVAL_DECISION_SCOPE_REQUIRED
    elsewhere = Caller(org_id=world.caller.org_id, workspace_ids=frozenset({"other"}), api_key_id="key-2",
                       may_decide_approvals=True)
    with pytest.raises(ApiError) as caught:
        world.engine.approvals.decide(elsewhere, pending.id, Action.APPROVE)
    assert caught.value.code == ErrorCode.APPROVAL_NOT_FOUND


def test_block_refuses_before_anything_runs(world: World) -> None:
    _policy(world, decision="block")
    with pytest.raises(ApiError) as caught:
        _append(world, "a")
    assert caught.value.code == ErrorCode.APPROVAL_POLICY_BLOCKED and caught.value.status == 403
    assert _ran(world) == []
