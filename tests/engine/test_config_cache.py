"""The execute pipeline's configuration cache: a change made through another store on the same database (another
``serve`` worker, ``apply`` in another process) is seen by the very next call; the cache itself is bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.echo_integration import ECHO, NATIVES, small_catalog
from tests.engine.engine_fixtures import TEST_KEY, World
from weavz_flow.engine.config_cache import ConfigCache, read_config_version
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import (
    ConnectionCreate,
    ConnectionUpdate,
    EndUserCreate,
    PartialCreate,
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationUpdate,
)
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode


def second_store(store: Store) -> Store:
    """Another store (own connection pool, own engine cache) on the same database, as another process would have."""
    if store.sqlite_path is not None:
        return Store.sqlite(store.sqlite_path)
    return Store(store.url.render_as_string(hide_password=False), schema=store.schema)


@pytest.fixture
def other(world: World) -> Iterator[Engine]:
    eng = Engine(second_store(world.engine.store), catalog=small_catalog(), natives=NATIVES,
                 cipher=CredentialCipher(TEST_KEY))
    try:
        yield eng
    finally:
        eng.close()


def who(world: World, **kw: object) -> dict:
    values: dict = {"integration_name": ECHO, "action_name": "whoami", "workspace_id": world.workspace.id,
                    "input": {"channel": "c"}}
    values.update(kw)
    return world.engine.execute(ExecuteRequest(**values), world.caller).output


def test_changes_made_through_another_store_are_seen_on_the_next_call(world: World, other: Engine) -> None:
    first = world.connection("first", "first:tok-11111")
    alias = world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_strategy="fixed", connection_id=first))
    assert who(world)["who"] == "first"
    assert who(world)["who"] == "first"  # now from the cache

    second = other.connections.create(world.caller, ConnectionCreate(
        type="SECRET_TEXT", external_id="second", display_name="second", integration_name=ECHO,
        secret_text="second:tok-22222", base_url=world.echo_url))
    other.integrations.update(world.caller, world.workspace.id, alias.id,
                              WorkspaceIntegrationUpdate(connection_id=second.id))
    assert who(world)["who"] == "second"

    other.connections.update(world.caller, second.id, ConnectionUpdate(secret_text="rotated:tok-33333"))
    assert who(world)["who"] == "rotated"

    other.partials.create(world.caller, PartialCreate(
        workspace_id=world.workspace.id, integration_name=ECHO, integration_alias="echo", name="locked",
        values={"mode": "safe"}, enforced_keys=["mode"], is_default=True))
    assert who(world, input={"channel": "c", "mode": "unsafe"})["input"]["mode"] == "safe"

    other.integrations.delete(world.caller, world.workspace.id, alias.id)
    with pytest.raises(ApiError) as caught:
        who(world)
    assert caught.value.code == ErrorCode.CONNECTION_REQUIRED


def test_a_per_user_connection_added_elsewhere_is_used_at_once(world: World, other: Engine) -> None:
    shared = world.connection("shared", "shared:tok-44444")
    world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_strategy="per_user_with_fallback", connection_id=shared))
    other.end_users.create(world.caller, EndUserCreate(workspace_id=world.workspace.id, external_id="u1"))
    assert who(world, end_user_id="u1")["who"] == "shared"
    other.connections.create(world.caller, ConnectionCreate(
        type="SECRET_TEXT", external_id="u1-own", display_name="own", integration_name=ECHO,
        secret_text="own:tok-55555", base_url=world.echo_url, workspace_id=world.workspace.id, end_user_id="u1"))
    assert who(world, end_user_id="u1")["who"] == "own"


def test_a_cached_partial_is_not_shared_with_the_action(world: World) -> None:
    conn = world.connection("shared", "shared:tok-66666")
    world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_strategy="fixed", connection_id=conn))
    world.engine.partials.create(world.caller, PartialCreate(
        workspace_id=world.workspace.id, integration_name=ECHO, integration_alias="echo", name="nested",
        values={"text": "hello"}, is_default=True))
    first = who(world)
    first["input"]["text"] = "changed by a caller"
    assert who(world)["input"]["text"] == "hello"


def test_every_managed_object_write_bumps_the_config_version(world: World) -> None:
    def version() -> int:
        with world.engine.store.read() as conn:
            return read_config_version(conn)

    before = version()
    conn = world.connection("c1", "c1:tok-77777")
    after_connection = version()
    world.engine.end_users.create(world.caller, EndUserCreate(workspace_id=world.workspace.id, external_id="u"))
    after_end_user = version()
    world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_id=conn))
    after_alias = version()
    assert before < after_connection < after_end_user < after_alias
    # Runtime writes (execution records, key-value state) are not configuration and leave it alone.
    who(world)
    world.engine.executions.list_page(world.caller)
    assert version() == after_alias


def test_the_cache_is_bounded_and_holds_one_version() -> None:
    cache: ConfigCache[str] = ConfigCache(max_entries=2)
    cache.put("a", 1, "A")
    cache.put("b", 1, "B")
    assert cache.get("a", 1) == "A"  # a is now the most recently used
    cache.put("c", 1, "C")
    assert cache.get("b", 1) is None and cache.get("a", 1) == "A" and cache.get("c", 1) == "C"
    assert cache.get("a", 2) is None  # another version: a miss
    cache.put("d", 2, "D")
    assert len(cache) == 1 and cache.get("a", 1) is None
    cache.put("late", 1, "L")  # resolved at an older version than the cache now holds: dropped
    assert cache.get("late", 1) is None and cache.get("late", 2) is None
