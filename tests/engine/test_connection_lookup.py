"""``POST /connections/resolve`` through the engine: an explicit externalId bypasses alias resolution (§3.1)."""

from __future__ import annotations

import pytest

from tests.engine.echo_integration import ECHO
from tests.engine.engine_fixtures import World
from weavz_flow.engine.inputs import EndUserCreate, WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode


@pytest.fixture
def two_aliases(world: World) -> World:
    """A workspace with two aliases of one integration, so that resolving by alias alone is ambiguous."""
    for name in ("bot", "admin"):
        conn = world.connection(name, f"{name}:tok-{name}")
        world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, alias=f"echo_{name}", connection_strategy="fixed", connection_id=conn))
    world.connection("standalone", "standalone:tok-x")
    return world


def test_an_explicit_external_id_is_used_even_with_several_aliases(two_aliases: World) -> None:
    found = two_aliases.engine.resolve_connection(
        two_aliases.caller, integration_name=ECHO, workspace_id=two_aliases.workspace.id, external_id="standalone")
    assert found.external_id == "standalone"
    # The end user's own connection does not win over an explicit one either.
    two_aliases.engine.end_users.create(two_aliases.caller, EndUserCreate(
        workspace_id=two_aliases.workspace.id, external_id="u1"))
    found = two_aliases.engine.resolve_connection(
        two_aliases.caller, integration_name=ECHO, workspace_id=two_aliases.workspace.id, external_id="bot",
        end_user_id="u1")
    assert found.external_id == "bot"


def test_without_an_external_id_several_aliases_are_ambiguous(two_aliases: World) -> None:
    with pytest.raises(ApiError) as caught:
        two_aliases.engine.resolve_connection(
            two_aliases.caller, integration_name=ECHO, workspace_id=two_aliases.workspace.id)
    assert caught.value.code == ErrorCode.AMBIGUOUS_INTEGRATION


def test_an_unknown_external_id_is_not_found_and_the_workspace_is_still_checked(two_aliases: World) -> None:
    with pytest.raises(ApiError) as caught:
        two_aliases.engine.resolve_connection(
            two_aliases.caller, integration_name=ECHO, workspace_id=two_aliases.workspace.id, external_id="nope")
    assert caught.value.code == ErrorCode.CONNECTION_NOT_FOUND
    with pytest.raises(ApiError) as caught:
        two_aliases.engine.resolve_connection(
            two_aliases.caller, integration_name=ECHO, workspace_id="no-such-workspace", external_id="standalone")
    assert caught.value.status == 404
