"""The google-sheets actions on whole spreadsheets and their tabs: list, read and create spreadsheets, list and read
tabs, delete a row.

Endpoints: ``spreadsheets.get`` ``GET /spreadsheets/{id}`` (``fields`` narrows the answer),
``spreadsheets.create`` ``POST /spreadsheets`` with ``properties.title`` and ``sheets[].properties.title``, and
``spreadsheets.batchUpdate`` ``POST /spreadsheets/{id}:batchUpdate`` with ``{requests: [...]}`` answering
``{spreadsheetId, replies}``: https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets (get, create,
batchUpdate). A row is deleted by ``deleteDimension`` over ``range: {sheetId, dimension: "ROWS", startIndex,
endIndex}``, zero-based and end-exclusive; the rows below move up
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request#DeleteDimensionRequest,
``DimensionRange``). Spreadsheets are listed from Drive's ``files.list`` (``name contains``; ``corpora=allDrives``
with ``includeItemsFromAllDrives`` and ``supportsAllDrives`` for shared drives:
https://developers.google.com/drive/api/reference/rest/v3/files/list), one page a call: ``{files, nextPageToken}``.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.integrations import google_sheets_api as api
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.google_api import drive_literal, page
from weavz_flow.integrations.http_spec import call, comma_list
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderRequest

FILE_FIELDS = "nextPageToken,files(id,name,modifiedTime,webViewLink)"


def list_spreadsheets(ctx: ActionContext, values: dict[str, Any]) -> Any:
    query: dict[str, Any] = {"pageSize": values.get("pageSize") or 100, "pageToken": values.get("pageToken"),
                             "fields": FILE_FIELDS}
    if values.get("query"):
        query["q"] = f"name contains {drive_literal(values['query'])}"
    if values.get("includeSharedDrives"):
        query.update(corpora="allDrives", includeItemsFromAllDrives=True, supportsAllDrives=True)
    return page(api.drive_spreadsheets(ctx, query), "files")


def get_spreadsheet(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call(ctx, api.SHEETS, ProviderRequest("GET", f"/spreadsheets/{api.spreadsheet_id(ctx, values)}")).body


def list_sheets(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return api.sheet_properties(ctx, api.spreadsheet_id(ctx, values))


def _find_sheet(ctx: ActionContext, values: dict[str, Any], spreadsheet: str) -> dict[str, Any]:
    """The tab ``sheetName`` / ``sheet_dropdown`` names, by title or by sheetId; the first tab when neither is set."""
    sheets = api.sheet_properties(ctx, spreadsheet)
    wanted = api.sheet_name(values)
    for sheet in sheets:
        if wanted is None or sheet.get("title") == wanted or str(sheet.get("sheetId")) == str(wanted):
            return sheet
    field = "sheetName" if values.get("sheetName") else "sheet_dropdown"
    titles = ", ".join(str(s.get("title")) for s in sheets) or "none"
    raise invalid_input(ctx, field, f"names no sheet of the spreadsheet (its sheets: {titles})")


def get_sheet(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _find_sheet(ctx, values, api.spreadsheet_id(ctx, values))


def delete_row(ctx: ActionContext, values: dict[str, Any]) -> Any:
    if values["confirmDelete"] is not True:
        raise invalid_input(ctx, "confirmDelete", "must be true: deleting a row moves the rows below it up")
    row = api.row_number(ctx, values, "rowNumber")
    spreadsheet = api.spreadsheet_id(ctx, values)
    sheet = _find_sheet(ctx, values, spreadsheet)
    dimension = {"sheetId": sheet.get("sheetId"), "dimension": "ROWS", "startIndex": row - 1, "endIndex": row}
    request = ProviderRequest("POST", f"/spreadsheets/{spreadsheet}:batchUpdate", has_json=True,
                              json={"requests": [{"deleteDimension": {"range": dimension}}]})
    return call(ctx, api.SHEETS, request).body


def create_spreadsheet(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body: dict[str, Any] = {"properties": {"title": values["title"]}}
    titles = comma_list(values["sheetTitles"]) if values.get("sheetTitles") else []
    if titles:
        body["sheets"] = [{"properties": {"title": t}} for t in titles]
    return call(ctx, api.SHEETS, ProviderRequest("POST", "/spreadsheets", json=body, has_json=True)).body
