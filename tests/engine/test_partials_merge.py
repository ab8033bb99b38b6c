"""Partial selection and the merge order: action defaults, partial values, caller input, enforced values."""

from __future__ import annotations

import pytest

from tests.engine.echo_integration import ECHO
from tests.engine.engine_fixtures import World
from weavz_flow.engine import (
    ExecuteRequest,
    PartialCreate,
    PartialUpdate,
    WorkspaceIntegrationCreate,
)
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


def test_an_empty_list_means_no_partials_and_a_list_means_exactly_those_in_order(aliased: World) -> None:
    partial(aliased, "default", {"text": "default", "channel": "D"}, enforced=["channel"], default=True)
    first = partial(aliased, "first", {"text": "first", "mode": "first"})
    second = partial(aliased, "second", {"text": "second"}, action="whoami")
    assert run(aliased, {"channel": "mine"}, partial_ids=[]) == {"channel": "mine", "count": 3}
    seen = run(aliased, {"channel": "mine"}, partial_ids=[first, second])
    assert seen["text"] == "second" and seen["mode"] == "first" and seen["channel"] == "mine"
    assert run(aliased, {"channel": "mine"}, partial_ids=[second, first])["text"] == "first"
    # Newer Weavz docs accept names as well as ids.
    assert run(aliased, {"channel": "mine"}, partial_ids=["first"])["text"] == "first"


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
    assert [p.name for p in eng.partials.list(caller, ws.id, integration_alias="echo_a", action_name="whoami")] == ["p"]
    assert eng.partials.delete(caller, pid) == pid
    with pytest.raises(ApiError) as gone:
        eng.partials.get(caller, pid)
    assert gone.value.status == 404
