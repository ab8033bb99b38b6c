"""Google Calendar (https://developers.google.com/calendar/api/v3/reference): calendars and events over Calendar API
v3 with the connection's Google OAuth token.

Endpoints (https://developers.google.com/calendar/api/v3/reference/...): ``calendarList/list`` ``GET
/users/me/calendarList`` with ``pageToken``; ``events/list`` ``GET /calendars/{calendarId}/events`` with
``timeMin``, ``timeMax`` (RFC 3339), ``maxResults``, ``pageToken``, ``q``, ``singleEvents`` and ``orderBy``
(``startTime`` needs ``singleEvents``); ``events/get`` ``GET``, ``events/insert`` ``POST`` and ``events/patch``
``PATCH /calendars/{calendarId}/events/{eventId}`` (patch changes only the fields sent), ``events/delete``
``DELETE`` (an empty answer). An event's times are ``start`` / ``end`` objects of ``dateTime`` (RFC 3339) and
``timeZone`` (IANA), its guests ``attendees: [{email}]`` (https://developers.google.com/calendar/api/v3/reference/events).
Lists answer ``items`` and ``nextPageToken`` (absent on the last page).

``list_calendars`` and ``list_events`` answer one page: ``{items, nextPageToken}``. A deleted event answers
``{eventId, deleted: true}``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.google_api import GOOGLEAPIS, google_profile, page
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, comma_list, spec_actions, wire
from weavz_flow.integrations.native_action import invalid_input

CALENDAR = google_profile("google-calendar", "Google Calendar", f"{GOOGLEAPIS}/calendar/v3")

EVENT = "/calendars/{calendarId}/events/{eventId}"
LIST_CALENDARS = HttpSpec("GET", "/users/me/calendarList", query=wire("pageToken"), output=lambda b: page(b, "items"))
LIST_EVENTS = HttpSpec("GET", "/calendars/{calendarId}/events",
                       query=wire("timeMin", "timeMax", "maxResults", "pageToken", "singleEvents", "orderBy",
                                  q="query"),
                       output=lambda b: page(b, "items"))
DELETE_EVENT = HttpSpec("DELETE", EVENT)
INSERT_EVENT = HttpSpec("POST", "/calendars/{calendarId}/events")
PATCH_EVENT = HttpSpec("PATCH", EVENT)


def _time(values: dict[str, Any], field: str) -> dict[str, Any] | None:
    if not values.get(field):
        return None
    time: dict[str, Any] = {"dateTime": values[field]}
    if values.get("timeZone"):
        time["timeZone"] = values["timeZone"]
    return time


def _event(values: dict[str, Any]) -> dict[str, Any]:
    event = {k: values[k] for k in ("summary", "description", "location") if values.get(k)}
    for wire_name, field in (("start", "startDateTime"), ("end", "endDateTime")):
        time = _time(values, field)
        if time is not None:
            event[wire_name] = time
    if values.get("attendees"):
        event["attendees"] = [{"email": e} for e in comma_list(values["attendees"])]
    return event


def _send_event(ctx: ActionContext, spec: HttpSpec, values: dict[str, Any], event: dict[str, Any]) -> Any:
    """The event resource is the whole body: the spec renders only the path."""
    return call(ctx, CALENDAR, replace(spec.render(values), json=event, has_json=True)).body


def create_event(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _send_event(ctx, INSERT_EVENT, values, _event(values))


def update_event(ctx: ActionContext, values: dict[str, Any]) -> Any:
    event = _event(values)
    if values.get("timeZone") and "start" not in event and "end" not in event:
        raise invalid_input(ctx, "timeZone", "applies to startDateTime or endDateTime: give one of them with it")
    if not event:
        raise invalid_input(ctx, "summary", "nothing to update: give at least one field of the event")
    return _send_event(ctx, PATCH_EVENT, values, event)


def delete_event(ctx: ActionContext, values: dict[str, Any]) -> Any:
    call_spec(ctx, CALENDAR, DELETE_EVENT, values)
    return {"eventId": values["eventId"], "deleted": True}


ACTIONS = spec_actions(CALENDAR, {
    "list_calendars": LIST_CALENDARS,
    "list_events": LIST_EVENTS,
    "create_event": create_event,
    "update_event": update_event,
    "delete_event": delete_event,
    "get_event": HttpSpec("GET", EVENT),
})
ACTIONS["custom_api_call"] = plain_custom_api_call(CALENDAR)

INTEGRATION = NativeIntegration(
    name="google-calendar",
    display_name="Google Calendar",
    description="List calendars; list, create, update, read and delete events in Google Calendar.",
    actions=ACTIONS,
    auth_types=("OAUTH2",),
    default_base_url=CALENDAR.default_base_url,
)
