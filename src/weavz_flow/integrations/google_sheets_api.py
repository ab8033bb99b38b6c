"""The Google Sheets API as the google-sheets actions reach it: the provider profile, a spreadsheet's id from its
input fields, a spreadsheet's tabs, and Drive's file list, where spreadsheets are listed.

Drive is Google's API on another host than Sheets; the connection's OAuth token is Google's for both. With a base URL
override (a proxy, a test stub) Drive is asked on that same host (``google_api.google_url``).
A spreadsheet's tabs come from spreadsheets.get with ``fields=sheets.properties`` (``sheets[].properties.title``,
``sheetId``, ``index``): https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/get
(SheetProperties). Spreadsheets are the Drive files of mimeType ``application/vnd.google-apps.spreadsheet``:
https://developers.google.com/drive/api/reference/rest/v3/files/list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.google_api import DRIVE_BASE_URL, google_profile, google_url
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input, require_value
from weavz_flow.integrations.provider import ProviderRequest

SHEETS = google_profile("google-sheets", "Google Sheets", "https://sheets.googleapis.com/v4", DRIVE_BASE_URL)
DRIVE_FILES_URL = f"{DRIVE_BASE_URL}/files"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


def spreadsheet_id(ctx: ActionContext, values: Mapping[str, Any]) -> str:
    """The spreadsheet (``spreadsheetId`` or ``spreadsheet_dropdown``), percent-encoded for a path."""
    return quote(str(require_value(ctx, values, "spreadsheetId", "spreadsheet_dropdown")), safe="")


def values_path(ctx: ActionContext, values: Mapping[str, Any], range_text: str, verb: str = "") -> str:
    """The values endpoint of ``range_text`` (A1 notation) of the input's spreadsheet, plus ``:append`` etc."""
    return f"/spreadsheets/{spreadsheet_id(ctx, values)}/values/{quote(range_text, safe='')}{verb}"


def drive_files_url(ctx: ActionContext) -> str:
    return google_url(ctx, SHEETS, DRIVE_FILES_URL)


def drive_spreadsheets(ctx: ActionContext, query: Mapping[str, Any]) -> Any:
    """One page of Drive's list of spreadsheets; ``query`` adds to (or, for ``q``, narrows) the request."""
    q = f"mimeType='{SPREADSHEET_MIME}' and trashed=false"
    full = {**query, "q": f"{q} and {query['q']}" if query.get("q") else q}
    return call(ctx, SHEETS, ProviderRequest("GET", drive_files_url(ctx), query=full)).body


def sheet_properties(ctx: ActionContext, spreadsheet: str) -> list[dict[str, Any]]:
    """The properties of each tab of ``spreadsheet`` (an encoded id), in order."""
    body = call(ctx, SHEETS, ProviderRequest("GET", f"/spreadsheets/{spreadsheet}",
                                             query={"fields": "sheets.properties"})).body
    sheets = body.get("sheets") if isinstance(body, dict) else None
    return [s["properties"] for s in sheets or () if isinstance(s, dict) and isinstance(s.get("properties"), dict)]


def sheet_name(values: Mapping[str, Any]) -> str | None:
    """The tab (``sheetName`` or ``sheet_dropdown``); None: the first."""
    return values.get("sheetName") or values.get("sheet_dropdown") or None


def row_number(ctx: ActionContext, values: Mapping[str, Any], field: str) -> int:
    row = values[field]
    if not isinstance(row, int) or row < 1:
        raise invalid_input(ctx, field, "must be a whole number from 1")
    return row


def row_output(number: int, cells: list[Any], headers: list[str] | None) -> dict[str, Any]:
    """A row as the row actions and triggers give it: ``rowNumber`` (1-based), ``values`` and, with a header row,
    ``record`` (header name -> value)."""
    out: dict[str, Any] = {"rowNumber": number, "values": cells}
    if headers is not None:
        out["record"] = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
    return out
