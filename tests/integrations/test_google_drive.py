"""Google Drive: every catalog action executed through the engine (alias -> connection -> the Drive stub), asserting
what Drive received and what the action returned; page tokens, a Drive error, a refused token, an expired OAuth token
refreshed, custom_api_call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.google_suite import (
    assert_google_failure,
    assert_refused_token,
    google_fixtures,
    refreshed_call,
)
from tests.integrations.provider_suite import AliasedEngine
from tests.stubs.base import running
from tests.stubs.google import GOOGLE_TOKEN
from tests.stubs.google_drive import DriveStub
from tests.stubs.oauth2 import OAuth2Stub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.google_drive import FILE_FIELDS, LIST_FIELDS
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

PREFIX = "/drive/v3"
provider_server, provider_engine, stub, google = google_fixtures(DriveStub, "google-drive", PREFIX)


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["google-drive"].actions) == set(sdk_catalog.integration("google-drive").actions)


def test_list_files_in_a_folder_page_by_page(google: AliasedEngine, stub: DriveStub) -> None:
    first = google.run("list_files", {"folderId": "fold-reports", "pageSize": 1, "orderBy": "name"})
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("GET", "/drive/v3/files", GOOGLE_TOKEN)
    assert req.query == {"q": "'fold-reports' in parents and trashed = false", "pageSize": "1", "orderBy": "name",
                         "fields": LIST_FIELDS, "supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}
    assert [f["id"] for f in first["files"]] == ["file-q1"] and first["nextPageToken"] == "1"
    assert first["files"][0]["parents"] == ["fold-reports"] and first["files"][0]["size"] == "12"

    last = google.run("list_files", {"folderId": "fold-reports", "pageSize": 1, "pageToken": first["nextPageToken"]})
    assert stub.last.query["pageToken"] == "1"
    assert [f["id"] for f in last["files"]] == ["file-q2"] and last["nextPageToken"] is None


def test_list_files_without_a_folder_leaves_trashed_ones_out_and_asks_for_the_fields_given(
        google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("list_files", {"fields": "files(id,name)"})
    assert stub.last.query["q"] == "trashed = false" and stub.last.query["fields"] == "files(id,name)"
    assert {f["id"] for f in out["files"]} == {"fold-reports", "file-q1", "file-q2", "file-notes"}
    assert all(set(f) == {"id", "name"} for f in out["files"])


def test_search_files_sends_the_query_as_it_is(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("search_files", {"query": "name contains 'report.txt' and trashed = false", "pageSize": 10})
    assert stub.last.query["q"] == "name contains 'report.txt' and trashed = false"
    assert stub.last.query["pageSize"] == "10"
    assert [f["name"] for f in out["files"]] == ["Q1 report.txt", "Q2 report.txt"]


def test_get_file(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("get_file", {"fileId": "file-notes"})
    req = stub.last
    assert (req.method, req.path) == ("GET", "/drive/v3/files/file-notes")
    assert req.query == {"fields": FILE_FIELDS, "supportsAllDrives": "true"}
    assert out["name"] == "notes.md" and out["mimeType"] == "text/markdown"
    assert google.run("get_file", {"fileId": "file-notes", "fields": "id"}) == {"id": "file-notes"}


def test_upload_file_sends_metadata_and_content_as_multipart_related(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("upload_file", {"name": "todo.md", "content": "- ship\n- rest", "mimeType": "text/markdown",
                                     "folderId": "fold-reports"})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/upload/drive/v3/files")
    assert req.query == {"uploadType": "multipart", "fields": FILE_FIELDS, "supportsAllDrives": "true"}
    assert req.headers["content-type"].startswith("multipart/related; boundary=") and req.bearer == GOOGLE_TOKEN
    assert b'{"name": "todo.md", "mimeType": "text/markdown", "parents": ["fold-reports"]}' in req.body
    assert stub.content[out["id"]] == b"- ship\n- rest"
    assert out["parents"] == ["fold-reports"] and out["mimeType"] == "text/markdown" and out["size"] == "13"


def test_upload_file_is_text_plain_in_my_drive_by_default(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("upload_file", {"name": "a.txt", "content": "hi"})
    assert b'{"name": "a.txt", "mimeType": "text/plain"}' in stub.last.body
    assert out["parents"] == ["root"] and stub.content[out["id"]] == b"hi"


def test_create_folder(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("create_folder", {"name": "Archive", "parentFolderId": "fold-reports"})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/drive/v3/files")
    assert req.json == {"name": "Archive", "mimeType": "application/vnd.google-apps.folder",
                        "parents": ["fold-reports"]}
    assert out["mimeType"] == "application/vnd.google-apps.folder" and out["parents"] == ["fold-reports"]


def test_share_file_creates_a_user_permission(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("share_file", {"fileId": "file-q1", "email": "ada@example.com", "role": "writer",
                                    "sendNotification": False})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/drive/v3/files/file-q1/permissions")
    assert req.query == {"sendNotificationEmail": "false", "supportsAllDrives": "true"}
    assert req.json == {"type": "user", "role": "writer", "emailAddress": "ada@example.com"}
    assert out["role"] == "writer" and out["emailAddress"] == "ada@example.com" and out["id"] == "perm-0"


def test_a_role_drive_does_not_have_is_refused_before_sending(google: AliasedEngine, stub: DriveStub) -> None:
    error = google.error("share_file", {"fileId": "file-q1", "email": "ada@example.com", "role": "editor"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "writer" in error.message
    assert stub.requests == []


def test_delete_file(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("delete_file", {"fileId": "file-notes"})
    assert (stub.last.method, stub.last.path) == ("DELETE", "/drive/v3/files/file-notes")
    assert out == {"fileId": "file-notes", "deleted": True} and "file-notes" not in stub.files


def test_a_drive_error_names_its_status_and_code(google: AliasedEngine, stub: DriveStub) -> None:
    error = google.error("get_file", {"fileId": "file-missing"})
    assert_google_failure(error, 404, "NOT_FOUND", "File not found: file-missing.")


def test_a_refused_token_is_an_auth_failure_without_the_token(google: AliasedEngine, stub: DriveStub) -> None:
    assert_refused_token(google, stub, PREFIX, "list_files", {})


def test_custom_api_call_joins_the_path_and_stays_on_google(google: AliasedEngine, stub: DriveStub) -> None:
    out = google.run("custom_api_call", {"url": "/files/file-q1", "method": "GET",
                                         "headers": {"Authorization": "Bearer not-mine", "X-Trace": "t1"}})
    req = stub.last
    assert (req.method, req.path, req.bearer, req.headers["x-trace"]) == (
        "GET", "/drive/v3/files/file-q1", GOOGLE_TOKEN, "t1")
    assert out["status"] == 200 and out["body"]["name"] == "Q1 report.txt"

    created = google.run("custom_api_call", {"url": f"{stub.url}/drive/v3/files", "method": "POST",
                                             "body": {"name": "Plain", "mimeType": "text/plain"}})
    assert stub.last.json == {"name": "Plain", "mimeType": "text/plain"} and created["body"]["name"] == "Plain"

    stub.requests.clear()
    refused = google.error("custom_api_call", {"url": "https://evil.example/drive/v3/files", "method": "GET"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


@pytest.fixture(scope="module")
def drive_oauth2() -> Iterator[OAuth2Stub]:
    with running(OAuth2Stub(DriveStub(), PREFIX)) as oauth2:
        yield oauth2


def test_an_expired_access_token_is_refreshed_before_listing(store: Store, sdk_catalog: Catalog,
                                                             drive_oauth2: OAuth2Stub) -> None:
    drive_oauth2.reset()
    out = refreshed_call(store, sdk_catalog, drive_oauth2, "google-drive", "list_files", {"folderId": "fold-reports"})
    assert [f["id"] for f in out["files"]] == ["file-q1", "file-q2"]
    assert drive_oauth2.api_requests()[0].path == "/drive/v3/files"
