"""Microsoft Excel (365) over Microsoft Graph v1.0 (shared facts in :mod:`microsoft_graph`): the worksheets, ranges
and tables of a workbook in the signed-in user's OneDrive, addressed by its drive item id, and new workbooks.

Endpoints (https://learn.microsoft.com/en-us/graph/api/...): ``worksheet-list`` ``GET
/me/drive/items/{id}/workbook/worksheets``; ``worksheet-range`` ``GET
/me/drive/items/{id}/workbook/worksheets/{id|name}/range(address='<address>')`` and ``range-update`` ``PATCH`` of the
same URL with ``{values}`` (a 2-D array as large as the range), both answering the workbookRange (``address``,
``values``, ``text``, ``formulas``, ``rowCount``, ``columnCount``); ``table-post-rows`` ``POST
/me/drive/items/{id}/workbook/tables/{id|name}/rows`` with ``{values: [[...]]}`` (201 with the workbookTableRow; a
table's name is unique in its workbook, so the worksheet is not part of that URL); ``table-get`` ``GET
.../workbook/worksheets/{id|name}/tables/{id|name}``; ``table-list`` ``GET .../workbook/worksheets/{id|name}/tables``.
A workbook is a file of the drive: ``create_workbook`` uploads an empty one (:mod:`xlsx_blank`) with
``driveitem-put-content`` ``PUT /me/drive/root:/{path}:/content``, as :mod:`microsoft_onedrive` does, and answers
its driveItem; a name without ``.xlsx`` gets it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, json_value, wire
from weavz_flow.integrations.microsoft_graph import graph_integration, graph_profile, list_action, odata_literal
from weavz_flow.integrations.microsoft_onedrive import put_content
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.xlsx_blank import XLSX_MIME, blank_workbook

EXCEL = graph_profile("microsoft-excel-365", "Microsoft Excel 365")
WORKBOOK = "/me/drive/items/{itemId}/workbook"
SHEET = WORKBOOK + "/worksheets/{worksheetName}"
RANGE = SHEET + "/range(address={range})"
# The address goes in an OData literal; its ``!``, ``:`` and ``$`` are kept as Excel writes them.
_ADDRESS = {"range": lambda address: quote(odata_literal(str(address)), safe="'!:$")}


def _rows(ctx: ActionContext, field: str, value: Any, *, one_row: bool) -> list[list[Any]]:
    """A 2-D array of cell values (JSON text is parsed); with ``one_row``, a flat list is that one row."""
    value = json_value(value)
    if one_row and isinstance(value, list) and value and not any(isinstance(v, list) for v in value):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        raise invalid_input(ctx, field, "must be a 2-D array of values, e.g. [[\"a\", \"b\"]]")
    return value


WRITE = HttpSpec("PATCH", RANGE, body=wire("values"), path_encoders=_ADDRESS)


def write_range(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, EXCEL, WRITE, {**values, "values": _rows(ctx, "values", values["values"], one_row=False)})


ADD_ROW = HttpSpec("POST", WORKBOOK + "/tables/{tableName}/rows", body=wire("values"))


def add_row(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, EXCEL, ADD_ROW, {**values, "values": _rows(ctx, "values", values["values"], one_row=True)})


def create_workbook(ctx: ActionContext, values: dict[str, Any]) -> Any:
    name = values["fileName"]
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return put_content(ctx, EXCEL, values.get("parentPath"), name, blank_workbook(), XLSX_MIME)


DESCRIPTION = ("Read and write ranges, add table rows, list worksheets and tables, and create workbooks in OneDrive "
               "over Microsoft Graph.")
INTEGRATION = graph_integration(EXCEL, DESCRIPTION, {
    "list_worksheets": list_action(EXCEL, WORKBOOK + "/worksheets"),
    "read_range": HttpSpec("GET", RANGE, path_encoders=_ADDRESS),
    "write_range": write_range,
    "add_row": add_row,
    "create_workbook": create_workbook,
    "get_table": HttpSpec("GET", SHEET + "/tables/{tableName}"),
    "list_tables": list_action(EXCEL, SHEET + "/tables"),
})
