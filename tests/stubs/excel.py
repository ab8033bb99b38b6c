"""An Excel workbook stub over Microsoft Graph: :class:`~tests.stubs.onedrive.OneDriveStub`'s drive plus the workbook
API of its ``.xlsx`` items, in memory.

Seed data: ``item-book`` (Budget.xlsx, in Documents) with worksheets ``Sheet1`` (A1:B2 holding
``[["Item", "Cost"], ["Tea", 3]]``) and ``Q 2`` (empty); table ``Expenses`` on Sheet1 with columns Item and Cost and
one row. A range address is ``A1`` or ``A1:D10`` (``$`` allowed) in ``range(address='...')``; a PATCH must give
``values`` exactly as large as the range (400 ``InvalidArgument`` otherwise, as Excel answers). A table row must have
one value per column. A file that is not a workbook answers 400 for every workbook call; an ``.xlsx`` uploaded by
PUT becomes a workbook with one empty ``Sheet1`` once its bytes open as a zip package with ``xl/workbook.xml``.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.graph import graph_error
from tests.stubs.onedrive import OneDriveStub, _item

_RANGE = re.compile(r"^range\(address='(?P<address>[^']*)'\)$")
_CELL = re.compile(r"^\$?([A-Z]+)\$?([0-9]+)$")


def _cell(text: str) -> tuple[int, int] | None:
    found = _CELL.match(text.upper())
    if found is None:
        return None
    column = 0
    for letter in found.group(1):
        column = column * 26 + ord(letter) - 64
    return int(found.group(2)) - 1, column - 1


def _bounds(address: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    start_text, _, end_text = address.partition(":")
    start, end = _cell(start_text), _cell(end_text or start_text)
    if start is None or end is None or end[0] < start[0] or end[1] < start[1]:
        return None
    return start, end


class ExcelStub(OneDriveStub):
    name = "microsoft-excel-365"

    def seed(self) -> None:
        super().seed()
        self.items["item-book"] = _item("item-book", "Budget.xlsx", "item-docs", size=8000)
        self.workbooks: dict[str, dict[str, Any]] = {"item-book": {
            "sheets": {"Sheet1": {(0, 0): "Item", (0, 1): "Cost", (1, 0): "Tea", (1, 1): 3}, "Q 2": {}},
            "tables": {"Expenses": {"id": "{T-1}", "name": "Expenses", "sheet": "Sheet1", "showHeaders": True,
                                    "columns": ["Item", "Cost"], "rows": [["Tea", 3]]}},
        }}

    def uploaded(self, item: dict[str, Any], content: bytes) -> None:
        if not item["name"].lower().endswith(".xlsx"):
            return
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                package.read("xl/workbook.xml")
        except (zipfile.BadZipFile, KeyError):
            return
        self.workbooks[item["id"]] = {"sheets": {"Sheet1": {}}, "tables": {}}

    def route_item(self, request: RecordedRequest, item: dict[str, Any], rest: str) -> Response:
        book = self.workbooks.get(item["id"])
        if book is None or not rest.startswith("/workbook/"):
            return graph_error(400, "The file is not a workbook.", "InvalidArgument")
        parts = rest.removeprefix("/workbook/").split("/")
        method = request.method
        if parts == ["worksheets"] and method == "GET":
            return self.paged(request, [{"id": f"{{S-{i}}}", "name": n, "position": i, "visibility": "Visible"}
                                        for i, n in enumerate(book["sheets"])])
        if len(parts) == 3 and parts[0] == "tables" and parts[2] == "rows" and method == "POST":
            return self._add_rows(request, book, parts[1])
        if len(parts) < 3 or parts[0] != "worksheets":
            return graph_error(400, "Invalid request", "invalidRequest")
        sheet = parts[1]
        if sheet not in book["sheets"]:
            return graph_error(404, "The requested resource doesn't exist.", "ItemNotFound")
        if parts[2] == "tables" and method == "GET":
            tables = [_table(t) for t in book["tables"].values() if t["sheet"] == sheet]
            if len(parts) == 3:
                return self.paged(request, tables)
            found = next((t for t in tables if t["name"] == parts[3] or t["id"] == parts[3]), None)
            return JSONResponse(found) if found else graph_error(404, "The requested resource doesn't exist.",
                                                                 "ItemNotFound")
        address = _RANGE.match(parts[2])
        if address is None or len(parts) != 3:
            return graph_error(400, "Invalid request", "invalidRequest")
        bounds = _bounds(address["address"])
        if bounds is None:
            return graph_error(400, "The argument is invalid or missing or has an incorrect format.",
                               "InvalidArgument")
        if method == "PATCH":
            return self._write(request, book["sheets"][sheet], sheet, bounds)
        if method == "GET":
            return JSONResponse(_range(book["sheets"][sheet], sheet, bounds))
        return graph_error(400, "Invalid request", "invalidRequest")

    def _write(self, request: RecordedRequest, cells: dict[tuple[int, int], Any], sheet: str,
               bounds: tuple[tuple[int, int], tuple[int, int]]) -> Response:
        (r0, c0), (r1, c1) = bounds
        values = (request.json or {}).get("values")
        if not isinstance(values, list) or len(values) != r1 - r0 + 1 or any(
                not isinstance(row, list) or len(row) != c1 - c0 + 1 for row in values):
            return graph_error(400, "The number of rows or columns in the input array doesn't match the size or "
                                    "dimensions of the range.", "InvalidArgument")
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                cells[(r0 + i, c0 + j)] = value
        return JSONResponse(_range(cells, sheet, bounds))

    def _add_rows(self, request: RecordedRequest, book: dict[str, Any], name: str) -> Response:
        table = book["tables"].get(name)
        if table is None:
            return graph_error(404, "The requested resource doesn't exist.", "ItemNotFound")
        rows = (request.json or {}).get("values")
        if not isinstance(rows, list) or not rows or any(
                not isinstance(r, list) or len(r) != len(table["columns"]) for r in rows):
            return graph_error(400, "The number of columns in the input doesn't match the table.", "InvalidArgument")
        index = len(table["rows"])
        table["rows"].extend(rows)
        return JSONResponse({"index": index, "values": rows}, status_code=201)


def _table(table: dict[str, Any]) -> dict[str, Any]:
    return {k: table[k] for k in ("id", "name", "showHeaders")}


def _range(cells: dict[tuple[int, int], Any], sheet: str, bounds: tuple[tuple[int, int], tuple[int, int]]
           ) -> dict[str, Any]:
    (r0, c0), (r1, c1) = bounds
    values = [[cells.get((r, c), "") for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
    name = f"'{sheet}'" if " " in sheet else sheet
    first = f"{chr(65 + c0)}{r0 + 1}"
    last = f"{chr(65 + c1)}{r1 + 1}"
    return {"address": f"{name}!{first}" + (f":{last}" if (r0, c0) != (r1, c1) else ""), "values": values,
            "text": [[str(v) for v in row] for row in values], "rowCount": r1 - r0 + 1,
            "columnCount": c1 - c0 + 1}
