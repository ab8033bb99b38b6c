"""``custom_api_call``: any request to a provider's own API, authenticated as the profile says.

Two input shapes of the catalog are executed here:

- the common one (``url`` as ``{"url": ...}``, ``method``, ``headers``, ``queryParams``, ``body_type``, ``body``,
  ``response_is_binary``, ``failsafe``, ``timeout``, ``followRedirects``), whose body and header rules are the http
  integration's (:func:`weavz_flow.integrations.http.request_body`);
- a plain one (``method``, ``url`` as a string, ``body`` as JSON), with ``query_params`` as JSON (Airtable's) or
  ``headers`` as an object (the Google Workspace integrations'); GitHub's names the ``url`` field ``path`` and
  gives ``body`` and ``query_params`` as JSON text.

A relative ``url`` is joined to the base URL in effect (the connection's override, else the profile's default). An
absolute one must be on that host, on the profile's default host or on one of its ``other_base_urls``: the
credential goes nowhere else (``CREDENTIAL_HOST_DENIED`` before anything is sent). An ``Authorization`` header in
the input is dropped, the connection's is sent, and redirects are never followed with it (``followRedirects`` true
is refused). The output is ``{status, headers, body}``; ``body`` is parsed JSON, text, or base64 when
``response_is_binary``. With ``failsafe`` an error status is returned as output instead of failing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from weavz_flow.credential_hosts import allowed_origins, check_credential_host, origin
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.http import METHODS, request_body, wire_text
from weavz_flow.integrations.http_spec import call, json_value
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest

ACTION = "custom_api_call"


def custom_api_call(profile: ProviderProfile) -> CatalogAction:
    """The common input shape (``url: {url}``, ``headers``, ``queryParams``, ``body_type``, ``body``...)."""

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        url_value = values["url"]
        raw_url = url_value.get("url") if isinstance(url_value, Mapping) else url_value
        if values.get("followRedirects"):
            raise invalid_input(ctx, "followRedirects", "cannot be true: a redirect is never followed with the "
                                                        "connection's credential")
        request = ProviderRequest(
            _method(ctx, values["method"]),
            _target(ctx, profile, raw_url, "url"),
            query={k: wire_text(v) for k, v in (values.get("queryParams") or {}).items() if v is not None},
            headers=_headers(values.get("headers") or {}),
            timeout=float(values["timeout"]) if values.get("timeout") else None,
            **request_body(ctx, str(values.get("body_type") or "none").lower(), values.get("body")),
        )
        return _send(ctx, profile, request, binary=bool(values.get("response_is_binary")),
                     failsafe=bool(values.get("failsafe")))

    return CatalogAction(profile.name, ACTION, run)


def plain_custom_api_call(profile: ProviderProfile, *, url_field: str = "url") -> CatalogAction:
    """The plain input shape: ``method``, ``url`` (a string; ``url_field`` names it where the catalog calls it
    otherwise), ``body`` (JSON), ``query_params`` (JSON) or ``headers``."""

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        query = json_value(values.get("query_params"))
        if query is not None and not isinstance(query, Mapping):
            raise invalid_input(ctx, "query_params", "must be a JSON object")
        method = _method(ctx, values["method"])
        body = json_value(values.get("body"))
        json_body = {"json": body, "has_json": True} if body is not None and method not in ("GET", "HEAD") else {}
        request = ProviderRequest(method, _target(ctx, profile, values[url_field], url_field),
                                  query={k: wire_text(v) for k, v in (query or {}).items() if v is not None},
                                  headers=_headers(values.get("headers") or {}), **json_body)
        return _send(ctx, profile, request, binary=False, failsafe=False)

    return CatalogAction(profile.name, ACTION, run)


def _method(ctx: ActionContext, value: Any) -> str:
    method = str(value).strip().upper()
    if method not in METHODS:
        raise invalid_input(ctx, "method", f"must be one of {', '.join(METHODS)}")
    return method


def _target(ctx: ActionContext, profile: ProviderProfile, value: Any, field: str) -> str:
    """An absolute URL on an allowed host, or a relative path (sent to the base URL in effect)."""
    url = str(value or "").strip()
    if not url:
        raise invalid_input(ctx, field, "is required")
    if not url.lower().startswith(("http://", "https://")):
        if "://" in url or url.startswith("//"):
            raise invalid_input(ctx, field, "must be a path of the provider's API or an http(s) URL")
        return "/" + url.lstrip("/")
    parts = urlsplit(url)
    allowed = allowed_origins(ctx.base_url, profile.default_base_url)
    allowed.update(o for o in map(origin, profile.other_base_urls) if o is not None)
    # Only the authority decides where the credential goes; a query or fragment is no part of it.
    check_credential_host(f"{parts.scheme}://{parts.netloc}", allowed, integration=profile.name, field=field)
    return url


def _headers(values: Mapping[str, Any]) -> dict[str, str]:
    return {k: wire_text(v) for k, v in values.items() if v is not None and k.lower() != "authorization"}


def _send(ctx: ActionContext, profile: ProviderProfile, request: ProviderRequest, *, binary: bool,
          failsafe: bool) -> dict[str, Any]:
    response = call(ctx, profile, request, accept_status=(lambda status: True) if failsafe else None)
    body: Any = base64.b64encode(response.content).decode("ascii") if binary else response.body
    return {"status": response.status, "headers": dict(response.headers), "body": body}
