"""Dropbox: every catalog action executed through the engine (alias -> connection -> the Dropbox stub), asserting
what Dropbox received (RPC JSON bodies, content calls' Dropbox-API-Arg and bytes) and what the action returned;
pagination, a Dropbox error, a refused token, file inputs in each form, custom_api_call."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.integrations.context import context
from tests.integrations.provider_suite import (
    REFUSED_TOKEN,
    AliasedEngine,
    assert_provider_failure,
    provider_fixtures,
    refused_token_failure,
)
from tests.stubs.base import running
from tests.stubs.dropbox import DROPBOX_TOKEN, PNG, DropboxStub
from tests.stubs.echo import BINARY, EchoStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.dropbox import _content_url, header_json
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(DropboxStub, "dropbox", DROPBOX_TOKEN, "/2")


@pytest.fixture
def dropbox(provider_engine: AliasedEngine, stub: DropboxStub) -> AliasedEngine:
    return provider_engine


def sent(stub: DropboxStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests]


def arg(stub: DropboxStub) -> dict[str, object]:
    parsed = json.loads(stub.last.headers["dropbox-api-arg"])
    assert isinstance(parsed, dict)
    return parsed


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["dropbox"].actions) == set(sdk_catalog.integration("dropbox").actions)


def test_content_calls_go_to_the_content_host_unless_the_base_url_is_overridden(http: httpx.Client) -> None:
    assert _content_url(context(http, "dropbox", "downloadFile"), "files/download") == (
        "https://content.dropboxapi.com/2/files/download")
    stubbed = context(http, "dropbox", "downloadFile", base_url="http://127.0.0.1:9/2")
    assert _content_url(stubbed, "files/download") == "http://127.0.0.1:9/2/files/download"


def test_the_api_arg_header_is_http_header_safe() -> None:
    assert header_json({"path": "/Bücher/\x7f"}) == '{"path":"/B\\u00fccher/\\u007f"}'


def test_create_a_text_file_uploads_its_bytes_with_the_arg_header(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    out = dropbox.run("create_new_dropbox_text_file", {"path": "/Docs/Bücher.txt", "text": "hallo wêreld",
                                                       "mute": True})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/2/files/upload")
    assert req.bearer == DROPBOX_TOKEN and req.headers["content-type"] == "application/octet-stream"
    assert req.headers["dropbox-api-arg"].isascii()
    assert arg(stub) == {"path": "/Docs/Bücher.txt", "mode": "add", "mute": True}
    assert req.body == "hallo wêreld".encode()
    assert out["path_display"] == "/Docs/Bücher.txt" and out["size"] == len("hallo wêreld".encode())
    assert stub.content["/docs/bücher.txt"] == "hallo wêreld".encode()


def test_an_existing_path_conflicts_unless_autorename(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    error = dropbox.error("create_new_dropbox_text_file", {"path": "/readme.md", "text": "x"})
    details = assert_provider_failure(error, 409, "path/conflict/file/", DROPBOX_TOKEN)
    assert details["providerError"] == "path" and details["provider"] == "dropbox"
    renamed = dropbox.run("create_new_dropbox_text_file", {"path": "/readme.md", "text": "x", "autorename": True,
                                                           "strict_conflict": False})
    assert arg(stub) == {"path": "/readme.md", "mode": "add", "autorename": True, "strict_conflict": False}
    assert renamed["name"] == "readme (1).md"


def test_upload_takes_base64_a_data_url_a_file_object_or_a_url(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    plain = dropbox.run("upload_dropbox_file", {"path": "/a.png", "file": base64.b64encode(PNG).decode()})
    assert stub.last.body == PNG and arg(stub) == {"path": "/a.png", "mode": "add"}
    assert plain["content_hash"] == stub.entries["/a.png"]["content_hash"]

    dropbox.run("upload_dropbox_file", {"path": "/b.txt", "file": "data:text/plain;base64,aGk="})
    assert stub.last.body == b"hi"
    # What downloadFile (or storage's read_file) answers is a file input as it is.
    dropbox.run("upload_dropbox_file", {"path": "/c.txt", "file": {"content": "plain text", "encoding": "utf-8"}})
    assert stub.last.body == b"plain text"
    dropbox.run("upload_dropbox_file", {"path": "/d.bin", "file": {"base64": base64.b64encode(b"\x00\x01").decode(),
                                                                   "filename": "d.bin"}})
    assert stub.last.body == b"\x00\x01"

    with running(EchoStub()) as echo:
        dropbox.run("upload_dropbox_file", {"path": "/e.png", "file": f"{echo.url}/bytes"})
        fetched = echo.last
    assert stub.last.body == BINARY
    assert "authorization" not in fetched.headers  # the connection's token never goes to the file's host


def test_a_file_that_is_no_file_is_refused_before_sending(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    error = dropbox.error("upload_dropbox_file", {"path": "/x", "file": "not base64!"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "'file'" in error.message
    error = dropbox.error("upload_dropbox_file", {"path": "/x", "file": {"name": "x"}})
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert stub.requests == []


def test_download_answers_metadata_and_content(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    text = dropbox.run("downloadFile", {"path": "/Docs/report.txt"})
    req = stub.last
    assert (req.method, req.path, req.body) == ("POST", "/2/files/download", b"")
    assert req.headers["content-type"] == "application/octet-stream" and arg(stub) == {"path": "/Docs/report.txt"}
    assert text["content"] == "quarterly report" and text["encoding"] == "utf-8"
    assert text["path_display"] == "/Docs/report.txt" and text["size"] == 16
    assert text["contentType"] == "application/octet-stream"

    binary = dropbox.run("downloadFile", {"path": "/Docs/logo.png"})
    assert binary["encoding"] == "base64" and base64.b64decode(binary["content"]) == PNG

    missing = dropbox.error("downloadFile", {"path": "/Docs/none.txt"})
    assert assert_provider_failure(missing, 409, "path/not_found/")["providerError"] == "path"


def test_temporary_link(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    out = dropbox.run("get_dropbox_file_link", {"path": "/readme.md"})
    req = stub.last
    assert (req.path, req.headers["content-type"], req.json) == ("/2/files/get_temporary_link", "application/json",
                                                                 {"path": "/readme.md"})
    assert out["link"].startswith("https://dl.dropboxusercontent.test/") and out["metadata"]["name"] == "readme.md"


def test_delete_a_file_and_a_folder(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    file = dropbox.run("delete_dropbox_file", {"path": "/readme.md"})
    assert (stub.last.path, stub.last.json) == ("/2/files/delete_v2", {"path": "/readme.md"})
    assert file["metadata"][".tag"] == "file" and "/readme.md" not in stub.entries
    folder = dropbox.run("delete_dropbox_folder", {"path": "/Docs/Old"})
    assert (stub.last.path, stub.last.json) == ("/2/files/delete_v2", {"path": "/Docs/Old"})
    assert folder["metadata"][".tag"] == "folder" and "/docs/old/notes.txt" not in stub.entries


def test_move_and_copy_files_and_folders(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    moved = dropbox.run("move_dropbox_file", {"from_path": "/readme.md", "to_path": "/Docs/readme.md",
                                              "allow_ownership_transfer": False})
    assert (stub.last.path, stub.last.json) == ("/2/files/move_v2", {"from_path": "/readme.md",
                                                                     "to_path": "/Docs/readme.md",
                                                                     "allow_ownership_transfer": False})
    assert moved["metadata"]["path_display"] == "/Docs/readme.md" and "/readme.md" not in stub.entries

    copied = dropbox.run("copy_dropbox_file", {"from_path": "/Docs/report.txt", "to_path": "/report.txt",
                                               "autorename": True})
    assert (stub.last.path, stub.last.json) == ("/2/files/copy_v2", {"from_path": "/Docs/report.txt",
                                                                     "to_path": "/report.txt", "autorename": True})
    assert copied["metadata"]["path_display"] == "/report.txt" and "/docs/report.txt" in stub.entries

    folder = dropbox.run("move_dropbox_folder", {"from_path": "/Docs/Old", "to_path": "/Archive"})
    assert stub.last.path == "/2/files/move_v2" and folder["metadata"][".tag"] == "folder"
    assert "/archive/notes.txt" in stub.entries and "/docs/old" not in stub.entries

    copy = dropbox.run("copy_dropbox_folder", {"from_path": "/Archive", "to_path": "/Archive2"})
    assert stub.last.path == "/2/files/copy_v2" and copy["metadata"]["path_display"] == "/Archive2"
    assert {"/archive/notes.txt", "/archive2/notes.txt"} <= set(stub.entries)

    conflict = dropbox.error("copy_dropbox_folder", {"from_path": "/Archive", "to_path": "/Archive2"})
    assert assert_provider_failure(conflict, 409, "to/conflict/file/")["providerError"] == "to"


def test_create_a_folder(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    out = dropbox.run("create_new_dropbox_folder", {"path": "/Projects", "autorename": False})
    assert (stub.last.path, stub.last.json) == ("/2/files/create_folder_v2", {"path": "/Projects",
                                                                              "autorename": False})
    assert out["metadata"]["path_display"] == "/Projects" and stub.entries["/projects"][".tag"] == "folder"


def test_list_a_folder_across_pages(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    stub.page_size = 2
    out = dropbox.run("list_dropbox_folder", {"path": "/Docs", "recursive": True})
    assert sent(stub) == [("POST", "/2/files/list_folder")] + [("POST", "/2/files/list_folder/continue")] * 1
    assert stub.requests[0].json == {"path": "/Docs", "limit": 2000, "recursive": True}
    assert stub.requests[1].json == {"cursor": "list:/Docs:True|2|2"}
    assert [e["path_display"] for e in out["entries"]] == ["/Docs/logo.png", "/Docs/Old", "/Docs/Old/notes.txt",
                                                           "/Docs/report.txt"]
    assert out["has_more"] is False

    stub.requests.clear()
    root = dropbox.run("list_dropbox_folder", {"path": "/", "limit": 1})
    assert stub.requests[0].json == {"path": "", "limit": 1} and len(stub.requests) == 1
    assert [e["name"] for e in root["entries"]] == ["Docs"] and root["has_more"] is True


def test_search_across_pages_with_options(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    stub.page_size = 1
    out = dropbox.run("search_dropbox", {"query": "report", "path": "/Docs", "filename_only": False,
                                         "file_extensions": "txt, md", "file_categories": "document, others",
                                         "order_by": "relevance",
                                         "file_status": "active", "max_results": 5})
    first = stub.requests[0]
    assert (first.path, first.json) == ("/2/files/search_v2", {"query": "report", "options": {
        "max_results": 5, "order_by": "relevance", "file_status": "active", "filename_only": False,
        "path": "/Docs", "file_extensions": ["txt", "md"], "file_categories": ["document", "others"]}})
    assert [r.path for r in stub.requests[1:]] == ["/2/files/search/continue_v2"]
    assert [m["metadata"]["metadata"]["path_display"] for m in out["matches"]] == ["/Docs/Old/notes.txt",
                                                                                   "/Docs/report.txt"]
    # The continuation carries only the cursor the first page answered (the stub's names its offset: 1).
    assert list(stub.requests[1].json) == ["cursor"] and stub.requests[1].json["cursor"].endswith("|1|1")

    stub.requests.clear()
    capped = dropbox.run("search_dropbox", {"query": "report", "max_results": 1})
    assert len(stub.requests) == 1 and len(capped["matches"]) == 1 and capped["has_more"] is True

    too_short = dropbox.error("search_dropbox", {"query": "ab"})
    assert too_short.code == ErrorCode.VALIDATION_ERROR


def test_a_malformed_call_is_dropbox_plain_text_400(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    error = dropbox.error("list_dropbox_folder", {"path": "/Docs", "limit": 5000})
    assert error.code == ErrorCode.VALIDATION_ERROR and stub.requests == []  # bounded before sending
    stub.fail_next(400, body='Error in call to API function "files/list_folder": request body: could not decode '
                             'input as JSON')
    failed = dropbox.error("list_dropbox_folder", {"path": "/Docs"})
    assert_provider_failure(failed, 400, "could not decode input as JSON", DROPBOX_TOKEN)


def test_a_refused_token_is_an_auth_failure_without_the_token(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    details = refused_token_failure(dropbox, stub.url + "/2", "downloadFile", {"path": "/readme.md"},
                                    "invalid_access_token/")
    assert details["providerError"] == "invalid_access_token"
    assert stub.last.bearer == REFUSED_TOKEN


def test_a_rate_limit_is_retried_as_dropbox_asks(dropbox: AliasedEngine, stub: DropboxStub) -> None:
    stub.fail_next(429, retry_after=0)
    out = dropbox.run("get_dropbox_file_link", {"path": "/readme.md"})
    assert out["metadata"]["name"] == "readme.md" and len(stub.requests) == 2


def test_custom_api_call_reaches_rpc_endpoints_and_the_content_host(dropbox: AliasedEngine,
                                                                     stub: DropboxStub) -> None:
    out = dropbox.run("custom_api_call", {"url": {"url": "/files/list_folder"}, "method": "POST",
                                          "headers": {"Authorization": "Bearer not-mine"}, "queryParams": {},
                                          "body_type": "json", "body": {"data": {"path": "/Docs/Old"}}})
    req = stub.last
    assert (req.method, req.path, req.json) == ("POST", "/2/files/list_folder", {"path": "/Docs/Old"})
    assert req.bearer == DROPBOX_TOKEN
    assert out["status"] == 200 and [e["name"] for e in out["body"]["entries"]] == ["notes.txt"]

    binary = dropbox.run("custom_api_call", {
        "url": {"url": f"{stub.url}/2/files/download"}, "method": "POST", "queryParams": {},
        "headers": {"Dropbox-API-Arg": '{"path": "/Docs/logo.png"}', "Content-Type": "application/octet-stream"},
        "response_is_binary": True})
    assert base64.b64decode(binary["body"]) == PNG

    stub.requests.clear()
    refused = dropbox.error("custom_api_call", {"url": {"url": "https://evil.example/2/files/download"},
                                                "method": "POST", "headers": {}, "queryParams": {}})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []
