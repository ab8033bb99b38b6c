"""A Google Sheets API v4 stub: values get/update/append/clear, spreadsheet metadata, spreadsheets.create and
batchUpdate's deleteDimension (tab ``n`` has sheetId ``n * 1000``), in memory.

Errors have Google's shape ``{"error": {"code", "message", "status"}}``; a wrong token is 401 UNAUTHENTICATED.
Seed data: spreadsheet ``sheet-1`` with tab ``Sheet1`` holding a header row (name, email, status) and two rows
(Ada/active, Bob/inactive), and an empty tab ``Log Book``; spreadsheet ``budget`` with tab ``Q1``. Ranges are A1
notation with an optional quoted sheet name. Drive's ``GET /drive/v3/files`` lists the spreadsheets (``q`` must ask
for the spreadsheet mime type, and may add ``name contains '...'``) with ``pageSize`` / ``pageToken`` /
``nextPageToken`` (``stub.page_size`` caps a page); ``stub.titles`` names them.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.google import GOOGLE_TOKEN, GoogleStub, google_error

SHEETS_TOKEN = GOOGLE_TOKEN
_VALUES = re.compile(r"^/spreadsheets/([^/]+)/values/(.+?)(?::(append|clear))?$")
_CELL = re.compile(r"^([A-Z]*)(\d*)$")


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


class BadRange(ValueError):
    pass


def parse_range(text: str, sheets: list[str]) -> tuple[str, int, int | None, int, int | None]:
    """(sheet, first row, last row, first column, last column), 0-based, ends inclusive; None means open."""
    sheet, sep, cells = text.rpartition("!")
    if not sep:
        if text.strip("'") in sheets:
            return text.strip("'"), 0, None, 0, None
        sheet, cells = sheets[0], text
    sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") and sheet.endswith("'") else sheet
    if sheet not in sheets:
        raise BadRange(text)
    start, _, end = cells.upper().partition(":")
    m1, m2 = _CELL.match(start), _CELL.match(end or start)
    if not m1 or not m2:
        raise BadRange(text)
    c1 = column_index(m1.group(1)) if m1.group(1) else 0
    r1 = int(m1.group(2)) - 1 if m1.group(2) else 0
    c2 = column_index(m2.group(1)) if m2.group(1) else None
    r2 = int(m2.group(2)) - 1 if m2.group(2) else None
    return sheet, r1, r2, c1, c2


def a1(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    name = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{column_letters(c1)}{r1 + 1}:{column_letters(c2)}{r2 + 1}"


class SheetsStub(GoogleStub):
    name = "google-sheets"

    def seed(self) -> None:
        self.spreadsheets: dict[str, dict[str, list[list[Any]]]] = {
            "sheet-1": {
                "Sheet1": [["name", "email", "status"], ["Ada", "ada@example.com", "active"],
                           ["Bob", "bob@example.com", "inactive"]],
                "Log Book": [],
            },
            "budget": {"Q1": []},
        }
        self.titles: dict[str, str] = {"sheet-1": "Team roster", "budget": "Budget 2026"}
        self.page_size = None  # None: a Drive page holds up to ``pageSize``

    def handle(self, request: RecordedRequest) -> Response:
        if request.path == "/drive/v3/files" and request.method == "GET":
            return self._drive_files(request)
        path = request.path.removeprefix("/v4")
        if path == "/spreadsheets" and request.method == "POST":
            return self._create(request)
        batch = re.match(r"^/spreadsheets/([^/:]+):batchUpdate$", path)
        if batch and request.method == "POST":
            return self._batch_update(batch.group(1), request)
        meta = re.match(r"^/spreadsheets/([^/]+)$", path)
        if meta and request.method == "GET":
            book = self.spreadsheets.get(meta.group(1))
            if book is None:
                return google_error(404, "Requested entity was not found.")
            return JSONResponse(self._book(meta.group(1)))
        m = _VALUES.match(path)
        if not m:
            return google_error(404, "Requested entity was not found.")
        spreadsheet_id, range_text, verb = m.groups()
        book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            return google_error(404, "Requested entity was not found.")
        try:
            sheet, r1, r2, c1, c2 = parse_range(range_text, list(book))
        except BadRange:
            return google_error(400, f"Unable to parse range: {range_text}")
        rows = book[sheet]
        if request.method in ("POST", "PUT") and verb != "clear":
            option = request.query.get("valueInputOption")
            if option not in ("RAW", "USER_ENTERED"):
                return google_error(400, "Invalid valueInputOption: must be RAW or USER_ENTERED")
            values = (request.json or {}).get("values")
            if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
                return google_error(400, "Invalid values: expected a list of rows")
            if verb == "append":
                r1 = len(rows)
            return self._write(spreadsheet_id, sheet, rows, r1, c1, values, append=verb == "append")
        if verb == "clear" and request.method == "POST":
            last = len(rows) - 1 if r2 is None else min(r2, len(rows) - 1)
            for r in range(r1, last + 1):
                row = rows[r]
                end = len(row) - 1 if c2 is None else min(c2, len(row) - 1)
                for c in range(c1, end + 1):
                    row[c] = ""
            return JSONResponse({"spreadsheetId": spreadsheet_id, "clearedRange": range_text})
        if request.method != "GET":
            return google_error(404, "Requested entity was not found.")
        last = len(rows) - 1 if r2 is None else min(r2, len(rows) - 1)
        picked = [row[c1: None if c2 is None else c2 + 1] for row in rows[r1: last + 1]]
        while picked and not any(v != "" for v in picked[-1]):
            picked.pop()
        body: dict[str, Any] = {"range": range_text, "majorDimension": request.query.get("majorDimension", "ROWS")}
        if picked:
            body["values"] = picked
        return JSONResponse(body)

    def _drive_files(self, request: RecordedRequest) -> Response:
        q = request.query.get("q", "")
        if "mimeType='application/vnd.google-apps.spreadsheet'" not in q:
            return google_error(400, "This stub lists spreadsheets only: give q with their mimeType")
        contains = re.search(r"name contains '((?:[^'\\]|\\.)*)'", q)
        wanted = re.sub(r"\\(.)", r"\1", contains.group(1)).lower() if contains else ""
        files = [{"id": i, "name": self.titles.get(i, i), "mimeType": "application/vnd.google-apps.spreadsheet",
                  "modifiedTime": "2026-12-01T09:00:00.000Z", "webViewLink": f"https://docs.google.com/spreadsheets/d/{i}"}
                 for i in self.spreadsheets if wanted in self.titles.get(i, i).lower()]
        return self.paged(request, files, "files", "pageSize", kind="drive#fileList")

    def _book(self, spreadsheet_id: str) -> dict[str, Any]:
        sheets = [{"properties": {"sheetId": self.sheet_ids(spreadsheet_id)[t], "title": t, "index": i,
                                  "sheetType": "GRID"}} for i, t in enumerate(self.spreadsheets[spreadsheet_id])]
        return {"spreadsheetId": spreadsheet_id, "properties": {"title": self.titles.get(spreadsheet_id, "Stub")},
                "sheets": sheets, "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"}

    def sheet_ids(self, spreadsheet_id: str) -> dict[str, int]:
        """Tab title -> sheetId (the first tab is 0, as Google numbers a new spreadsheet's first tab)."""
        return {t: i * 1000 for i, t in enumerate(self.spreadsheets[spreadsheet_id])}

    def _create(self, request: RecordedRequest) -> Response:
        body = request.json or {}
        title = (body.get("properties") or {}).get("title")
        if not title:
            return google_error(400, "Invalid requests: properties.title is required by this stub")
        tabs = [(s.get("properties") or {}).get("title") for s in body.get("sheets") or []] or ["Sheet1"]
        new_id = f"created-{len(self.spreadsheets)}"
        self.spreadsheets[new_id] = {str(t): [] for t in tabs}
        self.titles[new_id] = title
        return JSONResponse(self._book(new_id))

    def _batch_update(self, spreadsheet_id: str, request: RecordedRequest) -> Response:
        book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            return google_error(404, "Requested entity was not found.")
        by_id = {v: k for k, v in self.sheet_ids(spreadsheet_id).items()}
        replies: list[dict[str, Any]] = []
        for item in (request.json or {}).get("requests") or []:
            dimension = (item.get("deleteDimension") or {}).get("range") or {}
            tab = by_id.get(dimension.get("sheetId"))
            if tab is None or dimension.get("dimension") != "ROWS":
                return google_error(400, "Invalid requests[0]: this stub deletes ROWS of a known sheetId only")
            del book[tab][dimension["startIndex"]: dimension["endIndex"]]
            replies.append({})
        return JSONResponse({"spreadsheetId": spreadsheet_id, "replies": replies})

    def _write(self, spreadsheet_id: str, sheet: str, rows: list[list[Any]], r1: int, c1: int,
               values: list[list[Any]], *, append: bool) -> Response:
        for i, new in enumerate(values):
            while len(rows) <= r1 + i:
                rows.append([])
            row = rows[r1 + i]
            while len(row) < c1 + len(new):
                row.append("")
            row[c1: c1 + len(new)] = [str(v) if not isinstance(v, str) else v for v in new]
        width = max((len(r) for r in values), default=0)
        updated = {
            "spreadsheetId": spreadsheet_id,
            "updatedRange": a1(sheet, r1, c1, r1 + len(values) - 1, c1 + max(width, 1) - 1),
            "updatedRows": len(values),
            "updatedColumns": width,
            "updatedCells": sum(len(r) for r in values),
        }
        if append:
            return JSONResponse({"spreadsheetId": spreadsheet_id, "tableRange": sheet, "updates": updated})
        return JSONResponse(updated)

