"""What the Google Workspace integrations (Sheets, Drive, Calendar, Docs) share: how Google reports a failure, the
profile they are built on, the hosts an action may reach besides its own, and Google's page tokens.

Facts, each with its source:

- Every Google REST API answers a failure with ``{"error": {"code", "message", "status", "errors"}}``; ``status`` is
  the canonical code name (``NOT_FOUND``, ``UNAUTHENTICATED``, ``PERMISSION_DENIED``...):
  https://cloud.google.com/apis/design/errors (Error model, HTTP mapping).
- They take the OAuth 2.0 access token as ``Authorization: Bearer``:
  https://developers.google.com/identity/protocols/oauth2/web-server (step 6, calling Google APIs). The OAuth
  endpoints and scopes of each integration are in ``oauth_providers.yaml``, one Google block shared by all four.
- Lists answer one page with ``nextPageToken`` (absent on the last page) and take it back as ``pageToken``:
  https://developers.google.com/drive/api/reference/rest/v3/files/list (FileList.nextPageToken),
  https://developers.google.com/calendar/api/v3/reference/events/list (nextPageToken).
- Drive, Calendar and uploads live on ``www.googleapis.com`` (``/drive/v3``, ``/upload/drive/v3``, ``/calendar/v3``);
  Sheets on ``sheets.googleapis.com/v4``, Docs on ``docs.googleapis.com/v1``: the HTTP request sections of
  https://developers.google.com/drive/api/reference/rest/v3/files/create,
  https://developers.google.com/calendar/api/v3/reference/events/insert,
  https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/create and
  https://developers.google.com/docs/api/reference/rest/v1/documents/create.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile

GOOGLEAPIS = "https://www.googleapis.com"
DRIVE_BASE_URL = f"{GOOGLEAPIS}/drive/v3"


def google_fault(body: Any) -> ProviderFault | None:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    details = {k: v for k, v in (("providerCode", error.get("status")), ("providerErrors", error.get("errors"))) if v}
    return ProviderFault(str(error.get("message") or error.get("status") or "error"), details)


def google_profile(name: str, display_name: str, base_url: str, *other_base_urls: str) -> ProviderProfile:
    """A Google API: bearer token, Google's error body; ``other_base_urls`` are the other Google hosts its actions
    (and ``custom_api_call``) may send the token to."""
    return ProviderProfile(name=name, display_name=display_name, default_base_url=base_url,
                           other_base_urls=other_base_urls, error_fault=google_fault)


def google_url(ctx: ActionContext, profile: ProviderProfile, url: str) -> str:
    """``url``, an absolute URL of another Google API than the profile's, as it is sent: unchanged when the
    connection uses Google's own hosts; on the connection's host (a proxy, a test stub) when it overrides the base
    URL, so that the credential goes nowhere else."""
    base = ctx.base_url
    if base is None or base.rstrip("/") == profile.default_base_url:
        return url
    override, target = urlsplit(base), urlsplit(url)
    return f"{override.scheme}://{override.netloc}{target.path}" + (f"?{target.query}" if target.query else "")


def drive_literal(text: str) -> str:
    """``text`` as a string literal of a Drive query: ``'`` and ``\\`` escaped with a backslash
    (https://developers.google.com/drive/api/guides/ref-search-terms)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def page(body: Any, items: str) -> dict[str, Any]:
    """One page of a Google list: its ``items`` and ``nextPageToken`` (null on the last page)."""
    body = body if isinstance(body, dict) else {}
    return {items: body.get(items) or [], "nextPageToken": body.get("nextPageToken")}
