"""Google Sheets (https://developers.google.com/sheets/api): values read, append, update, find and clear; the
actions on whole spreadsheets and tabs are in :mod:`google_spreadsheets`, what both use in :mod:`google_sheets_api`.

The spreadsheet is ``spreadsheetId`` (or ``spreadsheet_dropdown``), the tab ``sheetName`` (or ``sheet_dropdown``;
the first tab when neither is given). Errors are ``{"error": {"code", "message", "status"}}``. Row outputs
(find_rows, get_row, list_rows) are ``{"rowNumber": <1-based>, "values": [...]}`` plus ``"record"`` (header name ->
value) when ``headerRow`` is given. The polling triggers over a tab are :mod:`google_sheets_triggers`'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from weavz_flow.integrations import google_spreadsheets as books
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.google_sheets_api import (
    SHEETS,
    drive_spreadsheets,
    row_number,
    row_output,
    sheet_name,
    sheet_properties,
    values_path,
)
from weavz_flow.integrations.google_sheets_triggers import TRIGGERS
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.options import Option, OptionPage, OptionSource, property_options, required_input, text
from weavz_flow.integrations.provider import ProviderRequest
from weavz_flow.integrations.sheet_ranges import column_index, has_sheet, sheet_range

# --- requests ----------------------------------------------------------------------------------------------------


def _range(values: Mapping[str, Any]) -> str:
    """The ``range`` input, on ``sheet_dropdown`` when it names no sheet itself."""
    text = str(values["range"])
    sheet = values.get("sheet_dropdown")
    return sheet_range(sheet, text) if sheet and not has_sheet(text) else text


def _get(ctx: ActionContext, values: Mapping[str, Any], range_text: str, **query: Any) -> Any:
    return call(ctx, SHEETS, ProviderRequest("GET", values_path(ctx, values, range_text), query=query)).body


def _write(ctx: ActionContext, values: Mapping[str, Any], method: str, range_text: str, rows: list[list[Any]],
           verb: str = "", **query: Any) -> Any:
    query = {"valueInputOption": values.get("valueInputOption") or "USER_ENTERED", **query}
    request = ProviderRequest(method, values_path(ctx, values, range_text, verb), query=query,
                              json={"majorDimension": "ROWS", "values": rows}, has_json=True)
    return call(ctx, SHEETS, request).body


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _row(ctx: ActionContext, value: Any) -> list[Any]:
    value = _parsed(value)
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list) and not any(isinstance(v, list | dict) for v in value):
        return value
    raise invalid_input(ctx, "values", "must be an array of cell values")


def _rows(ctx: ActionContext, value: Any) -> list[list[Any]]:
    value = _parsed(value)
    if isinstance(value, list) and value and all(isinstance(r, list | dict) for r in value):
        return [_row(ctx, r) for r in value]
    raise invalid_input(ctx, "values", "must be an array of rows (arrays of cell values)")


# --- actions -----------------------------------------------------------------------------------------------------


def read_range(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _get(ctx, values, _range(values), majorDimension=values.get("majorDimension"),
                valueRenderOption=values.get("valueRenderOption"))


def write_range(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _write(ctx, values, "PUT", _range(values), _rows(ctx, values["values"]))


def clear_range(ctx: ActionContext, values: dict[str, Any]) -> Any:
    request = ProviderRequest("POST", values_path(ctx, values, _range(values), ":clear"), json={}, has_json=True)
    return call(ctx, SHEETS, request).body


def append_row(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _write(ctx, values, "POST", sheet_range(sheet_name(values), "A1"), [_row(ctx, values["values"])],
                  ":append", insertDataOption="INSERT_ROWS")


def append_rows(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _write(ctx, values, "POST", sheet_range(sheet_name(values), "A1"), _rows(ctx, values["values"]),
                  ":append", insertDataOption="INSERT_ROWS")


def update_row(ctx: ActionContext, values: dict[str, Any]) -> Any:
    row = row_number(ctx, values, "rowNumber")
    return _write(ctx, values, "PUT", sheet_range(sheet_name(values), f"A{row}"), [_row(ctx, values["values"])])


def clear_row(ctx: ActionContext, values: dict[str, Any]) -> Any:
    row = row_number(ctx, values, "rowNumber")
    path = values_path(ctx, values, sheet_range(sheet_name(values), f"{row}:{row}"), ":clear")
    request = ProviderRequest("POST", path, json={}, has_json=True)
    return call(ctx, SHEETS, request).body


def get_row(ctx: ActionContext, values: dict[str, Any]) -> Any:
    row = row_number(ctx, values, "rowNumber")
    body = _get(ctx, values, sheet_range(sheet_name(values), f"{row}:{row}"))
    cells = (body.get("values") or [[]])[0] if isinstance(body, dict) else []
    return row_output(row, cells, _headers(ctx, values))


def list_rows(ctx: ActionContext, values: dict[str, Any]) -> Any:
    headers = _headers(ctx, values)
    start = int(values.get("startRow") or (int(values["headerRow"]) + 1 if headers is not None else 1))
    count = values.get("rowCount")
    cells = f"{start}:{start + int(count) - 1}" if count else f"A{start}:ZZZ"
    body = _get(ctx, values, sheet_range(sheet_name(values), cells))
    rows = body.get("values", []) if isinstance(body, dict) else []
    return [row_output(start + i, r, headers) for i, r in enumerate(rows)]


_MATCHERS = {
    "exact": lambda cell, wanted: cell == wanted,
    "contains": lambda cell, wanted: wanted in cell,
    "startswith": lambda cell, wanted: cell.startswith(wanted),
    "endswith": lambda cell, wanted: cell.endswith(wanted),
}


def find_rows(ctx: ActionContext, values: dict[str, Any]) -> Any:
    headers = _headers(ctx, values)
    mode = str(values.get("matchMode") or "exact").lower().replace("_", "").replace("-", "")
    matcher = _MATCHERS.get(mode)
    if matcher is None:
        raise invalid_input(ctx, "matchMode", "must be one of exact, contains, starts_with, ends_with")
    column = column_index(values["column"])
    if column is None and headers is not None and values["column"] in headers:
        column = headers.index(values["column"])
    if column is None:
        raise invalid_input(ctx, "column", "must be a column letter (A, B, ...) or a zero-based index")
    start = int(values.get("startRow") or (int(values["headerRow"]) + 1 if headers is not None else 1))
    max_rows = values.get("maxRows")
    cells = f"A{start}:ZZZ{start + int(max_rows) - 1}" if max_rows else f"A{start}:ZZZ"
    body = _get(ctx, values, sheet_range(sheet_name(values), cells))
    rows = body.get("values", []) if isinstance(body, dict) else []
    case_sensitive = bool(values.get("caseSensitive"))
    wanted = values["searchValue"] if case_sensitive else values["searchValue"].lower()
    limit = int(values["limit"]) if values.get("limit") else None
    found: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        cell = str(row[column]) if column < len(row) else ""
        if matcher(cell if case_sensitive else cell.lower(), wanted):
            found.append(row_output(start + i, row, headers))
            if limit is not None and len(found) >= limit:
                break
    return found


def _headers(ctx: ActionContext, values: Mapping[str, Any]) -> list[str] | None:
    if values.get("headerRow") is None:
        return None
    row = row_number(ctx, values, "headerRow")
    body = _get(ctx, values, sheet_range(sheet_name(values), f"{row}:{row}"))
    cells = (body.get("values") or [[]])[0] if isinstance(body, dict) else []
    return [str(c) for c in cells]


ACTIONS = catalog_actions("google-sheets", {
    "read_range": read_range,
    "write_range": write_range,
    "clear_range": clear_range,
    "append_row": append_row,
    "append_rows": append_rows,
    "update_row": update_row,
    "get_row": get_row,
    "list_rows": list_rows,
    "clear_row": clear_row,
    "find_rows": find_rows,
    "list_spreadsheets": books.list_spreadsheets,
    "get_spreadsheet": books.get_spreadsheet,
    "list_sheets": books.list_sheets,
    "get_sheet": books.get_sheet,
    "delete_row": books.delete_row,
    "create_spreadsheet": books.create_spreadsheet,
})
ACTIONS["custom_api_call"] = plain_custom_api_call(SHEETS)

# --- dynamic options ---------------------------------------------------------------------------------------------
# Spreadsheets are Drive files (google_sheets_api); ``fields`` names what Drive answers, and its ``nextPageToken`` is
# absent on the last page (https://developers.google.com/drive/api/reference/rest/v3/files/list).


def _spreadsheets(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    body = drive_spreadsheets(ctx, {"pageSize": 100, "fields": "nextPageToken,files(id,name)",
                                    **({"pageToken": cursor} if cursor else {})})
    body = body if isinstance(body, dict) else {}
    return OptionPage(tuple(Option(str(f.get("name") or f["id"]), f["id"]) for f in body.get("files") or ()
                            if isinstance(f, dict) and f.get("id")), text(body.get("nextPageToken")))


def _tabs(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    spreadsheet = quote(required_input(values, "spreadsheetId", "spreadsheet_dropdown"), safe="")
    titles = [s.get("title") for s in sheet_properties(ctx, spreadsheet)]
    # The value is the tab's title: sheetName and sheet_dropdown name a tab by title here (see sheet_name, _range).
    return OptionPage(tuple(Option(str(t), str(t)) for t in titles if t))


SPREADSHEETS = OptionSource("Google spreadsheets", _spreadsheets)
TABS = OptionSource("sheets of the spreadsheet", _tabs)

_RANGE_ACTIONS = ("read_range", "write_range", "clear_range")  # a tab by sheet_dropdown only (or in the range)
_ROW_ACTIONS = ("append_row", "append_rows", "update_row", "get_row", "list_rows", "clear_row", "find_rows",
                "delete_row", "get_sheet")
_BOOK_ACTIONS = ("get_spreadsheet", "list_sheets")  # a spreadsheet, no tab

OPTIONS = property_options({
    SPREADSHEETS: [f"{a}.{p}" for a in (*_RANGE_ACTIONS, *_ROW_ACTIONS, *_BOOK_ACTIONS)
                   for p in ("spreadsheet_dropdown", "spreadsheetId")],
    TABS: [f"{a}.sheet_dropdown" for a in (*_RANGE_ACTIONS, *_ROW_ACTIONS)] + [f"{a}.sheetName" for a in _ROW_ACTIONS],
})

INTEGRATION = NativeIntegration(
    name="google-sheets",
    display_name="Google Sheets",
    description="Read, append, update, find, clear and delete rows and ranges; list, read and create spreadsheets.",
    actions=ACTIONS,
    auth_types=("OAUTH2",),
    default_base_url=SHEETS.default_base_url,
    options=OPTIONS,
    triggers=TRIGGERS,
)
