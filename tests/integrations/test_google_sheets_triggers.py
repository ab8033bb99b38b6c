"""Google Sheets' polling triggers against the Sheets stub over real HTTP: rows added at the end (also after rows
above were deleted), rows whose cells changed (not rows that only moved), the header row, failures that keep the
cursor, and a refused token never shown."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integrations.polling import Poller
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.google_sheets import INTEGRATION
from weavz_flow.integrations.google_sheets_triggers import DIGEST_CHARS, MAX_TRACKED_ROWS

ROSTER = {"spreadsheetId": "sheet-1", "sheetName": "Sheet1", "headerRow": 1}


@pytest.fixture
def poller(http: httpx.Client, sheets_stub: SheetsStub) -> Poller:
    return Poller(http, INTEGRATION, sheets_stub.url, SHEETS_TOKEN, dict(ROSTER))


def rows(stub: SheetsStub) -> list[list[Any]]:
    return stub.spreadsheets["sheet-1"]["Sheet1"]


def test_the_integration_lists_its_two_polling_triggers() -> None:
    triggers = INTEGRATION.catalog_entry().triggers
    assert sorted(triggers) == ["new_row", "updated_row"]
    assert all(t.required == ("spreadsheetId",) and t.sample_data["rowNumber"] for t in triggers.values())


def test_rows_added_at_the_end_fire_in_order_with_their_record(poller: Poller, sheets_stub: SheetsStub) -> None:
    cursor = poller.baseline("new_row")
    rows(sheets_stub).extend([["Cy", "cy@example.com", "active"], ["Di", "di@example.com", "active"]])
    result = poller.poll("new_row", cursor)
    assert [e.data for e in result.events] == [
        {"rowNumber": 4, "values": ["Cy", "cy@example.com", "active"],
         "record": {"name": "Cy", "email": "cy@example.com", "status": "active"}},
        {"rowNumber": 5, "values": ["Di", "di@example.com", "active"],
         "record": {"name": "Di", "email": "di@example.com", "status": "active"}}]
    assert sheets_stub.last.path == "/spreadsheets/sheet-1/values/Sheet1"
    assert poller.poll("new_row", result.cursor).events == []


def test_a_row_added_after_rows_above_were_deleted_fires_alone(poller: Poller,
                                                               sheets_stub: SheetsStub) -> None:
    cursor = poller.baseline("new_row")
    del rows(sheets_stub)[1]  # Ada goes; Bob, the last row seen, moves up to row 2
    rows(sheets_stub).append(["Eve", "eve@example.com", "active"])
    result = poller.poll("new_row", cursor)
    assert [(e.data["rowNumber"], e.data["values"][0]) for e in result.events] == [(3, "Eve")]


def test_the_same_row_added_again_is_a_new_event(poller: Poller, sheets_stub: SheetsStub) -> None:
    cursor = poller.baseline("new_row")
    rows(sheets_stub).append(["Cy", "cy@example.com", "active"])
    first = poller.poll("new_row", cursor)
    rows(sheets_stub).pop()
    cursor = poller.poll("new_row", first.cursor).cursor
    rows(sheets_stub).append(["Cy", "cy@example.com", "active"])
    again = poller.poll("new_row", cursor)
    assert len(again.events) == 1 and again.events[0].id != first.events[0].id


def test_without_a_header_row_the_first_tab_and_every_row_are_watched(poller: Poller,
                                                                      sheets_stub: SheetsStub) -> None:
    input = {"spreadsheetId": "sheet-1"}
    cursor = poller.baseline("new_row", input)
    rows(sheets_stub).append(["Cy"])
    events = poller.poll("new_row", cursor, input).events
    assert [e.data for e in events] == [{"rowNumber": 4, "values": ["Cy"]}]


def test_changed_rows_fire_and_rows_that_only_moved_do_not(poller: Poller, sheets_stub: SheetsStub) -> None:
    rows(sheets_stub).append(["Cy", "cy@example.com", "active"])
    cursor = poller.baseline("updated_row")
    rows(sheets_stub)[2][2] = "active"  # Bob changes
    result = poller.poll("updated_row", cursor)
    assert [(e.data["rowNumber"], e.data["record"]["status"]) for e in result.events] == [(3, "active")]
    assert poller.poll("updated_row", result.cursor).events == []
    del rows(sheets_stub)[1]  # Ada deleted: Bob and Cy move up, unchanged
    rows(sheets_stub).append(["Di", "di@example.com", "active"])  # a new row is new_row's
    assert poller.poll("updated_row", result.cursor).events == []


def test_a_header_edit_never_fires_and_a_row_changed_back_fires_again(poller: Poller,
                                                                      sheets_stub: SheetsStub) -> None:
    cursor = poller.baseline("updated_row")
    rows(sheets_stub)[0][2] = "state"
    assert poller.poll("updated_row", cursor).events == []
    ids = []
    for status in ("paused", "active", "paused"):
        rows(sheets_stub)[1][2] = status
        result = poller.poll("updated_row", cursor)
        cursor = result.cursor
        ids.extend(e.id for e in result.events)
    assert len(ids) == 3 and len(set(ids)) == 3


def test_the_row_digests_are_bounded(poller: Poller, sheets_stub: SheetsStub) -> None:
    rows(sheets_stub).extend([[f"user{n}", f"u{n}@example.com"] for n in range(MAX_TRACKED_ROWS + 10)])
    cursor = poller.baseline("updated_row")
    assert len(cursor["digests"]) == MAX_TRACKED_ROWS * DIGEST_CHARS


@pytest.mark.parametrize("name", ["new_row", "updated_row"])
def test_a_failed_poll_raises_and_the_old_cursor_still_finds_the_events(poller: Poller,
                                                                        sheets_stub: SheetsStub, name: str) -> None:
    cursor = poller.baseline(name)
    rows(sheets_stub)[2][2] = "active"
    rows(sheets_stub).append(["Cy", "cy@example.com", "active"])
    sheets_stub.fail_next(500)
    with pytest.raises(ApiError) as caught:
        poller.poll(name, cursor)
    assert caught.value.code == ErrorCode.ACTION_FAILED and (caught.value.details or {})["providerStatus"] == 500
    assert len(poller.poll(name, cursor).events) == 1


def test_a_missing_spreadsheet_and_a_refused_token_fail_without_the_token(poller: Poller,
                                                                          sheets_stub: SheetsStub) -> None:
    with pytest.raises(ApiError) as missing:
        poller.baseline("new_row", {**ROSTER, "spreadsheetId": "nope"})
    assert (missing.value.details or {})["providerStatus"] == 404
    cursor = poller.baseline("new_row")
    canary = "ya29.CANARY-trigger-token-never-shown"
    with pytest.raises(ApiError) as refused:
        poller.poll("new_row", cursor, token=canary)
    assert (refused.value.details or {})["providerStatus"] == 401
    assert canary not in f"{refused.value} {refused.value!r} {refused.value.to_body()}"


def test_a_header_row_sent_as_a_float_is_its_whole_number_and_a_bad_one_is_refused(poller: Poller,
                                                                                    sheets_stub: SheetsStub) -> None:
    cursor = poller.baseline("new_row", headerRow=1.0)
    rows(sheets_stub).append(["Cy", "cy@example.com", "active"])
    assert poller.poll("new_row", cursor, headerRow=1.0).events[0].data["record"]["name"] == "Cy"
    sheets_stub.requests.clear()
    with pytest.raises(ApiError) as caught:
        poller.baseline("new_row", headerRow=0)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR and sheets_stub.requests == []
