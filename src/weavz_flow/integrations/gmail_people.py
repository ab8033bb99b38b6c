"""The gmail actions on contacts, over the People API with the same Google token.

Endpoints (https://developers.google.com/people/api/rest/v1/...): ``people.connections/list`` ``GET
/people/me/connections`` with ``personFields`` (required), ``pageSize``, ``pageToken``, ``sortOrder``, answering
``connections``, ``nextPageToken`` and ``totalPeople``; ``people/get`` ``GET /{resourceName}`` with
``personFields``; ``otherContacts/list`` ``GET /otherContacts`` with ``readMask``, ``pageSize``, ``pageToken``
(``otherContacts``, ``nextPageToken``); ``people/searchContacts`` ``GET /people:searchContacts`` with ``query``,
``pageSize``, ``readMask`` (``results[].person``). Without ``personFields`` these ask for names, email addresses and
phone numbers, fields every one of them accepts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.gmail_api import GMAIL, PEOPLE_BASE_URL
from weavz_flow.integrations.google_api import google_url
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderRequest

DEFAULT_FIELDS = "names,emailAddresses,phoneNumbers"


def _people(ctx: ActionContext, path: str, **query: Any) -> Any:
    return call(ctx, GMAIL, ProviderRequest("GET", google_url(ctx, GMAIL, PEOPLE_BASE_URL + path), query=query)).body


def _fields(values: dict[str, Any]) -> str:
    return str(values.get("personFields") or DEFAULT_FIELDS)


def get_contacts(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = _people(ctx, "/people/me/connections", personFields=_fields(values), pageSize=values.get("pageSize"),
                   pageToken=values.get("pageToken"), sortOrder=values.get("sortOrder"))
    body = body if isinstance(body, dict) else {}
    return {"connections": body.get("connections") or [], "nextPageToken": body.get("nextPageToken"),
            "totalPeople": body.get("totalPeople", 0)}


def get_people(ctx: ActionContext, values: dict[str, Any]) -> Any:
    if values.get("otherContacts"):
        body = _people(ctx, "/otherContacts", readMask=_fields(values), pageSize=values.get("pageSize"),
                       pageToken=values.get("pageToken"))
        body = body if isinstance(body, dict) else {}
        return {"otherContacts": body.get("otherContacts") or [], "nextPageToken": body.get("nextPageToken")}
    name = str(values.get("resourceName") or "people/me")
    if not name.startswith("people/"):
        raise invalid_input(ctx, "resourceName", "must be people/me or people/<id>")
    return _people(ctx, "/people/" + quote(name.removeprefix("people/"), safe=""), personFields=_fields(values))


def search_people(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = _people(ctx, "/people:searchContacts", query=values["query"], pageSize=values.get("pageSize"),
                   readMask=_fields(values))
    return {"results": (body.get("results") if isinstance(body, dict) else None) or []}
