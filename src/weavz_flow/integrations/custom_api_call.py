"""``custom_api_call``: any request to a provider's own API, authenticated as the profile says.

Two input shapes of the catalog are executed here:

- the common one (``url`` as ``{"url": ...}``, ``method``, ``headers``, ``queryParams``, ``body_type``, ``body``,
  ``response_is_binary``, ``failsafe``, ``timeout``, ``followRedirects``), whose body and header rules are the http
  integration's (:func:`weavz_flow.integrations.http.request_body`);
- a plain one (``method``, ``url`` as a string, ``body`` as JSON), with ``query_params`` as JSON (Airtable's) or
  ``headers`` as an object (the Google Workspace integrations'); GitHub's names the ``url`` field ``path`` and
  gives ``body`` and ``query_params`` as JSON text;
- Slack's (``method_name``, ``params`` as a JSON object or JSON text, ``use_user_token``): a Web API method, its
  arguments form-encoded (the content type every method accepts; a nested value goes as JSON text, as Slack reads
  ``blocks``). Source: https://api.slack.com/web#methods

A relative ``url`` is joined to the base URL in effect (the connection's override, else the profile's default). An
absolute one must be on that host, on the profile's default host or on one of its ``other_base_urls``: the
credential goes nowhere else (``CREDENTIAL_HOST_DENIED`` before anything is sent). An ``Authorization`` header in
the input is dropped, the connection's is sent, and redirects are never followed with it (``followRedirects`` true
is refused). The output is ``{status, headers, body}``; ``body`` is parsed JSON, text, or base64 when
``response_is_binary``. With ``failsafe`` an error status is returned as output instead of failing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from weavz_flow.credential_hosts import check_credential_host
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.catalog_action import CatalogAction, sdk_action_info
from weavz_flow.integrations.custom_api_profiles import InputWhere
from weavz_flow.integrations.http import METHODS, request_body, wire_text
from weavz_flow.integrations.http_spec import call, json_value
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest
from weavz_flow.integrations.provider_host import base_url, credential_origins

ACTION = "custom_api_call"


def custom_api_call(profile: ProviderProfile) -> CatalogAction:
    """The common input shape (``url: {url}``, ``headers``, ``queryParams``, ``body_type``, ``body``...)."""

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        url_value = values["url"]
        raw_url = url_value.get("url") if isinstance(url_value, Mapping) else url_value
        _confirmed(ctx, frozenset(sdk_action_info(profile.name, ACTION).field_names), _method(ctx, values["method"]),
                   values)
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


_WEB_API_METHOD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")


def method_custom_api_call(profile: ProviderProfile) -> CatalogAction:
    """A Web API method by name (Slack's shape): ``method_name`` (``chat.postMessage``), ``params`` (JSON object) sent
    as a form to ``/<method_name>``; ``use_user_token`` is refused, the connection holding one token."""

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        name = str(values["method_name"]).strip()
        if not _WEB_API_METHOD.fullmatch(name):
            raise invalid_input(ctx, "method_name", "must be a method name such as conversations.list")
        if values.get("use_user_token"):
            raise invalid_input(ctx, "use_user_token", "cannot be true: the connection holds one token; connect a "
                                                       "user token to call methods as the user")
        params = json_value(values.get("params"))
        if params is not None and not isinstance(params, Mapping):
            raise invalid_input(ctx, "params", "must be a JSON object")
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (params or {}).items() if v is not None}
        request = ProviderRequest("POST", "/" + name, content=urlencode(form),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
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
    allowed = credential_origins(ctx, profile)
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


# The path family (most integrations' shape): ``method``, ``path``, ``body``; optionally the query as ``queryParams``,
# ``query`` or ``query_params``, ``headers``, ``failsafe`` and a confirmation flag such as ``confirmDelete``.
# Its query field, under whichever name the integration's catalog entry gives it.
QUERY_FIELDS = ("queryParams", "query", "query_params")
# Confirmation flags: the call is refused unless the flag is true. confirmDelete guards DELETE; the others guard any
# method that can change something (all but GET, HEAD and OPTIONS).
CONFIRM_DELETE = "confirmDelete"
CONFIRM_MUTATION = ("confirmMutation", "confirm", "confirmWrite", "confirmFinancialChange", "confirmFundsMovement",
                    "confirmTradingInstruction")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True, slots=True)
class InputPlacement:
    """Where the value of an input field the provider needs on every call goes (Basecamp's ``accountId`` before the
    path, Wix's ``siteId`` as the ``wix-site-id`` header): ``path`` (one segment before a relative path),
    ``header`` or ``query`` ``name``."""

    where: InputWhere
    name: str = ""


def path_custom_api_call(profile: ProviderProfile, inputs: Mapping[str, InputPlacement] | None = None) -> CatalogAction:
    """The path family: ``method``, ``path`` (relative to the base URL, or an absolute URL on an allowed host),
    ``body`` (JSON, or JSON text), and the optional query, headers, ``failsafe`` and confirmation flag; ``inputs``
    places the integration's own further fields."""
    placed = dict(inputs or {})

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        # Without a method field (Ortto's, Culture Amp's shape) a call with a body is a POST, one without a GET.
        method = _method(ctx, values.get("method") or ("POST" if values.get("body") is not None else "GET"))
        _confirmed(ctx, frozenset(sdk_action_info(profile.name, ACTION).field_names), method, values)
        body = json_value(values.get("body"))
        json_body = {"json": body, "has_json": True} if body is not None and method not in ("GET", "HEAD") else {}
        path_field = "path" if "path" in values else "pathOrUrl"
        target = _target(ctx, profile, values.get(path_field), path_field)
        query, headers = _query(ctx, values), _headers(values.get("headers") or {})
        for field_name, placement in placed.items():
            value = values.get(field_name)
            if value is None:
                continue
            if placement.where == "path":
                if "://" in target:
                    raise invalid_input(ctx, "path", f"must be relative when {field_name} is given")
                target = "/" + quote(wire_text(value), safe="") + target
            else:
                (headers if placement.where == "header" else query)[placement.name] = wire_text(value)
        request = ProviderRequest(method, target, query=query, headers=headers, **json_body)
        return _send(ctx, profile, request, binary=False, failsafe=bool(values.get("failsafe")))

    return CatalogAction(profile.name, ACTION, run)


def _confirmed(ctx: ActionContext, fields: frozenset[str], method: str, values: Mapping[str, Any]) -> None:
    if CONFIRM_DELETE in fields and method == "DELETE" and values.get(CONFIRM_DELETE) is not True:
        raise invalid_input(ctx, CONFIRM_DELETE, "must be true to send a DELETE")
    for flag in CONFIRM_MUTATION:
        if flag in fields and method not in _SAFE_METHODS and values.get(flag) is not True:
            raise invalid_input(ctx, flag, f"must be true to send a {method}")


def _query(ctx: ActionContext, values: Mapping[str, Any]) -> dict[str, str]:
    name = next((f for f in QUERY_FIELDS if values.get(f) is not None), None)
    if name is None:
        return {}
    query = json_value(values[name])
    if isinstance(query, str):  # a query string: "a=1&b=2"
        query = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    if not isinstance(query, Mapping):
        raise invalid_input(ctx, name, "must be a JSON object or a query string")
    return {k: wire_text(v) for k, v in query.items() if v is not None}


def graphql_custom_api_call(profile: ProviderProfile) -> CatalogAction:
    """A GraphQL API's one endpoint (the base URL in effect): ``query`` and ``variables`` (JSON) POSTed as JSON."""

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        endpoint = base_url(ctx, profile)
        if not endpoint:
            raise invalid_input(ctx, "query", f"{profile.display_name} has no GraphQL endpoint: the connection "
                                              "needs a base URL")
        variables = json_value(values.get("variables"))
        if variables is not None and not isinstance(variables, Mapping):
            raise invalid_input(ctx, "variables", "must be a JSON object")
        body = {"query": values["query"], **({"variables": variables} if variables is not None else {})}
        return _send(ctx, profile, ProviderRequest("POST", endpoint, json=body, has_json=True), binary=False,
                     failsafe=False)

    return CatalogAction(profile.name, ACTION, run)
