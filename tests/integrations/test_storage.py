"""storage through the engine: write/read/list/delete, text and base64, paths, namespaces, download links."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import World, engine, store, world  # noqa: F401
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.file_links import DOWNLOAD_PATH, SignedFileLinks
from weavz_flow.engine.inputs import WorkspaceIntegrationCreate
from weavz_flow.engine.stamps import parse_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import storage
from weavz_flow.public_url import DEFAULT_PUBLIC_URL, PUBLIC_URL_ENV


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
    assert set(info.actions) == {"read_file", "write_file", "delete_file", "list_files", "get_download_url"}
    assert info.actions["write_file"].field_names == ("path", "content", "contentType", "contentEncoding")
    assert info.actions["write_file"].required == ("path", "content")


def _token(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    return query["token"][0]


def test_get_download_url_links_the_file_without_showing_its_namespace(world: World) -> None:
    fs(world, "write_file", path="reports/q3.csv", content="a,b\n", contentType="text/csv")
    out = fs(world, "get_download_url", path="/reports/q3.csv", expiresInSeconds=60.0)
    public = (os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")
    assert urlsplit(out["url"])._replace(query="").geturl() == public + DOWNLOAD_PATH
    assert (out["path"], out["size"], out["contentType"], out["expiresInSeconds"]) == ("reports/q3.csv", 4,
                                                                                       "text/csv", 60)
    assert 0 < (parse_time(out["expiresAt"]) - datetime.now(UTC)).total_seconds() <= 60
    token = _token(out["url"])
    # Neither the namespace nor the path shows, as text or base64-decoded. ("q3" alone was a chance match in random
    # ciphertext about one time in twenty-five; "q3.csv" holds a dot, which no URL-safe base64 text does.)
    opened = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for secret in (world.workspace.id, "q3.csv"):
        assert secret not in token and secret.encode() not in opened
    ref = world.engine.file_links.open(token)
    assert ref.path == "reports/q3.csv" and world.engine.state.file_read(ref.namespace, ref.path) is not None
    assert fs(world, "get_download_url", path="reports/q3.csv")["expiresInSeconds"] == 3600


@pytest.mark.parametrize("seconds", [59, 3601, 90.5])
def test_get_download_url_lifetime_is_60_to_3600_whole_seconds(world: World, seconds: float) -> None:
    fs(world, "write_file", path="f.txt", content="x")
    with pytest.raises(ApiError) as caught:
        fs(world, "get_download_url", path="f.txt", expiresInSeconds=seconds)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert caught.value.details["fields"][0]["field"] == "expiresInSeconds"


def test_get_download_url_of_a_missing_file_fails(world: World) -> None:
    with pytest.raises(ApiError) as caught:
        fs(world, "get_download_url", path="nothing.txt")
    assert caught.value.code == ErrorCode.ACTION_FAILED and caught.value.details["reason"] == "not_found"


def test_a_link_opens_only_unaltered_unexpired_and_under_the_same_key(world: World) -> None:
    links = world.engine.file_links
    url, _ = links.link("ws:1/workspace", "a.txt", 60)
    token = _token(url)
    assert links.open(token).namespace == "ws:1/workspace"
    expired = _token(links.link("ws:1/workspace", "a.txt", -1)[0])
    altered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    foreign = _token(SignedFileLinks(CredentialCipher(b"another-key-0123456789")).link("ws:1/workspace", "a.txt",
                                                                                       60)[0])
    for bad in (expired, altered, foreign, "not-a-token", "ünïcode"):
        with pytest.raises(ApiError) as caught:
            links.open(bad)
        assert caught.value.code == ErrorCode.NOT_FOUND and caught.value.message == "This download link is not valid"


def test_the_public_url_names_the_links_host(world: World) -> None:
    links = SignedFileLinks(CredentialCipher(b"another-key-0123456789"), "https://flows.example.com/")
    url, _ = links.link("ns", "a.txt", 60)
    assert url.startswith("https://flows.example.com/api/v1/files/download?token=")
