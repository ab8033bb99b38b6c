from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integrations.context import SleepRecorder, context
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.google_sheets import ACTIONS


def run(http: httpx.Client, stub: SheetsStub, action: str, values: dict[str, Any], *,
        sleep: SleepRecorder | None = None) -> Any:
    ctx = context(http, "google-sheets", action, base_url=stub.url, token=SHEETS_TOKEN, sleep=sleep)
    return ACTIONS[action].run(ctx, values)


def test_append_row_posts_one_row_to_the_sheet(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "append_row",
              {"spreadsheetId": "sheet-1", "sheetName": "Sheet1", "values": ["Cy", "cy@example.com", "active"]})
    req = sheets_stub.last
    assert (req.method, req.path) == ("POST", "/spreadsheets/sheet-1/values/Sheet1!A1:append")
    assert req.query == {"valueInputOption": "USER_ENTERED", "insertDataOption": "INSERT_ROWS"}
    assert req.bearer == SHEETS_TOKEN
    assert req.json == {"majorDimension": "ROWS", "values": [["Cy", "cy@example.com", "active"]]}
    assert out["updates"]["updatedRange"] == "Sheet1!A4:C4"
    assert sheets_stub.spreadsheets["sheet-1"]["Sheet1"][3] == ["Cy", "cy@example.com", "active"]


def test_append_rows_to_a_sheet_whose_name_needs_quoting(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "append_rows",
              {"spreadsheetId": "sheet-1", "sheetName": "Log Book", "values": '[["a", 1], ["b", 2]]',
               "valueInputOption": "RAW"})
    assert sheets_stub.last.path == "/spreadsheets/sheet-1/values/'Log Book'!A1:append"
    assert sheets_stub.last.query["valueInputOption"] == "RAW"
    assert out["updates"]["updatedRows"] == 2
    assert sheets_stub.spreadsheets["sheet-1"]["Log Book"] == [["a", "1"], ["b", "2"]]


def test_read_range(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "read_range", {"spreadsheetId": "sheet-1", "range": "Sheet1!A2:B3"})
    assert sheets_stub.last.method == "GET"
    assert out["values"] == [["Ada", "ada@example.com"], ["Bob", "bob@example.com"]]


def test_read_range_on_the_dropdown_sheet(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    run(http, sheets_stub, "read_range", {"spreadsheet_dropdown": "sheet-1", "sheet_dropdown": "Sheet1",
                                          "range": "A1:A1", "majorDimension": "ROWS"})
    assert sheets_stub.last.path == "/spreadsheets/sheet-1/values/Sheet1!A1:A1"
    assert sheets_stub.last.query == {"majorDimension": "ROWS"}


def test_update_row_writes_from_column_a(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "update_row",
              {"spreadsheetId": "sheet-1", "sheetName": "Sheet1", "rowNumber": 3.0, "values": ["Bob", "b@x", "active"]})
    assert (sheets_stub.last.method, sheets_stub.last.path) == ("PUT", "/spreadsheets/sheet-1/values/Sheet1!A3")
    assert out["updatedRange"] == "Sheet1!A3:C3"
    assert sheets_stub.spreadsheets["sheet-1"]["Sheet1"][2] == ["Bob", "b@x", "active"]


def test_find_rows_by_column_letter(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "find_rows",
              {"spreadsheetId": "sheet-1", "sheetName": "Sheet1", "column": "C", "searchValue": "ACTIVE"})
    assert out == [{"rowNumber": 2, "values": ["Ada", "ada@example.com", "active"]}]


def test_find_rows_with_header_row_contains_and_limit(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "find_rows",
              {"spreadsheetId": "sheet-1", "sheetName": "Sheet1", "column": "1", "searchValue": "example.com",
               "matchMode": "contains", "headerRow": 1, "limit": 5})
    assert [r["rowNumber"] for r in out] == [2, 3]
    assert out[1]["record"] == {"name": "Bob", "email": "bob@example.com", "status": "inactive"}


def test_find_rows_case_sensitive_finds_nothing(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    out = run(http, sheets_stub, "find_rows", {"spreadsheetId": "sheet-1", "column": "A", "searchValue": "ada",
                                               "caseSensitive": True})
    assert out == []


def test_get_row_list_rows_and_clear(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    base = {"spreadsheetId": "sheet-1", "sheetName": "Sheet1"}
    assert run(http, sheets_stub, "get_row", {**base, "rowNumber": 2, "headerRow": 1})["record"]["name"] == "Ada"
    rows = run(http, sheets_stub, "list_rows", {**base, "headerRow": 1})
    assert [r["values"][0] for r in rows] == ["Ada", "Bob"]
    run(http, sheets_stub, "clear_row", {**base, "rowNumber": 2})
    assert sheets_stub.last.path == "/spreadsheets/sheet-1/values/Sheet1!2:2:clear"
    assert sheets_stub.spreadsheets["sheet-1"]["Sheet1"][1] == ["", "", ""]
    run(http, sheets_stub, "write_range", {"spreadsheetId": "sheet-1", "range": "Sheet1!A5", "values": [["x"]]})
    run(http, sheets_stub, "clear_range", {"spreadsheetId": "sheet-1", "range": "Sheet1!A5:A5"})
    assert sheets_stub.spreadsheets["sheet-1"]["Sheet1"][4] == [""]


def test_google_error_object_becomes_action_failed(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    with pytest.raises(ApiError) as caught:
        run(http, sheets_stub, "read_range", {"spreadsheetId": "nope", "range": "A1"})
    details = caught.value.details
    assert caught.value.code == ErrorCode.ACTION_FAILED and details is not None
    assert details["providerStatus"] == 404
    assert details["providerMessage"] == "Requested entity was not found."
    assert details["providerCode"] == "NOT_FOUND"


def test_bad_range_is_invalid_argument(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    with pytest.raises(ApiError) as caught:
        run(http, sheets_stub, "read_range", {"spreadsheetId": "sheet-1", "range": "Nope!A1"})
    assert caught.value.details is not None and caught.value.details["providerCode"] == "INVALID_ARGUMENT"


def test_missing_spreadsheet_is_a_validation_error(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    with pytest.raises(ApiError) as caught:
        run(http, sheets_stub, "append_row", {"values": ["a"]})
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert "spreadsheetId" in caught.value.message
    assert sheets_stub.requests == []


def test_values_of_the_wrong_shape_are_rejected(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    with pytest.raises(ApiError) as caught:
        run(http, sheets_stub, "append_rows", {"spreadsheetId": "sheet-1", "values": ["not", "rows"]})
    assert caught.value.code == ErrorCode.VALIDATION_ERROR


def test_resource_exhausted_is_retried(http: httpx.Client, sheets_stub: SheetsStub) -> None:
    sheets_stub.fail_next(429, n=1)
    sleep = SleepRecorder()
    out = run(http, sheets_stub, "read_range", {"spreadsheetId": "sheet-1", "range": "Sheet1!A1:A1"}, sleep=sleep)
    assert out["values"] == [["name"]]
    assert sleep.waits == [0.5]
