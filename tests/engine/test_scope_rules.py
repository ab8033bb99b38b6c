"""Engine-side rules of README "Security model" that the REST API does not reach: a connection's host moves only
with its credential; a workspace looked up by slug out of a key's scope is as absent as an unknown slug."""

from __future__ import annotations

import pytest

from tests.engine.engine_fixtures import World
from weavz_flow.engine.inputs import ApiKeyCreate, ConnectionUpdate, WorkspaceCreate
from weavz_flow.errors import ApiError, ErrorCode


def test_a_connection_moves_to_another_host_only_with_its_credential(world: World) -> None:
    eng, caller = world.engine, world.caller
    conn_id = world.connection("bot", "tok-moves-with-host-1234")
    with pytest.raises(ApiError) as caught:
        eng.connections.update(caller, conn_id, ConnectionUpdate(base_url="http://127.0.0.1:9/elsewhere"))
    assert caught.value.code == ErrorCode.CREDENTIAL_HOST_DENIED and caught.value.status == 400
    assert eng.connections.get(caller, conn_id).base_url == world.echo_url
    # The same host under another path, or a new credential with the new host, is the owner's choice.
    same_host = world.echo_url + "/v2"
    assert eng.connections.update(caller, conn_id, ConnectionUpdate(base_url=same_host)).base_url == same_host
    moved = eng.connections.update(caller, conn_id, ConnectionUpdate(
        base_url="http://127.0.0.1:9/elsewhere", secret_text="tok-new-credential-5678"))
    assert moved.base_url == "http://127.0.0.1:9/elsewhere"
    for bad in ("http://user:pw@127.0.0.1:9", "ftp://127.0.0.1", "http://127.0.0.1:9/?q=1"):
        with pytest.raises(ApiError) as caught:
            eng.connections.update(caller, conn_id, ConnectionUpdate(base_url=bad, secret_text="tok-x-12345678"))
        assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert eng.connections.get(caller, conn_id).base_url == "http://127.0.0.1:9/elsewhere"


def test_a_workspace_by_slug_out_of_scope_is_not_found(world: World) -> None:
    eng, caller = world.engine, world.caller
    other = eng.workspaces.create(caller, WorkspaceCreate(name="Other", slug="other"))
    key = eng.api_keys.create(caller, ApiKeyCreate(
        name="prod-only", permissions={"scope": "workspace", "workspaceIds": [world.workspace.id]}))
    scoped = eng.authenticate(key.plain_key.reveal())
    answers = []
    for slug in ("other", "never-existed"):
        with pytest.raises(ApiError) as caught:
            eng.workspaces.get_by_slug(scoped, slug)
        answers.append((caught.value.status, caught.value.code, caught.value.message.replace(slug, "S"),
                        caught.value.details))
    assert answers[0][:3] == answers[1][:3] == (404, ErrorCode.NOT_FOUND, "Workspace 'S' not found")
    assert other.id not in str(answers[0])
    assert eng.workspaces.get_by_slug(scoped, "prod").id == world.workspace.id
