"""Microsoft Excel 365: every catalog action executed through the engine (alias -> connection -> the Graph stub),
asserting what Graph received and what the action returned; next links followed, a Graph error, a refused token,
custom_api_call."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.integrations.microsoft_suite import assert_graph_failure, assert_refused_token
from tests.integrations.provider_suite import AliasedEngine, provider_fixtures
from tests.stubs.excel import ExcelStub
from tests.stubs.graph import GRAPH_TOKEN, PREFIX
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(ExcelStub, "microsoft-excel-365", GRAPH_TOKEN, PREFIX)
BOOK = "/v1.0/me/drive/items/item-book/workbook"


@pytest.fixture
def excel(provider_engine: AliasedEngine, stub: ExcelStub) -> AliasedEngine:
    return provider_engine


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["microsoft-excel-365"].actions) == set(
        sdk_catalog.integration("microsoft-excel-365").actions)


def test_list_worksheets_follows_next_links(excel: AliasedEngine, stub: ExcelStub) -> None:
    stub.page_size = 1
    out = excel.run("list_worksheets", {"itemId": "item-book"})
    assert [(r.method, r.path) for r in stub.requests] == [("GET", f"{BOOK}/worksheets")] * 2
    assert stub.requests[1].query == {"$skiptoken": "1"} and stub.requests[0].bearer == GRAPH_TOKEN
    assert [s["name"] for s in out["value"]] == ["Sheet1", "Q 2"] and out["nextLink"] is None


def test_read_range(excel: AliasedEngine, stub: ExcelStub) -> None:
    out = excel.run("read_range", {"itemId": "item-book", "worksheetName": "Sheet1", "range": "A1:B2"})
    assert (stub.last.method, stub.last.raw_path) == ("GET", f"{BOOK}/worksheets/Sheet1/range(address='A1:B2')")
    assert out["values"] == [["Item", "Cost"], ["Tea", 3]] and out["address"] == "Sheet1!A1:B2"


def test_write_range_patches_the_values_given_as_json_text(excel: AliasedEngine, stub: ExcelStub) -> None:
    out = excel.run("write_range", {"itemId": "item-book", "worksheetName": "Q 2", "range": "$B$1:C1",
                                    "values": '[["x", 2]]'})
    req = stub.last
    assert (req.method, req.raw_path) == ("PATCH", f"{BOOK}/worksheets/Q%202/range(address='$B$1:C1')")
    assert req.json == {"values": [["x", 2]]}
    assert out["values"] == [["x", 2]] and out["address"] == "'Q 2'!B1:C1"
    assert stub.workbooks["item-book"]["sheets"]["Q 2"] == {(0, 1): "x", (0, 2): 2}


def test_values_that_are_not_a_2d_array_are_refused_before_sending(excel: AliasedEngine, stub: ExcelStub) -> None:
    error = excel.error("write_range", {"itemId": "item-book", "worksheetName": "Sheet1", "range": "A1",
                                        "values": "x"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "2-D array" in error.message and stub.requests == []


def test_add_row_posts_one_row_to_the_table(excel: AliasedEngine, stub: ExcelStub) -> None:
    out = excel.run("add_row", {"itemId": "item-book", "worksheetName": "Sheet1", "tableName": "Expenses",
                                "values": ["Cake", 5]})
    assert (stub.last.method, stub.last.path) == ("POST", f"{BOOK}/tables/Expenses/rows")
    assert stub.last.json == {"values": [["Cake", 5]]}
    assert out == {"index": 1, "values": [["Cake", 5]]}
    assert stub.workbooks["item-book"]["tables"]["Expenses"]["rows"] == [["Tea", 3], ["Cake", 5]]


def test_create_workbook_uploads_a_real_empty_workbook(excel: AliasedEngine, stub: ExcelStub) -> None:
    out = excel.run("create_workbook", {"fileName": "Plan", "parentPath": "/Documents"})
    req = stub.last
    assert (req.method, req.raw_path) == ("PUT", "/v1.0/me/drive/root:/Documents/Plan.xlsx:/content")
    assert req.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with zipfile.ZipFile(io.BytesIO(req.body)) as package:
        assert b'name="Sheet1"' in package.read("xl/workbook.xml")
        assert b"<sheetData/>" in package.read("xl/worksheets/sheet1.xml")
    assert out["name"] == "Plan.xlsx" and out["parentReference"] == {"id": "item-docs"}
    sheets = excel.run("list_worksheets", {"itemId": out["id"]})
    assert [s["name"] for s in sheets["value"]] == ["Sheet1"]


def test_get_table_and_list_tables(excel: AliasedEngine, stub: ExcelStub) -> None:
    table = excel.run("get_table", {"itemId": "item-book", "worksheetName": "Sheet1", "tableName": "Expenses"})
    assert (stub.last.method, stub.last.path) == ("GET", f"{BOOK}/worksheets/Sheet1/tables/Expenses")
    assert table == {"id": "{T-1}", "name": "Expenses", "showHeaders": True}
    tables = excel.run("list_tables", {"itemId": "item-book", "worksheetName": "Sheet1"})
    assert stub.last.path == f"{BOOK}/worksheets/Sheet1/tables" and tables["value"] == [table]


def test_a_graph_error_names_its_status_code_and_request_id(excel: AliasedEngine, stub: ExcelStub) -> None:
    error = excel.error("write_range", {"itemId": "item-book", "worksheetName": "Sheet1", "range": "A1:B1",
                                        "values": [["only one"]]})
    assert_graph_failure(error, 400, "InvalidArgument", "doesn't match the size")


def test_a_refused_token_is_an_auth_failure_without_the_token(excel: AliasedEngine, stub: ExcelStub) -> None:
    assert_refused_token(excel, stub, "list_worksheets", {"itemId": "item-book"})


def test_custom_api_call_reads_the_used_range(excel: AliasedEngine, stub: ExcelStub) -> None:
    out = excel.run("custom_api_call", {"url": "/me/drive/items/item-book/workbook/worksheets/Sheet1/range"
                                                "(address='B2')", "method": "GET"})
    assert (stub.last.path, stub.last.bearer) == (f"{BOOK}/worksheets/Sheet1/range(address='B2')", GRAPH_TOKEN)
    assert out["status"] == 200 and out["body"]["values"] == [[3]]
