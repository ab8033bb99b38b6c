"""kv-store through the engine: JSON values, atomic lists, namespaces by persistence scope (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import World, engine, store, world  # noqa: F401
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import kv_store


def kv(world: World, action: str, *, alias: str | None = None, end_user: str | None = None,
       workspace_id: str | None = None, **input: Any) -> Any:
    return world.engine.execute(ExecuteRequest(
        integration_name=kv_store.NAME, action_name=action, workspace_id=workspace_id or world.workspace.id,
        integration_alias=alias, end_user_id=end_user, input=input), world.caller).output


def test_put_get_delete(world: World) -> None:
    assert kv(world, "get", key="k") == {"key": "k", "value": None, "found": False}
    value = {"n": 1, "list": [1, "two", None], "nested": {"ok": True}}
    assert kv(world, "put", key="k", value=value) == {"key": "k", "value": value}
    assert kv(world, "get", key="k") == {"key": "k", "value": value, "found": True}
    kv(world, "put", key="k", value="replaced")
    assert kv(world, "get", key="k")["value"] == "replaced"
    kv(world, "put", key="falsy", value=0)
    assert kv(world, "get", key="falsy") == {"key": "falsy", "value": 0, "found": True}
    assert kv(world, "delete", key="k") == {"key": "k", "deleted": True}
    assert kv(world, "delete", key="k") == {"key": "k", "deleted": False}
    assert kv(world, "get", key="k")["found"] is False


def test_lists(world: World) -> None:
    assert kv(world, "add_to_list", key="l", value="a")["value"] == ["a"]
    assert kv(world, "add_to_list", key="l", value={"b": 1})["value"] == ["a", {"b": 1}]
    assert kv(world, "add_to_list", key="l", value="a")["value"] == ["a", {"b": 1}, "a"]
    assert kv(world, "remove_from_list", key="l", value="a")["value"] == [{"b": 1}]
    assert kv(world, "remove_from_list", key="missing", value="x")["value"] == []
    kv(world, "put", key="scalar", value=5)
    with pytest.raises(ApiError) as caught:
        kv(world, "add_to_list", key="scalar", value=1)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert kv(world, "get", key="scalar")["value"] == 5


def test_concurrent_appends_are_all_kept(world: World) -> None:
    errors: list[BaseException] = []

    def append(i: int) -> None:
        try:
            kv(world, "add_to_list", key="shared", value=i)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(kv(world, "get", key="shared")["value"]) == list(range(16))


def test_required_inputs_are_checked(world: World) -> None:
    with pytest.raises(ApiError) as caught:
        kv(world, "put", key="k")
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in caught.value.details["fields"]] == ["value"]


def test_namespaces_follow_the_persistence_scope(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name=kv_store.NAME, alias="per_user"))
    eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=kv_store.NAME, alias="shared", settings={"persistence": {"scope": "workspace"}}))
    eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=kv_store.NAME, alias="tenant_a",
        settings={"persistence": {"scope": "external", "externalId": "tenant-a"}}))
    eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=kv_store.NAME, alias="tenant_a2",
        settings={"persistence": {"scope": "external", "externalId": "tenant-a"}}))

    kv(world, "put", alias="per_user", end_user="alice", key="k", value="alice's")
    kv(world, "put", alias="per_user", end_user="bob", key="k", value="bob's")
    kv(world, "put", alias="per_user", key="k", value="anonymous")
    kv(world, "put", alias="shared", end_user="alice", key="k", value="workspace")
    kv(world, "put", alias="tenant_a", key="k", value="tenant a")

    assert kv(world, "get", alias="per_user", end_user="alice", key="k")["value"] == "alice's"
    assert kv(world, "get", alias="per_user", end_user="bob", key="k")["value"] == "bob's"
    assert kv(world, "get", alias="per_user", key="k")["value"] == "anonymous"
    # Workspace scope ignores the end user; the external scope is shared by aliases naming the same id.
    assert kv(world, "get", alias="shared", end_user="bob", key="k")["value"] == "workspace"
    assert kv(world, "get", alias="tenant_a2", end_user="bob", key="k")["value"] == "tenant a"

    other = eng.workspaces.create(caller, WorkspaceCreate(name="Other", slug="other"))
    eng.integrations.create(caller, other.id, WorkspaceIntegrationCreate(
        integration_name=kv_store.NAME, alias="shared", settings={"persistence": {"scope": "workspace"}}))
    assert kv(world, "get", alias="shared", workspace_id=other.id, key="k")["found"] is False


def test_catalog_entry_uses_the_sdk_field_names() -> None:
    info = kv_store.INTEGRATION.catalog_entry()
    assert set(info.actions) == {"put", "get", "delete", "add_to_list", "remove_from_list"}
    assert info.actions["put"].required == ("key", "value")
    assert info.actions["get"].field_names == ("key",)
    assert not info.needs_connection
