"""A Google Calendar API v3 stub: the calendar list and events (list, get, insert, patch, delete), in memory.

Seed data: calendars ``primary`` (ada@example.com, the primary one) and ``team@group.calendar.google.com``; on
``primary`` the events ``evt-standup`` (2026-12-07 09:00-09:15 UTC), ``evt-review`` (2026-12-08 14:00-15:00 UTC) and
``evt-retro`` (2026-12-10 16:00-17:00 UTC). ``timeMin`` / ``timeMax`` bound an event's end / start as Google does,
``q`` matches summary and description, ``orderBy=startTime`` needs ``singleEvents=true`` (else 400, as Google
answers). Pages by ``maxResults`` (250 by default) and ``pageToken``. An event needs ``start`` and ``end`` with a
``dateTime`` (or ``date``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.google import GoogleStub, google_error, not_found


def _event(event_id: str, summary: str, start: str, end: str) -> dict[str, Any]:
    return {"kind": "calendar#event", "id": event_id, "status": "confirmed", "summary": summary,
            "start": {"dateTime": start, "timeZone": "UTC"}, "end": {"dateTime": end, "timeZone": "UTC"},
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}"}


class CalendarStub(GoogleStub):
    name = "google-calendar"

    def seed(self) -> None:
        self.calendars: list[dict[str, Any]] = [
            {"kind": "calendar#calendarListEntry", "id": "primary", "summary": "ada@example.com",
             "timeZone": "Europe/Berlin", "accessRole": "owner", "primary": True},
            {"kind": "calendar#calendarListEntry", "id": "team@group.calendar.google.com", "summary": "Team",
             "timeZone": "Europe/Berlin", "accessRole": "writer"},
        ]
        self.events: dict[str, dict[str, dict[str, Any]]] = {
            "primary": {e["id"]: e for e in (
                _event("evt-standup", "Standup", "2026-12-07T09:00:00Z", "2026-12-07T09:15:00Z"),
                _event("evt-review", "Design review", "2026-12-08T14:00:00Z", "2026-12-08T15:00:00Z"),
                _event("evt-retro", "Retro", "2026-12-10T16:00:00Z", "2026-12-10T17:00:00Z"),
            )},
            "team@group.calendar.google.com": {},
        }
        self.page_size = None

    def handle(self, request: RecordedRequest) -> Response:
        path = request.path.removeprefix("/calendar/v3")
        if path == "/users/me/calendarList" and request.method == "GET":
            return self.paged(request, self.calendars, "items", "maxResults", kind="calendar#calendarList")
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "calendars" or parts[2] != "events":
            return not_found()
        events = self.events.get(parts[1])
        if events is None:
            return not_found()
        if len(parts) == 3:
            return self._list(request, events) if request.method == "GET" else self._insert(request, events)
        event = events.get(parts[3])
        if event is None or len(parts) > 4:
            return not_found()
        if request.method == "GET":
            return JSONResponse(event)
        if request.method == "DELETE":
            del events[parts[3]]
            return Response(status_code=204)
        if request.method == "PATCH":
            event.update(request.json or {})
            return JSONResponse(event)
        return not_found()

    def _list(self, request: RecordedRequest, events: dict[str, dict[str, Any]]) -> Response:
        q = request.query
        if q.get("orderBy") == "startTime" and q.get("singleEvents") != "true":
            return google_error(400, "The requested ordering is not available for the particular query.")
        found = [e for e in events.values()
                 if (not q.get("timeMin") or e["end"]["dateTime"] > q["timeMin"])
                 and (not q.get("timeMax") or e["start"]["dateTime"] < q["timeMax"])
                 and (not q.get("q") or q["q"].lower() in (e["summary"] + e.get("description", "")).lower())]
        if q.get("orderBy") == "startTime":
            found.sort(key=lambda e: e["start"]["dateTime"])
        return self.paged(request, found, "items", "maxResults", default_size=250, kind="calendar#events")

    def _insert(self, request: RecordedRequest, events: dict[str, dict[str, Any]]) -> Response:
        if request.method != "POST":
            return not_found()
        body = request.json or {}
        if not all(isinstance(body.get(k), dict) and (body[k].get("dateTime") or body[k].get("date"))
                   for k in ("start", "end")):
            return google_error(400, "Missing end time.")
        event_id = f"evt-new-{len(events)}"
        events[event_id] = {**_event(event_id, "", "", ""), **body}
        return JSONResponse(events[event_id])
