"""Google Sheets' POLLING triggers over one tab: ``new_row`` (rows added at the end) and ``updated_row`` (rows whose
cells changed).

Inputs are the row actions': ``spreadsheetId``, ``sheetName`` (the first tab when not given) and ``headerRow``
(rows at or above it are never events; below it, each event's ``record`` maps the header names to the cells). An
event's data is the row actions' row, ``{rowNumber, values, record?}``. Facts, from developers.google.com/sheets:

- api/reference/rest/v4/spreadsheets.values/get: ``GET /v4/spreadsheets/{id}/values/{range}`` answers a ValueRange
  whose ``values`` holds the rows; empty trailing rows and columns are left out (so the last row returned is the
  last non-empty one), an empty row inside the data is ``[]``.
- api/guides/concepts (A1 notation): a range that is a sheet's name alone (``Sheet1``, ``'My Sheet'``) means every
  cell of that sheet.

Each poll reads the tab once. ``new_row`` keeps the row count and the digest of the last row seen: when rows above
were deleted, that row is found again by its digest and only rows after it fire. ``updated_row`` keeps one digest
per row (:data:`MAX_TRACKED_ROWS` rows, 8 hex characters each, one string: at most 16 KB) and aligns them with the
tab's (:func:`changed_rows`): a row changed in place fires; rows that only moved (a row deleted or inserted above)
and rows added are not updates (added rows are ``new_row``'s). Rows past the bound are not watched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.google_sheets_api import SHEETS, row_output, sheet_name, values_path
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderRequest
from weavz_flow.integrations.sheet_ranges import sheet_range
from weavz_flow.integrations.trigger_base import Cursor, NativeTrigger, PollResult, TriggerEvent

MAX_TRACKED_ROWS = 2000
DIGEST_CHARS = 8

FIELDS = (
    InputField("spreadsheetId", "string", required=True, display_name="Spreadsheet",
               description="The spreadsheet's id (from its URL: /spreadsheets/d/<id>/edit)."),
    InputField("sheetName", "string", display_name="Sheet", description="The tab to watch; default: the first."),
    InputField("headerRow", "integer", display_name="Header row",
               description="The row holding the column names (1-based); rows up to it never fire."),
)

SAMPLE_ROW: dict[str, Any] = {"rowNumber": 4, "values": ["Grace", "grace@example.com", "active"],
                              "record": {"name": "Grace", "email": "grace@example.com", "status": "active"}}


def digest(cells: list[Any]) -> str:
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()[:DIGEST_CHARS]


@dataclass(frozen=True, slots=True)
class Tab:
    rows: list[list[Any]]
    header_row: int | None

    @classmethod
    def read(cls, ctx: ActionContext, input: Mapping[str, Any]) -> Tab:
        header = input.get("headerRow")
        if isinstance(header, float) and header.is_integer():
            header = int(header)  # the SDK sends every number as a float
        if header is not None and (not isinstance(header, int) or isinstance(header, bool) or header < 1):
            raise invalid_input(ctx, "headerRow", "must be a whole number from 1")
        path = values_path(ctx, input, sheet_range(sheet_name(input)))
        body = call(ctx, SHEETS, ProviderRequest("GET", path)).body
        values = body.get("values") if isinstance(body, dict) else None
        rows = [r if isinstance(r, list) else [] for r in values or ()]
        return cls(rows, header)

    def events(self, indexes: list[int], cursor: Cursor) -> tuple[list[TriggerEvent], int]:
        """The rows at 0-based ``indexes`` as events, and the cursor's count of events after them. An id names the
        row, its content and that count: a row that changes back and forth fires each time, and the same cursor
        gives the same ids (a poll retried after a failure repeats nothing)."""
        fired = _whole(cursor, "fired")
        headers = None
        if self.header_row is not None and self.header_row <= len(self.rows):
            headers = [str(c) for c in self.rows[self.header_row - 1]]
        events = [TriggerEvent(f"{i + 1}:{digest(self.rows[i])}:{fired + n + 1}",
                               row_output(i + 1, self.rows[i], headers))
                  for n, i in enumerate(i for i in indexes if self.fires(i))]
        return events, fired + len(events)

    def fires(self, index: int) -> bool:
        return self.header_row is None or index >= self.header_row


@dataclass(frozen=True)
class NewRow:
    info: TriggerInfo

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        return self._cursor(Tab.read(ctx, input))

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        tab = Tab.read(ctx, input)
        events, fired = tab.events(list(range(self._first_new(tab, cursor), len(tab.rows))), cursor)
        return PollResult(events, {**self._cursor(tab), "fired": fired})

    @staticmethod
    def _cursor(tab: Tab) -> Cursor:
        return {"rows": len(tab.rows), "last": digest(tab.rows[-1]) if tab.rows else None, "fired": 0}

    @staticmethod
    def _first_new(tab: Tab, cursor: Cursor) -> int:
        """The index of the first row added since ``cursor``: after the last row seen, where it is now."""
        count = _whole(cursor, "rows")
        last = cursor.get("last")
        if not count or last is None:
            return 0
        if count <= len(tab.rows) and digest(tab.rows[count - 1]) == last:
            return count
        for index in range(min(count, len(tab.rows)) - 1, -1, -1):  # rows above were deleted: it moved up
            if digest(tab.rows[index]) == last:
                return index + 1
        return min(count, len(tab.rows))  # the last row seen was edited or deleted: rows past the old count are new


@dataclass(frozen=True)
class UpdatedRow:
    info: TriggerInfo

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        return {"digests": _digests(Tab.read(ctx, input)), "fired": 0}

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        tab = Tab.read(ctx, input)
        stored = cursor.get("digests")
        now = _digests(tab)
        events, fired = tab.events(changed_rows(_chunks(stored if isinstance(stored, str) else ""), _chunks(now)),
                                   cursor)
        return PollResult(events, {"digests": now, "fired": fired})


def changed_rows(before: list[str], after: list[str]) -> list[int]:
    """The indexes in ``after`` of rows changed in place: the two digest lists are aligned by their longest common
    runs (difflib), so rows deleted, inserted or only moved are not changes; a run of old rows replaced by new ones
    is, pair by pair (replacing more rows than there were adds the rest)."""
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    return [j for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag == "replace"
            for j in range(j1, j1 + min(i2 - i1, j2 - j1))]


def _whole(cursor: Cursor, key: str) -> int:
    value = cursor.get(key)
    return value if isinstance(value, int) and value >= 0 else 0


def _chunks(digests: str) -> list[str]:
    return [digests[i:i + DIGEST_CHARS] for i in range(0, len(digests), DIGEST_CHARS)]


def _digests(tab: Tab) -> str:
    return "".join(digest(row) for row in tab.rows[:MAX_TRACKED_ROWS])


def _trigger_info(name: str, display_name: str, description: str) -> TriggerInfo:
    return TriggerInfo(integration="google-sheets", name=name, display_name=display_name, description=description,
                       fields=FIELDS, type="POLLING", sample_data=SAMPLE_ROW)


TRIGGERS: dict[str, NativeTrigger] = {
    "new_row": NewRow(_trigger_info("new_row", "New Row", "Fires when a row is added at the end of the sheet.")),
    "updated_row": UpdatedRow(_trigger_info("updated_row", "Updated Row",
                                            "Fires when the cells of an existing row of the sheet change.")),
}
