"""What the Microsoft 365 integrations (Outlook, Teams, Excel, OneDrive) share: Microsoft Graph v1.0, how it reports
a failure, how its lists page, and the recipient and OData literal forms several actions send.

Facts, each with its source:

- Every integration calls Microsoft Graph at ``https://graph.microsoft.com/v1.0`` with the OAuth 2.0 access token as
  ``Authorization: Bearer``: https://learn.microsoft.com/en-us/graph/use-the-api (the request's version and resource),
  https://learn.microsoft.com/en-us/graph/auth-v2-user (using the access token). The Microsoft identity platform's
  endpoints and each integration's scopes are in ``oauth_providers.yaml``, one Microsoft block shared by all four.
- A failure is answered with ``{"error": {"code", "message", "innerError": {"request-id", "date", ...}}}``; ``code``
  names the failure (``InvalidAuthenticationToken``, ``itemNotFound``, ``ErrorItemNotFound``...):
  https://learn.microsoft.com/en-us/graph/errors (Error resource type).
- A collection answers ``{"value": [...]}`` and, when more remain, ``@odata.nextLink``: the absolute URL of the next
  page, to be requested as it is (it keeps ``$top``, ``$select``, ``$filter``); ``$top`` sets the page size:
  https://learn.microsoft.com/en-us/graph/paging (How paging works).
- A recipient is ``{"emailAddress": {"address"}}``:
  https://learn.microsoft.com/en-us/graph/api/resources/recipient.
- A string literal in a URL (OData) is quoted with ``'`` and a ``'`` inside it is doubled:
  https://learn.microsoft.com/en-us/graph/query-parameters (Encoding query parameters: escaping single quotes).

A list action follows ``@odata.nextLink`` until it holds ``top`` items (all of them, up to :data:`MAX_ITEMS`, without
``top``) and answers ``{value, nextLink}``; ``nextLink`` is the link it did not follow (null once the list is
complete), which ``custom_api_call`` can request. A next link is only followed on the host the token is for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.http_spec import HttpSpec, call, comma_list, spec_actions
from weavz_flow.integrations.native_action import Handler
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile, ProviderRequest

GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
NEXT_LINK = "@odata.nextLink"
MAX_ITEMS = 1000  # a list without ``top`` stops here; its nextLink says where the rest is


def graph_fault(body: Any) -> ProviderFault | None:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    inner = error.get("innerError")
    inner = inner if isinstance(inner, dict) else {}
    details = {k: v for k, v in (("providerCode", error.get("code")),
                                 ("requestId", inner.get("request-id"))) if v}
    return ProviderFault(str(error.get("message") or error.get("code") or "error"), details)


def graph_profile(name: str, display_name: str) -> ProviderProfile:
    """A Microsoft 365 integration over Graph: bearer token, Graph's error body."""
    return ProviderProfile(name=name, display_name=display_name, default_base_url=GRAPH_BASE_URL,
                           error_fault=graph_fault)


def graph_integration(profile: ProviderProfile, description: str,
                      actions: Mapping[str, HttpSpec | Handler]) -> NativeIntegration:
    """A Microsoft 365 integration: its catalog actions plus ``custom_api_call`` (the plain input shape, with
    ``headers``), over an OAuth2 connection."""
    built = spec_actions(profile, actions)
    built["custom_api_call"] = plain_custom_api_call(profile)
    return NativeIntegration(name=profile.name, display_name=profile.display_name, description=description,
                             actions=built, auth_types=("OAUTH2",), default_base_url=profile.default_base_url)


def graph_list(ctx: ActionContext, profile: ProviderProfile, path: str, query: dict[str, Any],
               top: int | None) -> dict[str, Any]:
    """Every page of a Graph collection from ``path`` until ``top`` items (see the module docstring)."""
    limit = top if top is not None and top > 0 else MAX_ITEMS
    items: list[Any] = []
    request = ProviderRequest("GET", path, query={k: v for k, v in query.items() if v is not None})
    while True:
        body = call(ctx, profile, request).body
        body = body if isinstance(body, dict) else {}
        items.extend(body.get("value") or [])
        link = body.get(NEXT_LINK)
        if not isinstance(link, str) or not link:
            return {"value": items[:limit], "nextLink": None}
        if len(items) >= limit:
            return {"value": items[:limit], "nextLink": link}
        request = ProviderRequest("GET", _next_url(ctx, profile, link))


def list_action(profile: ProviderProfile, path: str) -> Handler:
    """An action answering every page of the collection at ``path`` (placeholders name input fields)."""
    spec = HttpSpec("GET", path)

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        return graph_list(ctx, profile, spec.render(values).path, {}, None)

    return run


def _next_url(ctx: ActionContext, profile: ProviderProfile, link: str) -> str:
    """``link`` as it is sent: on the base URL in effect; a link on Graph's own host goes to the connection's host
    when it overrides the base URL (a proxy, a test stub); any other host is refused, the token stays home."""
    base = (ctx.base_url or profile.default_base_url or "").rstrip("/")
    if link.startswith(base + "/"):
        return link
    default = (profile.default_base_url or "").rstrip("/")
    if link.startswith(default + "/"):
        return base + link[len(default):]
    host = urlsplit(link).hostname
    raise ApiError(ErrorCode.ACTION_FAILED, f"{profile.display_name} answered a next page on another host ({host})",
                   details={"provider": profile.name, "reason": "next_link_host", "host": host})


def recipients(value: Any) -> list[dict[str, Any]]:
    """ "a@x.com, b@y.com" as Graph recipients."""
    return [{"emailAddress": {"address": address}} for address in comma_list(value)]


def odata_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
