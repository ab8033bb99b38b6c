"""Google Calendar: every catalog action executed through the engine (alias -> connection -> the Calendar stub),
asserting what Calendar received and what the action returned; page tokens, a Calendar error, a refused token,
custom_api_call."""

from __future__ import annotations

from tests.integrations.google_suite import assert_google_failure, assert_refused_token, google_fixtures
from tests.integrations.provider_suite import AliasedEngine
from tests.stubs.google import GOOGLE_TOKEN
from tests.stubs.google_calendar import CalendarStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

PREFIX = "/calendar/v3"
provider_server, provider_engine, stub, google = google_fixtures(CalendarStub, "google-calendar", PREFIX)
TEAM = "team@group.calendar.google.com"


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["google-calendar"].actions) == set(
        sdk_catalog.integration("google-calendar").actions)


def test_list_calendars_page_by_page(google: AliasedEngine, stub: CalendarStub) -> None:
    stub.page_size = 1
    first = google.run("list_calendars", {})
    req = stub.last
    assert (req.method, req.path, req.query, req.bearer) == ("GET", "/calendar/v3/users/me/calendarList", {},
                                                             GOOGLE_TOKEN)
    assert [c["id"] for c in first["items"]] == ["primary"] and first["nextPageToken"] == "1"
    last = google.run("list_calendars", {"pageToken": first["nextPageToken"]})
    assert stub.last.query == {"pageToken": "1"}
    assert [c["id"] for c in last["items"]] == [TEAM] and last["nextPageToken"] is None


def test_list_events_in_a_window_ordered_and_paged(google: AliasedEngine, stub: CalendarStub) -> None:
    window = {"calendarId": "primary", "timeMin": "2026-12-07T12:00:00Z", "timeMax": "2026-12-31T00:00:00Z",
              "singleEvents": True, "orderBy": "startTime", "maxResults": 1}
    first = google.run("list_events", window)
    req = stub.last
    assert (req.method, req.path) == ("GET", "/calendar/v3/calendars/primary/events")
    assert req.query == {"timeMin": "2026-12-07T12:00:00Z", "timeMax": "2026-12-31T00:00:00Z", "maxResults": "1",
                         "singleEvents": "true", "orderBy": "startTime"}
    assert [e["id"] for e in first["items"]] == ["evt-review"] and first["nextPageToken"] == "1"
    last = google.run("list_events", {**window, "pageToken": first["nextPageToken"]})
    assert stub.last.query["pageToken"] == "1"
    assert [e["id"] for e in last["items"]] == ["evt-retro"] and last["nextPageToken"] is None


def test_list_events_searches_with_q_and_encodes_the_calendar_id(google: AliasedEngine, stub: CalendarStub) -> None:
    out = google.run("list_events", {"calendarId": "primary", "query": "retro"})
    assert stub.last.query == {"q": "retro"} and [e["id"] for e in out["items"]] == ["evt-retro"]
    google.run("list_events", {"calendarId": TEAM})
    assert stub.last.raw_path == "/calendar/v3/calendars/team%40group.calendar.google.com/events"


def test_create_event_with_times_zone_and_attendees(google: AliasedEngine, stub: CalendarStub) -> None:
    out = google.run("create_event", {
        "calendarId": "primary", "summary": "Planning", "description": "Q1", "location": "Room 2",
        "startDateTime": "2027-01-04T10:00:00+01:00", "endDateTime": "2027-01-04T11:00:00+01:00",
        "timeZone": "Europe/Berlin", "attendees": "ada@example.com, bob@example.com"})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/calendar/v3/calendars/primary/events")
    assert req.json == {
        "summary": "Planning", "description": "Q1", "location": "Room 2",
        "start": {"dateTime": "2027-01-04T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2027-01-04T11:00:00+01:00", "timeZone": "Europe/Berlin"},
        "attendees": [{"email": "ada@example.com"}, {"email": "bob@example.com"}]}
    assert out["id"] in stub.events["primary"] and out["summary"] == "Planning" and out["status"] == "confirmed"


def test_update_event_patches_only_what_is_given(google: AliasedEngine, stub: CalendarStub) -> None:
    out = google.run("update_event", {"calendarId": "primary", "eventId": "evt-review", "summary": "Review (moved)",
                                      "startDateTime": "2026-12-08T15:00:00Z", "timeZone": "UTC"})
    req = stub.last
    assert (req.method, req.path) == ("PATCH", "/calendar/v3/calendars/primary/events/evt-review")
    assert req.json == {"summary": "Review (moved)", "start": {"dateTime": "2026-12-08T15:00:00Z", "timeZone": "UTC"}}
    assert out["summary"] == "Review (moved)" and out["end"]["dateTime"] == "2026-12-08T15:00:00Z"


def test_update_event_with_nothing_to_change_is_refused(google: AliasedEngine, stub: CalendarStub) -> None:
    alone = google.error("update_event", {"calendarId": "primary", "eventId": "evt-review", "timeZone": "UTC"})
    assert alone.code == ErrorCode.VALIDATION_ERROR and "timeZone" in alone.message
    empty = google.error("update_event", {"calendarId": "primary", "eventId": "evt-review"})
    assert empty.code == ErrorCode.VALIDATION_ERROR
    assert stub.requests == []


def test_get_and_delete_an_event(google: AliasedEngine, stub: CalendarStub) -> None:
    got = google.run("get_event", {"calendarId": "primary", "eventId": "evt-standup"})
    assert (stub.last.method, stub.last.path) == ("GET", "/calendar/v3/calendars/primary/events/evt-standup")
    assert got["summary"] == "Standup"
    out = google.run("delete_event", {"calendarId": "primary", "eventId": "evt-standup"})
    assert (stub.last.method, stub.last.path) == ("DELETE", "/calendar/v3/calendars/primary/events/evt-standup")
    assert out == {"eventId": "evt-standup", "deleted": True} and "evt-standup" not in stub.events["primary"]


def test_a_calendar_error_names_its_status_and_code(google: AliasedEngine, stub: CalendarStub) -> None:
    error = google.error("list_events", {"calendarId": "primary", "orderBy": "startTime"})
    assert_google_failure(error, 400, "INVALID_ARGUMENT", "The requested ordering is not available")
    missing = google.error("get_event", {"calendarId": "primary", "eventId": "evt-gone"})
    assert_google_failure(missing, 404, "NOT_FOUND", "Requested entity was not found.")


def test_a_refused_token_is_an_auth_failure_without_the_token(google: AliasedEngine, stub: CalendarStub) -> None:
    assert_refused_token(google, stub, PREFIX, "list_calendars", {})


def test_custom_api_call_joins_the_path_to_the_base(google: AliasedEngine, stub: CalendarStub) -> None:
    out = google.run("custom_api_call", {"url": "calendars/primary/events/evt-retro", "method": "PATCH",
                                         "body": {"location": "Room 1"}})
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("PATCH", "/calendar/v3/calendars/primary/events/evt-retro",
                                                  GOOGLE_TOKEN)
    assert req.json == {"location": "Room 1"} and out["body"]["location"] == "Room 1"
