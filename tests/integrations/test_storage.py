"""storage through the engine: write/read/list/delete, text and base64, paths, namespaces."""

from __future__ import annotations

import base64
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import World, engine, store, world  # noqa: F401
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import storage


def fs(world: World, action: str, *, alias: str | None = None, end_user: str | None = None, **input: Any) -> Any:
    return world.engine.execute(ExecuteRequest(
        integration_name=storage.NAME, action_name=action, workspace_id=world.workspace.id,
        integration_alias=alias, end_user_id=end_user, input=input), world.caller).output


def test_write_read_overwrite_delete(world: World) -> None:
    written = fs(world, "write_file", path="data/users.json", content='{"a": 1}', contentType="application/json")
    assert written["path"] == "data/users.json" and written["size"] == 8
    assert written["contentType"] == "application/json"
    read = fs(world, "read_file", path="data/users.json")
    assert read["content"] == '{"a": 1}' and read["encoding"] == "utf-8" and read["contentType"] == "application/json"
    fs(world, "write_file", path="/data/users.json", content="ünïcode")  # leading slash: same file
    assert fs(world, "read_file", path="data/users.json")["content"] == "ünïcode"
    assert fs(world, "read_file", path="data/users.json")["size"] == len("ünïcode".encode())
    assert fs(world, "delete_file", path="data/users.json") == {"path": "data/users.json", "deleted": True}
    assert fs(world, "delete_file", path="data/users.json")["deleted"] is False
    with pytest.raises(ApiError) as caught:
        fs(world, "read_file", path="data/users.json")
    assert caught.value.code == ErrorCode.ACTION_FAILED and caught.value.details["reason"] == "not_found"


def test_binary_content_round_trips_as_base64(world: World) -> None:
    blob = bytes(range(256))
    encoded = base64.b64encode(blob).decode()
    assert fs(world, "write_file", path="bin/all.bytes", content=encoded, contentEncoding="base64")["size"] == 256
    assert fs(world, "read_file", path="bin/all.bytes", outputEncoding="base64")["content"] == encoded
    # Without asking for base64, binary that is not UTF-8 still comes back as base64, and says so.
    plain = fs(world, "read_file", path="bin/all.bytes")
    assert plain["encoding"] == "base64" and plain["content"] == encoded
    with pytest.raises(ApiError) as caught:
        fs(world, "write_file", path="bad", content="not base64!", contentEncoding="base64")
    assert caught.value.code == ErrorCode.VALIDATION_ERROR


def test_list_files_by_prefix(world: World) -> None:
    for path in ["a/1.txt", "a/2.txt", "a%/x.txt", "A/3.txt", "b/1.txt"]:
        fs(world, "write_file", path=path, content=path)
    assert [f["path"] for f in fs(world, "list_files", prefix="a/")["files"]] == ["a/1.txt", "a/2.txt"]
    assert [f["path"] for f in fs(world, "list_files", prefix="a%")["files"]] == ["a%/x.txt"]
    listed = fs(world, "list_files")
    assert listed["count"] == 5 and "content" not in listed["files"][0]


@pytest.mark.parametrize("path", ["", "/", "a/../b", "a//b", "./a"])
def test_bad_paths_are_refused(world: World, path: str) -> None:
    with pytest.raises(ApiError) as caught:
        fs(world, "write_file", path=path, content="x")
    assert caught.value.code == ErrorCode.VALIDATION_ERROR


def test_files_are_namespaced_by_end_user_by_default(world: World) -> None:
    world.engine.integrations.create(world.caller, world.workspace.id,
                                     WorkspaceIntegrationCreate(integration_name=storage.NAME, alias="files"))
    fs(world, "write_file", alias="files", end_user="alice", path="note.txt", content="alice")
    assert fs(world, "list_files", alias="files", end_user="bob")["count"] == 0
    assert fs(world, "read_file", alias="files", end_user="alice", path="note.txt")["content"] == "alice"


def test_catalog_entry_uses_the_sdk_field_names() -> None:
    info = storage.INTEGRATION.catalog_entry()
    assert set(info.actions) == {"read_file", "write_file", "delete_file", "list_files"}
    assert info.actions["write_file"].field_names == ("path", "content", "contentType", "contentEncoding")
    assert info.actions["write_file"].required == ("path", "content")
