"""Partial selection and the merge order: action defaults, partial values, caller input, enforced values."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.echo_integration import ECHO
from tests.engine.engine_fixtures import World
from weavz_flow.engine.applied_partial import PartialReason
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import PartialCreate, PartialUpdate, WorkspaceIntegrationCreate
from weavz_flow.engine.partial_merge import SelectedPartial, merge_input
from weavz_flow.errors import ApiError, ErrorCode


def partial(world: World, name: str, values: dict, *, alias: str = "echo_a", action: str | None = None,
            enforced: list[str] | None = None, default: bool = False) -> str:
    return world.engine.partials.create(world.caller, PartialCreate(
        workspace_id=world.workspace.id, integration_name=ECHO, integration_alias=alias, name=name,
        action_name=action, values=values, enforced_keys=enforced or [], is_default=default)).id


@pytest.fixture
def aliased(world: World) -> World:
    conn = world.connection("shared", "shared:token-1")
    for alias in ("echo_a", "echo_b"):
        world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, alias=alias, connection_strategy="fixed", connection_id=conn))
    return world


def run(world: World, input: dict, *, alias: str = "echo_a", action: str = "whoami",
        partial_ids: list[str] | None = None) -> dict:
    result = world.engine.execute(ExecuteRequest(
        integration_name=ECHO, action_name=action, workspace_id=world.workspace.id, integration_alias=alias,
        input=input, partial_ids=partial_ids), world.caller)
    return result.output["input"]


def test_enforcing_defaults_lock_last_whatever_the_order_given() -> None:
    chosen = SelectedPartial("c", "chosen", None, {"lock": "chosen", "own": "chosen"}, ("lock", "own"))
    binding = SelectedPartial("d", "lock", None, {"lock": "default"}, ("lock",), is_default=True,
                              reason=PartialReason.DEFAULT_ENFORCED)
    for order in ([chosen, binding], [binding, chosen]):
        merged = merge_input({}, order, {"lock": "caller", "own": "caller"})
        assert merged.values == {"lock": "default", "own": "chosen"}
        assert merged.sources == {"lock": "enforced:d", "own": "enforced:c"}
        assert set(merged.overridden_keys) == {"lock", "own"}


def test_merge_order_pure() -> None:
    p1 = SelectedPartial("p1", "wide", None, {"a": 1, "b": 1, "lock": "p1"}, ("lock",))
    p2 = SelectedPartial("p2", "action", "x", {"b": 2, "c": 2}, ())
    merged = merge_input({"a": 0, "d": 0}, [p1, p2], {"b": 9, "lock": "caller", "e": 9})
    assert merged.values == {"a": 1, "d": 0, "b": 9, "c": 2, "lock": "p1", "e": 9}
    assert merged.enforced_keys == ("lock",)
    assert merged.overridden_keys == ("lock",)
    assert merged.sources == {"a": "partial:p1", "d": "default", "b": "input", "c": "partial:p2",
                              "lock": "enforced:p1", "e": "input"}
    assert merged.partial_ids == ("p1", "p2")


def test_defaults_apply_wide_first_then_the_actions_and_caller_input_wins_except_enforced(aliased: World) -> None:
    action_p = partial(aliased, "for-whoami", {"text": "from action partial", "mode": "action"},
                       action="whoami", default=True)
    wide_p = partial(aliased, "wide", {"text": "from wide", "mode": "wide", "channel": "C-LOCKED"},
                     enforced=["channel"], default=True)
    partial(aliased, "not-default", {"text": "never"})
    partial(aliased, "other-action", {"text": "never"}, action="other", default=True)
    partial(aliased, "other-alias", {"text": "never"}, alias="echo_b", default=True)
    seen = run(aliased, {"channel": "C-CALLER", "mode": "caller"})
    # count: action default (3); text: the action partial after the wide one; mode: caller; channel: enforced.
    assert seen == {"count": 3, "text": "from action partial", "mode": "caller", "channel": "C-LOCKED"}
    resolved = aliased.engine.resolve_input(ExecuteRequest(
        integration_name=ECHO, action_name="whoami", workspace_id=aliased.workspace.id, integration_alias="echo_a",
        input={"channel": "C-CALLER"}), aliased.caller)
    assert resolved.partial_ids == (wide_p, action_p)
    assert resolved.enforced_keys == ("channel",)
    assert resolved.overridden_keys == ("channel",)


def test_defaults_are_per_alias(aliased: World) -> None:
    partial(aliased, "b-default", {"text": "for b"}, alias="echo_b", default=True)
    assert "text" not in run(aliased, {"channel": "c"}, alias="echo_a")
    assert run(aliased, {"channel": "c"}, alias="echo_b")["text"] == "for b"


def test_an_empty_list_keeps_the_enforcing_defaults_and_a_list_adds_them_before_its_own(aliased: World) -> None:
    partial(aliased, "default", {"text": "default", "channel": "D"}, enforced=["channel"], default=True)
    partial(aliased, "plain-default", {"mode": "plain-default"}, default=True)  # no enforced keys: [] drops it
    first = partial(aliased, "first", {"text": "first", "mode": "first"})
    second = partial(aliased, "second", {"text": "second"}, action="whoami")
    # The enforcing default holds against a caller that asks for no partials, whole (its pre-fills too).
    assert run(aliased, {"channel": "mine"}, partial_ids=[]) == {"channel": "D", "text": "default", "count": 3}
    seen = run(aliased, {"channel": "mine"}, partial_ids=[first, second])
    assert seen["text"] == "second" and seen["mode"] == "first" and seen["channel"] == "D"
    assert run(aliased, {"channel": "mine"}, partial_ids=[second, first])["text"] == "first"
    # Newer Weavz docs accept names as well as ids.
    assert run(aliased, {"channel": "mine"}, partial_ids=["first"])["text"] == "first"
    assert "mode" not in run(aliased, {"channel": "mine"}, partial_ids=[])


def resolve(world: World, input: dict, *, partial_ids: list[str] | None = None, action: str = "whoami") -> Any:
    return world.engine.resolve_input(ExecuteRequest(
        integration_name=ECHO, action_name=action, workspace_id=world.workspace.id, integration_alias="echo_a",
        input=input, partial_ids=partial_ids), world.caller)


def reasons(resolved: Any) -> list[tuple[str, str]]:
    return [(p.name, p.reason.value) for p in resolved.partials]


def test_each_applied_partial_says_why(aliased: World) -> None:
    lock = partial(aliased, "lock", {"channel": "C-LOCKED"}, enforced=["channel"], default=True)
    partial(aliased, "prefill", {"text": "hello"}, default=True)
    extra = partial(aliased, "extra", {"mode": "extra"})
    assert reasons(resolve(aliased, {})) == [("lock", "default"), ("prefill", "default")]
    assert reasons(resolve(aliased, {}, partial_ids=[])) == [("lock", "default_enforced")]
    assert reasons(resolve(aliased, {}, partial_ids=[extra])) == [("lock", "default_enforced"), ("extra", "requested")]
    # Named explicitly, the enforcing default applies once, in its place, and as requested.
    named = resolve(aliased, {}, partial_ids=[extra, lock, "lock", extra])
    assert reasons(named) == [("lock", "requested"), ("extra", "requested")]
    assert named.partial_ids == (lock, extra)


def test_a_requested_partial_cannot_unlock_what_an_enforcing_default_enforces(aliased: World) -> None:
    partial(aliased, "lock", {"channel": "C-LOCKED"}, enforced=["channel"], default=True)
    # A partial the caller may choose, enforcing the same key with another value, and one pre-filling it.
    redirect = partial(aliased, "redirect", {"channel": "C-ELSEWHERE", "text": "t"}, enforced=["channel", "text"])
    prefill = partial(aliased, "prefill-channel", {"channel": "C-PREFILL"}, action="whoami")
    for ids in ([redirect], [prefill], [redirect, prefill], [prefill, redirect], None):
        assert run(aliased, {"channel": "C-CALLER"}, partial_ids=ids)["channel"] == "C-LOCKED", ids
    resolved = resolve(aliased, {"channel": "C-CALLER", "text": "mine"}, partial_ids=[redirect])
    lock_id = resolved.partials[0].id
    assert resolved.sources["channel"] == f"enforced:{lock_id}"
    # The requested partial still locks what the enforcing default does not.
    assert resolved.input["text"] == "t" and resolved.sources["text"] == f"enforced:{redirect}"
    assert set(resolved.enforced_keys) == {"channel", "text"}
    assert set(resolved.overridden_keys) == {"channel", "text"}


def test_wide_and_action_enforcing_defaults_both_apply_and_the_actions_wins_a_shared_key(aliased: World) -> None:
    wide = partial(aliased, "wide-lock", {"channel": "C-WIDE", "mode": "wide"}, enforced=["channel", "mode"],
                   default=True)
    own = partial(aliased, "own-lock", {"channel": "C-OWN", "text": "own"}, enforced=["channel", "text"],
                  action="whoami", default=True)
    partial(aliased, "other-action-lock", {"channel": "C-NEVER"}, enforced=["channel"], action="other", default=True)
    for ids in (None, [], ["own-lock"], ["own-lock", "wide-lock"]):
        seen = run(aliased, {"channel": "C-CALLER", "mode": "m", "text": "x"}, partial_ids=ids)
        assert seen == {"channel": "C-OWN", "mode": "wide", "text": "own", "count": 3}, ids
        assert resolve(aliased, {}, partial_ids=ids).partial_ids == (wide, own), ids


def test_a_partial_that_enforces_keys_but_is_not_a_default_applies_only_when_named(aliased: World) -> None:
    pin = partial(aliased, "pin", {"channel": "C-PIN"}, enforced=["channel"])
    for ids in (None, []):
        assert run(aliased, {"channel": "C-CALLER"}, partial_ids=ids)["channel"] == "C-CALLER", ids
    assert run(aliased, {"channel": "C-CALLER"}, partial_ids=[pin])["channel"] == "C-PIN"


def test_an_enforcing_default_of_another_alias_does_not_apply(aliased: World) -> None:
    partial(aliased, "b-lock", {"channel": "C-B"}, alias="echo_b", enforced=["channel"], default=True)
    assert run(aliased, {"channel": "C-A"}, partial_ids=[])["channel"] == "C-A"
    assert run(aliased, {"channel": "C-A"}, alias="echo_b", partial_ids=[])["channel"] == "C-B"


def test_the_execution_record_names_the_partials_and_why(aliased: World) -> None:
    lock = partial(aliased, "lock", {"channel": "C-LOCKED"}, enforced=["channel"], default=True)
    extra = partial(aliased, "extra", {"mode": "extra"})
    result = aliased.engine.execute(ExecuteRequest(
        integration_name=ECHO, action_name="whoami", workspace_id=aliased.workspace.id, integration_alias="echo_a",
        input={"channel": "C-CALLER"}, partial_ids=[extra]), aliased.caller)
    assert result.output["input"]["channel"] == "C-LOCKED"
    assert [(p.id, p.reason) for p in result.partials] == [
        (lock, PartialReason.DEFAULT_ENFORCED), (extra, PartialReason.REQUESTED)]
    record = aliased.engine.executions.get(aliased.caller, result.execution_id)
    assert record.partial_ids == [lock, extra] and record.enforced_keys == ["channel"]
    assert [(p.id, p.name, p.reason) for p in record.applied_partials or []] == [
        (lock, "lock", PartialReason.DEFAULT_ENFORCED), (extra, "extra", PartialReason.REQUESTED)]
    assert record.model_dump(by_alias=True)["appliedPartials"][0] == {
        "id": lock, "name": "lock", "reason": "default_enforced"}


def test_explicit_partials_must_exist_and_match_the_alias_and_action(aliased: World) -> None:
    of_b = partial(aliased, "of-b", {"text": "b"}, alias="echo_b")
    of_other = partial(aliased, "of-other", {"text": "o"}, action="other")
    for ids, code in [(["missing"], ErrorCode.PARTIAL_NOT_FOUND), ([of_b], ErrorCode.PARTIAL_MISMATCH),
                      ([of_other], ErrorCode.PARTIAL_MISMATCH)]:
        with pytest.raises(ApiError) as caught:
            run(aliased, {"channel": "c"}, partial_ids=ids)
        assert caught.value.code == code


def test_a_final_input_that_misses_required_fields_names_each_one(aliased: World) -> None:
    with pytest.raises(ApiError) as caught:
        run(aliased, {"count": "three"})
    error = caught.value
    assert error.code == ErrorCode.VALIDATION_ERROR and error.status == 400
    assert {f["field"] for f in error.details["fields"]} == {"channel", "count"}
    assert "'channel'" in error.message and "'count'" in error.message


def test_a_partial_can_supply_a_required_field(aliased: World) -> None:
    partial(aliased, "chan", {"channel": "C1"}, default=True)
    assert run(aliased, {})["channel"] == "C1"


def test_partial_crud_rules(aliased: World) -> None:
    eng, caller, ws = aliased.engine, aliased.caller, aliased.workspace
    pid = partial(aliased, "p", {"a": 1})
    with pytest.raises(ApiError) as dup:
        partial(aliased, "p", {"a": 2})
    assert dup.value.code == ErrorCode.DUPLICATE and dup.value.status == 409
    partial(aliased, "p", {"a": 2}, action="whoami")  # same name, another scope
    with pytest.raises(ApiError) as bad:
        partial(aliased, "q", {"a": 1}, enforced=["b"])
    assert bad.value.code == ErrorCode.VALIDATION_ERROR
    with pytest.raises(ApiError) as unknown_action:
        partial(aliased, "q", {"a": 1}, action="whoamii")
    assert unknown_action.value.code == ErrorCode.ACTION_NOT_FOUND
    with pytest.raises(ApiError) as no_alias:
        eng.partials.create(caller, PartialCreate(workspace_id=ws.id, integration_name="noauth-test", name="x"))
    assert no_alias.value.status == 404
    with pytest.raises(ApiError) as ambiguous:
        eng.partials.create(caller, PartialCreate(workspace_id=ws.id, integration_name=ECHO, name="x"))
    assert ambiguous.value.code == ErrorCode.AMBIGUOUS_INTEGRATION
    updated = eng.partials.update(caller, pid, PartialUpdate(values={"a": 5, "b": 6}, enforced_keys=["b"]))
    assert updated.values == {"a": 5, "b": 6} and updated.enforced_keys == ["b"]
    assert updated.integration_alias == "echo_a"
    assert eng.partials.set_default(caller, pid, True).is_default is True
    found = eng.partials.list_in(caller, ws.id, integration_alias="echo_a", action_name="whoami")
    assert [p.name for p in found] == ["p"]
    assert eng.partials.delete(caller, pid) == pid
    with pytest.raises(ApiError) as gone:
        eng.partials.get(caller, pid)
    assert gone.value.status == 404
