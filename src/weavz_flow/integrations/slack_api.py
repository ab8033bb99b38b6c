"""Slack's Web API as a provider profile: ``https://slack.com/api/<method>`` with the connection's token as bearer.

Slack answers HTTP 200 with ``{"ok": false, "error": "channel_not_found"}`` when a call fails; that becomes
ACTION_FAILED with ``providerError`` (and Slack's ``needed``/``provided`` scopes, ``response_metadata.messages``).
Listings page with ``cursor`` and ``limit`` and answer ``response_metadata.next_cursor``, empty on the last page; a
page may hold fewer items than asked even when more follow.
Sources: https://api.slack.com/web (calling methods, errors), https://api.slack.com/apis/pagination (cursors).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.options import text
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile, ProviderRequest


def slack_fault(body: Any) -> ProviderFault | None:
    if not isinstance(body, dict) or body.get("ok") is not False:
        return None
    error = str(body.get("error") or "unknown_error")
    details: dict[str, Any] = {"providerError": error}
    for key in ("needed", "provided", "warning"):
        if key in body:
            details[key] = body[key]
    messages = (body.get("response_metadata") or {}).get("messages")
    if messages:
        details["providerMessages"] = messages
    return ProviderFault(error, details)


SLACK = ProviderProfile(
    name="slack",
    display_name="Slack",
    default_base_url="https://slack.com/api",
    error_fault=slack_fault,
    body_fault=slack_fault,
)

PAGE = 200  # items asked per page (Slack allows up to 1000 and recommends at most 200)


def get(ctx: ActionContext, method: str, query: Mapping[str, Any]) -> dict[str, Any]:
    """One read method, its arguments in the query."""
    body = call(ctx, SLACK, ProviderRequest("GET", method, query=query)).body
    return body if isinstance(body, dict) else {}


def post(ctx: ActionContext, method: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """One write method, its arguments as a JSON body."""
    answer = call(ctx, SLACK, ProviderRequest("POST", method, json=dict(body), has_json=True)).body
    return answer if isinstance(answer, dict) else {}


def page(ctx: ActionContext, method: str, query: Mapping[str, Any], cursor: str | None) -> dict[str, Any]:
    return get(ctx, method, {**query, "limit": PAGE, **({"cursor": cursor} if cursor else {})})


def next_cursor(body: Mapping[str, Any]) -> str | None:
    return text((body.get("response_metadata") or {}).get("next_cursor"))


def every(ctx: ActionContext, method: str, key: str, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The items under ``key`` of every page of a cursor listing, fetched as they are read."""
    cursor: str | None = None
    while True:
        body = page(ctx, method, query, cursor)
        yield from (item for item in body.get(key) or () if isinstance(item, dict))
        cursor = next_cursor(body)
        if not cursor:
            return
