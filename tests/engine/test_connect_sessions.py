"""Connect sessions in the engine: a cst_ token makes one connection, once, as its maker said (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import ECHO, NOAUTH
from tests.engine.engine_fixtures import World
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.connect_values import ConnectCredential, ConnectSessionCreate, ConnectStatus
from weavz_flow.engine.inputs import ConnectionCreate, EndUserCreate, WorkspaceCreate
from weavz_flow.errors import ApiError, ErrorCode

SECRET = "echo-user:connect-canary-0001"


def _request(world: World, **kw: object) -> ConnectSessionCreate:
    values: dict[str, object] = {"integration_name": ECHO, "connection_name": "Alice's echo",
                                 "external_id": "alice-echo", "workspace_id": world.workspace.id,
                                 "end_user_id": "alice", "base_url": world.echo_url}
    values.update(kw)
    return ConnectSessionCreate.model_validate(values)


def _code(exc: pytest.ExceptionInfo[ApiError]) -> str:
    return str(exc.value.code)


def test_a_token_makes_the_end_users_connection_once(world: World) -> None:
    sessions = world.engine.connect_sessions
    session, token = sessions.create(world.caller, _request(world))
    assert token.startswith("cst_") and session.status == ConnectStatus.PENDING and session.scope == "USER"
    assert sessions.open(token).id == session.id
    done = sessions.complete(token, ConnectCredential.secret(SECRET))
    assert done.status == ConnectStatus.COMPLETED and done.connection_id and done.completed_at
    connection = world.engine.connections.get(world.caller, done.connection_id)
    assert (connection.end_user_id, connection.scope, connection.workspace_id, connection.display_name) == (
        "alice", "USER", world.workspace.id, "Alice's echo")
    with world.engine.store.read() as conn:
        credential = world.engine.connections.load_credentials(conn, done.connection_id)
        stored = conn.execute(sa.select(t.connect_sessions)).one()
    assert credential.secret_text is not None and credential.secret_text.reveal() == SECRET
    assert token not in str(stored) and SECRET not in str(stored)  # the store keeps the token's hash only
    # The end user did not exist: connect made it in the session's workspace.
    page = world.engine.end_users.list_page(world.caller, world.workspace.id)
    assert [u.external_id for u in page.items] == ["alice"]
    for again in (lambda: sessions.complete(token, ConnectCredential.secret("other")), lambda: sessions.open(token),
                  lambda: sessions.fail(token, "too late")):
        with pytest.raises(ApiError) as used:
            again()
        assert _code(used) == ErrorCode.CONNECT_SESSION_USED
    assert sessions.poll(world.caller, token).connection_id == done.connection_id


def test_two_completes_at_once_make_one_connection(world: World) -> None:
    sessions = world.engine.connect_sessions
    _, token = sessions.create(world.caller, _request(world))
    results: list[object] = []
    start = threading.Barrier(2)

    def complete(secret: str) -> None:
        start.wait()
        try:
            results.append(sessions.complete(token, ConnectCredential.secret(secret)))
        except ApiError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=complete, args=(f"echo-user:racer-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(str(r) if isinstance(r, ErrorCode) else "done" for r in results) == [
        ErrorCode.CONNECT_SESSION_USED, "done"]
    assert len(world.engine.connections.list_all(world.caller)) == 1


def test_the_same_end_user_replaces_in_place_nobody_else_overwrites(world: World) -> None:
    sessions, connections = world.engine.connect_sessions, world.engine.connections
    _, first = sessions.create(world.caller, _request(world))
    original = sessions.complete(first, ConnectCredential.secret(SECRET)).connection_id
    _, again = sessions.create(world.caller, _request(world, connection_name="Alice, again", base_url=None))
    replaced = sessions.complete(again, ConnectCredential.secret("echo-user:new-secret"))
    assert replaced.connection_id == original
    kept = connections.get(world.caller, original or "")
    assert (kept.display_name, kept.base_url) == ("Alice, again", world.echo_url)  # no baseUrl given: its own kept
    _, moved = sessions.create(world.caller, _request(world, base_url="http://127.0.0.1:9/elsewhere"))
    sessions.complete(moved, ConnectCredential.secret("echo-user:new-secret"))  # the new credential goes along
    assert connections.get(world.caller, original or "").base_url == "http://127.0.0.1:9/elsewhere"
    with world.engine.store.read() as conn:
        secret_text = connections.load_credentials(conn, original or "").secret_text
    assert secret_text is not None and secret_text.reveal() == "echo-user:new-secret"

    # Bob (another end user) and a token with no end user at all name Alice's externalId: refused, session FAILED.
    for end_user in ("bob", None):
        _, other = sessions.create(world.caller, _request(world, end_user_id=end_user))
        with pytest.raises(ApiError) as refused:
            sessions.complete(other, ConnectCredential.secret("echo-user:hijack"))
        assert _code(refused) == ErrorCode.DUPLICATE and refused.value.status == 409
        failed = sessions.get(world.caller, sessions.poll(world.caller, other).id)
        assert failed.status == ConnectStatus.FAILED and failed.error_code == ErrorCode.DUPLICATE
    with world.engine.store.read() as conn:
        secret_text = connections.load_credentials(conn, original or "").secret_text
    assert secret_text is not None and secret_text.reveal() == "echo-user:new-secret"
    assert len(connections.list_all(world.caller)) == 1


def test_a_bad_credential_leaves_the_session_pending_and_writes_nothing(world: World) -> None:
    sessions = world.engine.connect_sessions
    _, token = sessions.create(world.caller, _request(world, auth_method_key="SECRET_TEXT"))
    for credential in (ConnectCredential.secret(""), ConnectCredential.basic("u", "p")):
        with pytest.raises(ApiError) as refused:
            sessions.complete(token, credential)
        assert _code(refused) == ErrorCode.VALIDATION_ERROR
    assert sessions.open(token).status == ConnectStatus.PENDING
    assert world.engine.connections.list_all(world.caller) == []
    assert world.engine.end_users.list_page(world.caller, world.workspace.id).total == 0


def test_tokens_expire(world: World) -> None:
    sessions = world.engine.connect_sessions
    session, token = sessions.create(world.caller, _request(world))
    later = datetime.now(UTC) + timedelta(seconds=sessions.ttl_s + 1)
    sessions.clock = lambda: later
    try:
        for attempt in (lambda: sessions.open(token), lambda: sessions.complete(token, ConnectCredential.secret("x")),
                        lambda: sessions.fail(token, "late")):
            with pytest.raises(ApiError) as expired:
                attempt()
            assert _code(expired) == ErrorCode.CONNECT_SESSION_EXPIRED
        with pytest.raises(ApiError) as polled:
            sessions.poll(world.caller, token)
        assert polled.value.status == 401
        assert sessions.get(world.caller, session.id).status == ConnectStatus.EXPIRED
    finally:
        sessions.clock = lambda: datetime.now(UTC)
    assert world.engine.connections.list_all(world.caller) == []


def test_fail_records_the_reason(world: World) -> None:
    sessions = world.engine.connect_sessions
    _, token = sessions.create(world.caller, _request(world))
    failed = sessions.fail(token, "The provider said access_denied", "OAUTH_ERROR")
    assert (failed.status, failed.error, failed.error_code) == (
        ConnectStatus.FAILED, "The provider said access_denied", "OAUTH_ERROR")
    with pytest.raises(ApiError) as used:
        sessions.complete(token, ConnectCredential.secret(SECRET))
    assert _code(used) == ErrorCode.CONNECT_SESSION_USED


def test_a_scoped_key_sees_only_its_workspaces_sessions(world: World) -> None:
    sessions = world.engine.connect_sessions
    other = world.engine.workspaces.create(world.caller, WorkspaceCreate(name="Other", slug="other"))
    session, token = sessions.create(world.caller, _request(world, workspace_id=other.id))
    scoped = Caller(org_id=world.caller.org_id, workspace_ids=frozenset({world.workspace.id}))
    with pytest.raises(ApiError) as hidden:
        sessions.get(scoped, session.id)
    assert _code(hidden) == ErrorCode.CONNECT_SESSION_NOT_FOUND
    with pytest.raises(ApiError) as unknown:
        sessions.poll(scoped, token)
    assert _code(unknown) == ErrorCode.INVALID_TOKEN
    with pytest.raises(ApiError) as denied:
        sessions.create(scoped, _request(world, workspace_id=other.id))
    assert _code(denied) == ErrorCode.SCOPE_DENIED
    # Nor may a scoped key ask for a connection the whole organization would see.
    with pytest.raises(ApiError) as org_wide:
        sessions.create(scoped, _request(world, end_user_id=None, scope="ORGANIZATION"))
    assert _code(org_wide) == ErrorCode.SCOPE_DENIED
    assert sessions.create(scoped, _request(world, end_user_id=None))[0].scope == "WORKSPACE"
    another_org = Caller.system(world.engine.orgs.create("another").id)
    with pytest.raises(ApiError) as foreign:
        sessions.get(another_org, session.id)
    assert _code(foreign) == ErrorCode.CONNECT_SESSION_NOT_FOUND


@pytest.mark.parametrize(("field", "value"), [
    ("integration_name", NOAUTH), ("success_redirect_uri", "javascript:alert(1)"),
    ("error_redirect_uri", "/relative"), ("auth_method_key", "NOT_A_TYPE" * 20), ("external_id", " "),
    ("base_url", "http://user@evil.test"), ("scope", "EVERYONE"),
])
def test_bad_token_requests_are_refused(world: World, field: str, value: str) -> None:
    with pytest.raises(ApiError) as refused:
        world.engine.connect_sessions.create(world.caller, _request(world, **{field: value}))
    assert _code(refused) == ErrorCode.VALIDATION_ERROR


def test_an_existing_end_user_is_linked_not_duplicated(world: World) -> None:
    alice = world.engine.end_users.create(world.caller, EndUserCreate(workspace_id=world.workspace.id,
                                                                      external_id="alice"))
    world.engine.connections.create(world.caller, ConnectionCreate(
        type="SECRET_TEXT", external_id="org-echo", display_name="Org", integration_name=ECHO,
        secret_text="echo-org:x"))  # type: ignore[arg-type]
    _, token = world.engine.connect_sessions.create(world.caller, _request(world))
    done = world.engine.connect_sessions.complete(token, ConnectCredential.secret(SECRET))
    _, owned = world.engine.end_users.get(world.caller, alice.id)
    assert [c.id for c in owned] == [done.connection_id]
