"""Google Sheets, the actions on whole spreadsheets and tabs (and custom_api_call), executed through the engine
(alias -> connection -> the Sheets stub): what Sheets and Drive received and what the action returned; page tokens,
a Sheets error, a refused token. The values actions are in test_google_sheets.py."""

from __future__ import annotations

from tests.integrations.google_suite import assert_google_failure, assert_refused_token, google_fixtures
from tests.integrations.provider_suite import AliasedEngine
from tests.stubs.google import GOOGLE_TOKEN
from tests.stubs.sheets import SheetsStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.google_spreadsheets import FILE_FIELDS
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

PREFIX = "/v4"
provider_server, provider_engine, stub, google = google_fixtures(SheetsStub, "google-sheets", PREFIX)
SPREADSHEETS = "mimeType='application/vnd.google-apps.spreadsheet' and trashed=false"


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["google-sheets"].actions) == set(sdk_catalog.integration("google-sheets").actions)


def test_list_spreadsheets_page_by_page_from_drive(google: AliasedEngine, stub: SheetsStub) -> None:
    first = google.run("list_spreadsheets", {"pageSize": 1})
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("GET", "/drive/v3/files", GOOGLE_TOKEN)
    assert req.query == {"pageSize": "1", "fields": FILE_FIELDS, "q": SPREADSHEETS}
    assert [f["id"] for f in first["files"]] == ["sheet-1"] and first["nextPageToken"] == "1"
    assert first["files"][0]["name"] == "Team roster"
    last = google.run("list_spreadsheets", {"pageSize": 1, "pageToken": first["nextPageToken"]})
    assert stub.last.query["pageToken"] == "1"
    assert [f["id"] for f in last["files"]] == ["budget"] and last["nextPageToken"] is None


def test_list_spreadsheets_by_name_across_shared_drives(google: AliasedEngine, stub: SheetsStub) -> None:
    out = google.run("list_spreadsheets", {"query": "Bob's budget", "includeSharedDrives": True})
    assert stub.last.query == {"pageSize": "100", "fields": FILE_FIELDS, "corpora": "allDrives",
                               "includeItemsFromAllDrives": "true", "supportsAllDrives": "true",
                               "q": f"{SPREADSHEETS} and name contains 'Bob\\'s budget'"}
    assert out == {"files": [], "nextPageToken": None}
    found = google.run("list_spreadsheets", {"query": "budget"})
    assert [f["id"] for f in found["files"]] == ["budget"]


def test_get_spreadsheet_and_its_sheets(google: AliasedEngine, stub: SheetsStub) -> None:
    book = google.run("get_spreadsheet", {"spreadsheetId": "sheet-1"})
    assert (stub.last.method, stub.last.path, stub.last.query) == ("GET", "/v4/spreadsheets/sheet-1", {})
    assert book["properties"]["title"] == "Team roster" and len(book["sheets"]) == 2
    tabs = google.run("list_sheets", {"spreadsheet_dropdown": "sheet-1"})
    assert stub.last.query == {"fields": "sheets.properties"}
    assert [(t["sheetId"], t["title"], t["index"]) for t in tabs] == [(0, "Sheet1", 0), (1000, "Log Book", 1)]


def test_get_sheet_by_title_by_id_or_the_first(google: AliasedEngine, stub: SheetsStub) -> None:
    assert google.run("get_sheet", {"spreadsheetId": "sheet-1", "sheetName": "Log Book"})["sheetId"] == 1000
    assert google.run("get_sheet", {"spreadsheetId": "sheet-1", "sheetName": "1000"})["title"] == "Log Book"
    assert google.run("get_sheet", {"spreadsheetId": "sheet-1"})["title"] == "Sheet1"
    error = google.error("get_sheet", {"spreadsheetId": "sheet-1", "sheet_dropdown": "Nope"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "Log Book" in error.message


def test_delete_row_deletes_one_row_of_the_tab(google: AliasedEngine, stub: SheetsStub) -> None:
    out = google.run("delete_row", {"spreadsheetId": "sheet-1", "sheetName": "Sheet1", "rowNumber": 2,
                                    "confirmDelete": True})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/v4/spreadsheets/sheet-1:batchUpdate")
    assert req.json == {"requests": [{"deleteDimension": {"range": {
        "sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}]}
    assert out == {"spreadsheetId": "sheet-1", "replies": [{}]}
    assert [r[0] for r in stub.spreadsheets["sheet-1"]["Sheet1"]] == ["name", "Bob"]


def test_delete_row_needs_its_confirmation(google: AliasedEngine, stub: SheetsStub) -> None:
    error = google.error("delete_row", {"spreadsheetId": "sheet-1", "rowNumber": 2, "confirmDelete": False})
    assert error.code == ErrorCode.VALIDATION_ERROR and "confirmDelete" in error.message
    assert stub.requests == []


def test_create_spreadsheet_with_named_tabs(google: AliasedEngine, stub: SheetsStub) -> None:
    out = google.run("create_spreadsheet", {"title": "Plan 2027", "sheetTitles": "Q1, Q2"})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/v4/spreadsheets")
    assert req.json == {"properties": {"title": "Plan 2027"},
                        "sheets": [{"properties": {"title": "Q1"}}, {"properties": {"title": "Q2"}}]}
    assert out["properties"]["title"] == "Plan 2027" and stub.spreadsheets[out["spreadsheetId"]] == {"Q1": [],
                                                                                                   "Q2": []}
    google.run("create_spreadsheet", {"title": "Blank"})
    assert stub.last.json == {"properties": {"title": "Blank"}}


def test_a_sheets_error_names_its_status_and_code(google: AliasedEngine, stub: SheetsStub) -> None:
    error = google.error("get_spreadsheet", {"spreadsheetId": "missing"})
    assert_google_failure(error, 404, "NOT_FOUND", "Requested entity was not found.")


def test_a_refused_token_is_an_auth_failure_without_the_token(google: AliasedEngine, stub: SheetsStub) -> None:
    assert_refused_token(google, stub, PREFIX, "list_sheets", {"spreadsheetId": "sheet-1"})


def test_custom_api_call_reaches_sheets_and_drive_on_the_connections_host(google: AliasedEngine,
                                                                          stub: SheetsStub) -> None:
    out = google.run("custom_api_call", {"url": "/spreadsheets/budget", "method": "GET", "headers": {}})
    assert (stub.last.path, stub.last.bearer) == ("/v4/spreadsheets/budget", GOOGLE_TOKEN)
    assert out["status"] == 200 and out["body"]["spreadsheetId"] == "budget"
    drive = google.run("custom_api_call", {"url": f"{stub.url}/drive/v3/files?q={SPREADSHEETS}", "method": "GET"})
    assert stub.last.path == "/drive/v3/files" and len(drive["body"]["files"]) == 2
