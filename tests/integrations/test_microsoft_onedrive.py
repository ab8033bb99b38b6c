"""Microsoft OneDrive: every catalog action executed through the engine (alias -> connection -> the Graph stub),
asserting what Graph received and what the action returned; next links followed, a Graph error, a refused token,
custom_api_call."""

from __future__ import annotations

import base64

import pytest

from tests.integrations.microsoft_suite import assert_graph_failure, assert_refused_token
from tests.integrations.provider_suite import AliasedEngine, provider_fixtures
from tests.stubs.graph import GRAPH_TOKEN, PREFIX
from tests.stubs.onedrive import OneDriveStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(OneDriveStub, "microsoft-onedrive", GRAPH_TOKEN, PREFIX)


@pytest.fixture
def onedrive(provider_engine: AliasedEngine, stub: OneDriveStub) -> AliasedEngine:
    return provider_engine


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["microsoft-onedrive"].actions) == set(
        sdk_catalog.integration("microsoft-onedrive").actions)


def test_list_files_of_the_root(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("list_files", {})
    req = stub.last
    assert (req.method, req.path, req.query, req.bearer) == ("GET", "/v1.0/me/drive/root/children", {}, GRAPH_TOKEN)
    assert [i["name"] for i in out["value"]] == ["Documents", "notes.md"] and out["nextLink"] is None


def test_list_files_by_path_follows_next_links_until_top(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    stub.page_size = 1
    out = onedrive.run("list_files", {"path": "/Documents/", "top": 2})
    first, second = stub.requests
    assert (first.raw_path, first.query) == ("/v1.0/me/drive/root:/Documents:/children", {"$top": "2"})
    assert second.query == {"$top": "2", "$skiptoken": "1"}
    assert [i["id"] for i in out["value"]] == ["item-q1", "item-q2"] and out["nextLink"] is None


def test_get_file(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("get_file", {"itemId": "item-notes"})
    assert (stub.last.method, stub.last.path) == ("GET", "/v1.0/me/drive/items/item-notes")
    assert out["name"] == "notes.md" and out["parentReference"] == {"id": "root"}


def test_upload_file_puts_the_text_by_path(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("upload_file", {"fileName": "to do.md", "parentPath": "/Documents", "content": "- ship",
                                       "contentType": "text/markdown"})
    req = stub.last
    assert (req.method, req.raw_path) == ("PUT", "/v1.0/me/drive/root:/Documents/to%20do.md:/content")
    assert (req.body, req.headers["content-type"]) == (b"- ship", "text/markdown")
    assert out["name"] == "to do.md" and out["parentReference"] == {"id": "item-docs"} and out["size"] == 6
    assert stub.content[out["id"]] == (b"- ship", "text/markdown")


def test_upload_file_sends_the_bytes_of_a_data_url(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x01"
    out = onedrive.run("upload_file", {"fileName": "dot.png",
                                       "content": "data:image/png;base64," + base64.b64encode(png).decode()})
    assert stub.last.raw_path == "/v1.0/me/drive/root:/dot.png:/content"
    assert stub.content[out["id"]] == (png, "image/png") and out["parentReference"] == {"id": "root"}


def test_create_folder_renames_on_a_conflict(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("create_folder", {"folderName": "Documents"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1.0/me/drive/root/children")
    assert stub.last.json == {"name": "Documents", "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}
    assert out["name"] == "Documents 1" and "folder" in out
    nested = onedrive.run("create_folder", {"folderName": "2026", "parentPath": "Documents"})
    assert stub.last.raw_path == "/v1.0/me/drive/root:/Documents:/children"
    assert nested["parentReference"] == {"id": "item-docs"}


def test_search_files_quotes_the_text_as_odata(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("search_files", {"query": "q1 report", "top": 5})
    assert stub.last.raw_path == "/v1.0/me/drive/root/search(q='q1%20report')" and stub.last.query == {"$top": "5"}
    assert [i["id"] for i in out["value"]] == ["item-q1"]
    onedrive.run("search_files", {"query": "Ada's"})
    assert stub.last.raw_path == "/v1.0/me/drive/root/search(q='Ada''s')"


def test_share_file_creates_a_link(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("share_file", {"itemId": "item-q1", "type": "Edit", "scope": "organization"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1.0/me/drive/items/item-q1/createLink")
    assert stub.last.json == {"type": "edit", "scope": "organization"}
    assert out["roles"] == ["write"] and out["link"]["scope"] == "organization"
    assert onedrive.run("share_file", {"itemId": "item-q1"})["link"]["type"] == "view"
    assert stub.last.json == {"type": "view"}


def test_a_link_type_graph_does_not_have_is_refused_before_sending(onedrive: AliasedEngine,
                                                                  stub: OneDriveStub) -> None:
    error = onedrive.error("share_file", {"itemId": "item-q1", "type": "public"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "view, edit, embed" in error.message
    assert stub.requests == []


def test_delete_file(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("delete_file", {"itemId": "item-notes"})
    assert (stub.last.method, stub.last.path) == ("DELETE", "/v1.0/me/drive/items/item-notes")
    assert out == {"itemId": "item-notes", "deleted": True} and "item-notes" not in stub.items


def test_a_graph_error_names_its_status_code_and_request_id(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    error = onedrive.error("get_file", {"itemId": "item-missing"})
    assert_graph_failure(error, 404, "itemNotFound", "Item not found")


def test_a_refused_token_is_an_auth_failure_without_the_token(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    assert_refused_token(onedrive, stub, "list_files", {})


def test_custom_api_call_reads_an_item(onedrive: AliasedEngine, stub: OneDriveStub) -> None:
    out = onedrive.run("custom_api_call", {"url": f"{stub.url}/v1.0/me/drive/items/item-q2", "method": "GET"})
    assert (stub.last.path, stub.last.bearer) == ("/v1.0/me/drive/items/item-q2", GRAPH_TOKEN)
    assert out["status"] == 200 and out["body"]["name"] == "Q2 report.txt"
