"""Connection resolution: each strategy x explicit connection x end user (with / without a connection / absent /
unknown) x one or several aliases, through a real HTTP call that reports which credential the provider received."""

from __future__ import annotations

import uuid

import pytest

from tests.engine.echo_integration import ECHO, NOAUTH
from tests.engine.engine_fixtures import World
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import EndUserCreate, WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode

CANARY = uuid.uuid4().hex

# "unset": per_user_with_fallback whose fallback is not set yet, which resolves as per_user.
STRATEGIES = ["fixed", "per_user", "per_user_with_fallback", "per_user_with_fallback_unset"]
END_USERS = ["alice", "bob", None, "ghost"]  # alice has a connection, bob has none, ghost does not exist
SHAPES = ["one_alias", "several_by_alias", "several_by_id", "several_default_alias", "several_no_selector"]


def expected(strategy: str, explicit: bool, end_user: str | None, shape: str) -> str:
    """The credential owner the provider should see, or an error code."""
    if shape == "several_no_selector":
        return ErrorCode.AMBIGUOUS_INTEGRATION
    if explicit:
        return "explicit"
    if strategy == "fixed":
        return "shared"
    if end_user == "ghost":
        return ErrorCode.END_USER_NOT_FOUND
    if end_user == "alice":
        return "alice"
    return "shared" if strategy == "per_user_with_fallback" else ErrorCode.CONNECTION_REQUIRED


def setup(world: World, strategy: str, shape: str) -> dict[str, str | None]:
    eng, caller, ws = world.engine, world.caller, world.workspace
    shared = world.connection("shared", f"shared:{CANARY}")
    other = world.connection("other", f"other:{CANARY}")
    world.connection("explicit", f"explicit:{CANARY}")
    eng.end_users.create(caller, EndUserCreate(workspace_id=ws.id, external_id="alice"))
    eng.end_users.create(caller, EndUserCreate(workspace_id=ws.id, external_id="bob"))
    world.connection("alice-conn", f"alice:{CANARY}", workspace_id=ws.id, end_user_id="alice")
    main_alias = ECHO if shape in ("one_alias", "several_default_alias") else "echo_main"
    target = eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias=main_alias, connection_strategy=strategy.removesuffix("_unset"),
        connection_id=None if strategy in ("per_user", "per_user_with_fallback_unset") else shared))
    if shape != "one_alias":
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, alias="echo_other", connection_strategy="fixed", connection_id=other))
    return {
        "integration_alias": main_alias if shape == "several_by_alias" else None,
        "workspace_integration_id": target.id if shape == "several_by_id" else None,
    }


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("end_user", END_USERS)
@pytest.mark.parametrize("explicit", [False, True], ids=["no-explicit", "explicit"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_resolution_matrix(world: World, strategy: str, explicit: bool, end_user: str | None, shape: str) -> None:
    selectors = setup(world, strategy, shape)
    request = ExecuteRequest(
        integration_name=ECHO, action_name="whoami", workspace_id=world.workspace.id, input={"channel": "c"},
        connection_external_id="explicit" if explicit else None, end_user_id=end_user, **selectors,
    )
    want = expected(strategy, explicit, end_user, shape)
    if isinstance(want, ErrorCode):
        with pytest.raises(ApiError) as caught:
            world.engine.execute(request, world.caller)
        assert caught.value.code == want
        assert CANARY not in str(caught.value) and CANARY not in repr(caught.value.to_body())
        return
    result = world.engine.execute(request, world.caller)
    assert result.output["who"] == want
    # The dry run names the same connection without running anything.
    resolved = world.engine.resolve_input(request, world.caller)
    assert resolved.connection is not None
    assert resolved.connection.id == result.connection_id


def test_an_integration_without_auth_needs_no_connection_nor_alias(world: World) -> None:
    request = ExecuteRequest(integration_name=NOAUTH, action_name="ping", workspace_id=world.workspace.id)
    assert world.engine.execute(request, world.caller).output["hasCredentials"] is False


def test_an_integration_with_auth_and_no_alias_needs_an_explicit_connection(world: World) -> None:
    request = ExecuteRequest(integration_name=ECHO, action_name="whoami", workspace_id=world.workspace.id,
                             input={"channel": "c"})
    with pytest.raises(ApiError) as caught:
        world.engine.execute(request, world.caller)
    assert caught.value.code == ErrorCode.CONNECTION_REQUIRED
    world.connection("direct", "direct:x1234")
    direct = request.model_copy(update={"connection_external_id": "direct"})
    assert world.engine.execute(direct, world.caller).output["who"] == "direct"


def test_unknown_selectors_are_404s(world: World) -> None:
    base = {"integration_name": ECHO, "action_name": "whoami", "workspace_id": world.workspace.id,
            "input": {"channel": "c"}}
    cases = [
        ({"connection_external_id": "nope"}, ErrorCode.CONNECTION_NOT_FOUND),
        ({"integration_alias": "nope"}, ErrorCode.NOT_FOUND),
        ({"workspace_integration_id": str(uuid.uuid4())}, ErrorCode.NOT_FOUND),
    ]
    for extra, code in cases:
        with pytest.raises(ApiError) as caught:
            world.engine.execute(ExecuteRequest(**base, **extra), world.caller)
        assert caught.value.code == code and caught.value.status == 404


def test_a_connection_of_another_workspace_is_not_visible(world: World) -> None:
    from weavz_flow.engine.inputs import WorkspaceCreate

    other = world.engine.workspaces.create(world.caller, WorkspaceCreate(name="Other", slug="other"))
    world.connection("theirs", "theirs:x1234", workspace_id=other.id, scope="WORKSPACE")
    request = ExecuteRequest(integration_name=ECHO, action_name="whoami", workspace_id=world.workspace.id,
                             input={"channel": "c"}, connection_external_id="theirs")
    with pytest.raises(ApiError) as caught:
        world.engine.execute(request, world.caller)
    assert caught.value.code == ErrorCode.CONNECTION_NOT_FOUND
    in_place = request.model_copy(update={"workspace_id": other.id})
    assert world.engine.execute(in_place, world.caller).output["who"] == "theirs"


def test_an_alias_of_another_integration_is_refused(world: World) -> None:
    world.engine.integrations.create(world.caller, world.workspace.id,
                                     WorkspaceIntegrationCreate(integration_name=NOAUTH, alias="pinger"))
    request = ExecuteRequest(integration_name=ECHO, action_name="whoami", workspace_id=world.workspace.id,
                             input={"channel": "c"}, integration_alias="pinger")
    with pytest.raises(ApiError) as caught:
        world.engine.execute(request, world.caller)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
