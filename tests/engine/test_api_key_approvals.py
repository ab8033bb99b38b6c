"""``permissions.approvals.decide`` on API keys (weavz-api.md §2.11): stored, checked, and carried by the caller."""

from __future__ import annotations

import pytest

from tests.engine.engine_fixtures import World
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.inputs import ApiKeyCreate
from weavz_flow.errors import ApiError, ErrorCode


def test_a_key_decides_only_with_the_permission(world: World) -> None:
    eng, caller = world.engine, world.caller
    decider = eng.api_keys.create(caller, ApiKeyCreate(
        name="decider", permissions={"scope": "org", "approvals": {"decide": True}}))
    plain = eng.api_keys.create(caller, ApiKeyCreate(name="plain"))
    assert eng.authenticate(decider.plain_key.reveal()).may_decide_approvals
    assert not eng.authenticate(plain.plain_key.reveal()).may_decide_approvals
    assert decider.api_key.permissions is not None and decider.api_key.permissions["approvals"] == {"decide": True}
    assert Caller.system(caller.org_id).may_decide_approvals


@pytest.mark.parametrize("approvals", [{"decide": "yes"}, {"decide": True, "other": 1}, ["decide"]])
def test_a_malformed_approvals_permission_is_refused(world: World, approvals: object) -> None:
    with pytest.raises(ApiError) as refused:
        world.engine.api_keys.create(world.caller, ApiKeyCreate(
            name="bad", permissions={"scope": "org", "approvals": approvals}))
    assert refused.value.code == ErrorCode.VALIDATION_ERROR and refused.value.status == 400
