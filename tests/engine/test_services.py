"""CRUD services: Weavz validation rules, 404/409 codes, scope, bulk listing for plan."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import ECHO, NOAUTH
from tests.engine.engine_fixtures import World
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.inputs import (
    ApiKeyCreate,
    ConnectionCreate,
    ConnectionUpdate,
    EndUserCreate,
    EndUserUpdate,
    PartialCreate,
    WorkspaceCreate,
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationUpdate,
    WorkspaceUpdate,
)
from weavz_flow.errors import ApiError, ErrorCode


def raises(code: ErrorCode, status: int | None = None):  # type: ignore[no-untyped-def]
    class _Check:
        def __enter__(self) -> None:
            return None

        def __exit__(self, exc_type, exc, tb) -> bool:  # type: ignore[no-untyped-def]
            assert isinstance(exc, ApiError), f"expected ApiError {code}, got {exc!r}"
            assert exc.code == code, exc
            if status is not None:
                assert exc.status == status
            return True

    return _Check()


@pytest.mark.parametrize("slug", ["", "Has Space", "bang!", "-lead", "UPPER"])
def test_workspace_slugs_follow_the_weavz_rules(world: World, slug: str) -> None:
    with raises(ErrorCode.VALIDATION_ERROR, 400):
        world.engine.workspaces.create(world.caller, WorkspaceCreate(name="X", slug=slug))


def test_workspace_crud(world: World) -> None:
    eng, caller = world.engine, world.caller
    with raises(ErrorCode.DUPLICATE, 409):
        eng.workspaces.create(caller, WorkspaceCreate(name="Again", slug="prod"))
    staging = eng.workspaces.create(caller, WorkspaceCreate(name="Staging", slug="staging-2"))
    assert eng.workspaces.get_by_slug(caller, "staging-2").id == staging.id
    renamed = eng.workspaces.update(caller, staging.id, WorkspaceUpdate(name="Stage"))
    assert renamed.name == "Stage" and renamed.slug == "staging-2"
    with raises(ErrorCode.NO_UPDATES, 400):
        eng.workspaces.update(caller, staging.id, WorkspaceUpdate())
    with raises(ErrorCode.DUPLICATE, 409):
        eng.workspaces.update(caller, staging.id, WorkspaceUpdate(slug="prod"))
    page = eng.workspaces.list_page(caller, limit=1)
    assert page.total == 2 and len(page.items) == 1
    assert eng.workspaces.delete(caller, staging.id) == staging.id
    with raises(ErrorCode.NOT_FOUND, 404):
        eng.workspaces.delete(caller, staging.id)
    with raises(ErrorCode.NOT_FOUND, 404):
        eng.workspaces.get(Caller.system(str(uuid.uuid4())), world.workspace.id)  # another org sees nothing


def test_alias_rules(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    conn = world.connection("c", "c:tok-12345")
    with raises(ErrorCode.VALIDATION_ERROR, 400):  # fixed without connectionId
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, alias="a", connection_strategy="fixed"))
    # per_user_with_fallback may wait for its fallback (the live Weavz API accepts it); it runs as per_user until then.
    waiting = eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="b", connection_strategy="per_user_with_fallback"))
    assert waiting.connection_strategy == "per_user_with_fallback" and waiting.connection_id is None
    for alias in ["1abc", "Abc", "a b", "a@b", "x" * 65, "_a"]:
        with raises(ErrorCode.VALIDATION_ERROR, 400):
            eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name=ECHO, alias=alias))
    with raises(ErrorCode.INTEGRATION_NOT_FOUND, 404):
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name="nope"))
    with raises(ErrorCode.CONNECTION_NOT_FOUND, 404):
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, connection_strategy="fixed", connection_id=str(uuid.uuid4())))
    with raises(ErrorCode.VALIDATION_ERROR, 400):
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
            integration_name=ECHO, alias="e", enabled_actions=["whoamii"]))
    made = eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="slack_bot", connection_id=conn, display_name="Bot"))
    assert made.connection_strategy == "fixed" and made.settings == {}
    assert made.connection_external_id == "c" and made.connection_status == "ACTIVE"
    with raises(ErrorCode.ALIAS_CONFLICT, 409):
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name=NOAUTH, alias="slack_bot"))
    changed = eng.integrations.update(caller, ws.id, made.id, WorkspaceIntegrationUpdate(
        connection_strategy="per_user", connection_id=None, settings=None, sort_order=5))
    assert changed.connection_strategy == "per_user" and changed.connection_id is None and changed.sort_order == 5
    with raises(ErrorCode.VALIDATION_ERROR, 400):
        eng.integrations.update(caller, ws.id, made.id, WorkspaceIntegrationUpdate(connection_strategy="fixed"))
    default_alias = eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name=NOAUTH))
    assert default_alias.alias == NOAUTH and default_alias.connection_strategy == "per_user"
    with raises(ErrorCode.NOT_FOUND, 404):
        eng.integrations.delete(caller, ws.id, str(uuid.uuid4()))


def test_deleting_an_alias_deletes_its_partials_and_a_connection_unpins(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    conn = world.connection("c", "c:tok-12345")
    alias = eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="a", connection_id=conn))
    eng.partials.create(caller, PartialCreate(workspace_id=ws.id, integration_name=ECHO, name="p", values={}))
    eng.connections.delete(caller, conn)
    assert eng.integrations.get(caller, ws.id, alias.id).connection_id is None
    eng.integrations.delete(caller, ws.id, alias.id)
    assert eng.partials.list_in(caller, ws.id) == []


def test_connection_rules(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    base = {"external_id": "x", "display_name": "X", "integration_name": ECHO}
    for kw in [{"type": "SECRET_TEXT"}, {"type": "BASIC_AUTH", "username": "u"},
               {"type": "CUSTOM_AUTH", "props": {}}, {"type": "OAUTH2"}, {"type": "WHAT", "secret_text": "s"},
               {"type": "SECRET_TEXT", "secret_text": "s", "external_id": ""}]:
        with raises(ErrorCode.VALIDATION_ERROR, 400):
            eng.connections.create(caller, ConnectionCreate(**{**base, **kw}))
    made = eng.connections.create(caller, ConnectionCreate(**base, type="OAUTH2", access_token="at-123456",
                                                           refresh_token="rt-123456"))
    assert made.scope == "ORGANIZATION" and made.status == "ACTIVE"
    with raises(ErrorCode.DUPLICATE, 409):
        eng.connections.create(caller, ConnectionCreate(**base, type="SECRET_TEXT", secret_text="s"))
    # The same externalId on another integration is fine.
    eng.connections.create(caller, ConnectionCreate(**{**base, "integration_name": NOAUTH}, type="SECRET_TEXT",
                                                    secret_text="s"))
    rotated = eng.connections.update(caller, made.id, ConnectionUpdate(access_token="at-rotated"))
    assert rotated.credential_fingerprint != made.credential_fingerprint and rotated.id == made.id
    assert eng.connections.list_page(caller, integration_name=ECHO).total == 1
    # An end user a connection names is created when it does not exist yet (weavz-api.md §1.6).
    made_for = eng.connections.create(caller, ConnectionCreate(**{**base, "external_id": "y"}, type="SECRET_TEXT",
                                                               secret_text="s", workspace_id=ws.id,
                                                               end_user_id="nobody"))
    assert made_for.end_user_id == "nobody" and made_for.scope == "USER"
    assert [u.external_id for u in eng.end_users.list_page(caller, ws.id).items] == ["nobody"]


def test_end_users_and_their_connections(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    alice = eng.end_users.create(caller, EndUserCreate(workspace_id=ws.id, external_id="alice", email="a@x.io",
                                                       metadata={"plan": "pro"}))
    with raises(ErrorCode.DUPLICATE, 409):
        eng.end_users.create(caller, EndUserCreate(workspace_id=ws.id, external_id="alice"))
    conn = world.connection("alice-gh", "alice:tok-12345", workspace_id=ws.id, end_user_id="alice")
    user, owned = eng.end_users.get(caller, alice.id)
    assert user.connection_count == 1 and [c.id for c in owned] == [conn]
    assert owned[0].end_user_id == "alice" and owned[0].scope == "USER"
    assert eng.end_users.update(caller, alice.id, EndUserUpdate(display_name="Alice")).display_name == "Alice"
    with raises(ErrorCode.NO_UPDATES, 400):
        eng.end_users.update(caller, alice.id, EndUserUpdate())
    assert eng.end_users.list_page(caller, ws.id).total == 1
    eng.end_users.delete(caller, alice.id)
    with raises(ErrorCode.CONNECTION_NOT_FOUND, 404):
        eng.connections.get(caller, conn)


def test_api_keys(world: World) -> None:
    eng, caller = world.engine, world.caller
    created = eng.api_keys.create(caller, ApiKeyCreate(name="ci"))
    plain = created.plain_key.reveal()
    assert plain.startswith("wvz_") and created.api_key.key_prefix == plain[:8]
    assert plain not in repr(created) and plain not in created.api_key.model_dump_json()
    who = eng.authenticate(plain)
    assert who.org_id == caller.org_id and who.org_wide and who.api_key_id == created.api_key.id
    assert eng.api_keys.list_page(caller).items[0].last_used_at is not None
    for bad in ["", "wvz_nope", plain + "x", "Bearer " + plain]:
        with raises(ErrorCode.UNAUTHORIZED, 401):
            eng.authenticate(bad)
    with raises(ErrorCode.VALIDATION_ERROR, 400):
        eng.api_keys.create(caller, ApiKeyCreate(name="old", expires_at="2001-01-01T00:00:00Z"))
    expired = eng.api_keys.create(caller, ApiKeyCreate(name="old", expires_at="2999-01-01T00:00:00Z"))
    with eng.store.write() as conn:  # time passes
        conn.execute(sa.update(t.api_keys).where(t.api_keys.c.id == expired.api_key.id)
                     .values(expires_at="2001-01-01T00:00:00.000000Z"))
    with raises(ErrorCode.UNAUTHORIZED, 401):
        eng.authenticate(expired.plain_key.reveal())
    scoped_key = eng.api_keys.create(caller, ApiKeyCreate(
        name="ws", permissions={"scope": "workspace", "workspaceIds": [world.workspace.id]}))
    scoped = eng.authenticate(scoped_key.plain_key.reveal())
    with raises(ErrorCode.SCOPE_DENIED, 403):
        eng.api_keys.list_page(scoped)
    with raises(ErrorCode.SCOPE_DENIED, 403):
        eng.workspaces.create(scoped, WorkspaceCreate(name="n", slug="n"))
    with raises(ErrorCode.NOT_FOUND, 404):
        eng.api_keys.create(caller, ApiKeyCreate(
            name="bad", permissions={"scope": "workspace", "workspaceIds": [str(uuid.uuid4())]}))
    eng.api_keys.delete(caller, created.api_key.id)
    with raises(ErrorCode.UNAUTHORIZED, 401):
        eng.authenticate(plain)


def test_a_scoped_caller_sees_only_its_workspaces(world: World) -> None:
    eng, caller = world.engine, world.caller
    other = eng.workspaces.create(caller, WorkspaceCreate(name="Other", slug="other"))
    scoped = Caller(org_id=caller.org_id, workspace_ids=frozenset({other.id}))
    assert [w.slug for w in eng.workspaces.list_page(scoped).items] == ["other"]
    with raises(ErrorCode.SCOPE_DENIED, 403):
        eng.integrations.list_in(scoped, world.workspace.id)
    with raises(ErrorCode.SCOPE_DENIED, 403):
        eng.end_users.create(scoped, EndUserCreate(workspace_id=world.workspace.id, external_id="u"))


def test_plans_reads_take_a_fixed_number_of_queries_whatever_the_number_of_workspaces(world: World) -> None:
    import sqlalchemy as sa

    eng, caller = world.engine, world.caller
    conn = world.connection("shared", "s:tok-12345")
    for i in range(5):
        ws = eng.workspaces.create(caller, WorkspaceCreate(name=f"W{i}", slug=f"w{i}"))
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name=ECHO, connection_id=conn))
        eng.partials.create(caller, PartialCreate(workspace_id=ws.id, integration_name=ECHO, name="p", values={}))
        eng.end_users.create(caller, EndUserCreate(workspace_id=ws.id, external_id=f"u{i}"))
    statements: list[str] = []
    sa.event.listen(eng.store.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None)
    workspaces = eng.workspaces.list_all(caller)
    ids = [w.id for w in workspaces]
    aliases, partials = eng.integrations.list_many(caller, ids), eng.partials.list_many(caller, ids)
    end_users, connections = eng.end_users.list_many(caller, ids), eng.connections.list_all(caller)
    assert len(statements) == 5
    assert {w.slug for w in workspaces} == {"prod", *(f"w{i}" for i in range(5))}
    w3 = next(w.id for w in workspaces if w.slug == "w3")
    assert [wi.alias for wi in aliases if wi.workspace_id == w3] == [ECHO]
    assert [p.name for p in partials if p.workspace_id == w3] == ["p"]
    assert [u.external_id for u in end_users if u.workspace_id == w3] == ["u3"]
    assert [c.external_id for c in connections] == ["shared"]
