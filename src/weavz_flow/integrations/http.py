"""HTTP: send any request (the generic escape hatch), with the Activepieces HTTP piece's inputs and failure modes.

Output is ``{status, headers, body}``: ``body`` is parsed JSON when the response is JSON, else text, or base64 when
``response_is_binary``. ``failureMode`` (default ``continue_none``): ``retry_all`` retries every 4xx/5xx,
``retry_5xx`` retries 5xx and returns 4xx as output, ``continue_4xx`` returns 4xx and retries 5xx, ``continue_all``
returns every error status as output, ``retry_none``/``continue_none`` fail on any error status. 429 is always retried
(honouring Retry-After) within the retry bound. Credentials in ``authFields`` (and the Basic header made of
them) are redacted from errors and outputs.

Redirects: with ``followRedirects`` true, httpx follows them (at most 20) and drops the Authorization header built
from ``authFields`` as soon as a hop leaves the request's origin (scheme, host, port; an http -> https upgrade of the
same host keeps it). Without it, a 3xx fails as ``ACTION_FAILED`` naming the status and the target's host, like
every provider redirect, whatever the ``failureMode``: the request did not reach what the URL named.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.http_catch_webhook import CATCH_WEBHOOK
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest
from weavz_flow.redact import Redactor

HTTP = ProviderProfile(name="http", display_name="HTTP", default_base_url=None, auth="none")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ERRORS = frozenset(range(400, 600))
_SERVER_ERRORS = frozenset(range(500, 600))

# failureMode -> (statuses retried, error statuses returned as output instead of failing)
_FAILURE_MODES: dict[str, tuple[frozenset[int], Callable[[int], bool]]] = {
    "retry_all": (_ERRORS, lambda status: False),
    "retry_5xx": (_SERVER_ERRORS | {429}, lambda status: status < 500),
    "retry_none": (frozenset({429}), lambda status: False),
    "continue_all": (frozenset({429}), lambda status: True),
    "continue_4xx": (_SERVER_ERRORS | {429}, lambda status: status < 500),
    "continue_none": (frozenset({429}), lambda status: False),
}


def send_request(ctx: ActionContext, values: dict[str, Any]) -> Any:
    method = str(values["method"]).upper()
    if method not in METHODS:
        raise invalid_input(ctx, "method", f"must be one of {', '.join(METHODS)}")
    url = str(values["url"]).strip()
    if not url.startswith(("http://", "https://")):
        raise invalid_input(ctx, "url", "must be an absolute http:// or https:// URL")
    if values.get("use_proxy"):
        raise invalid_input(ctx, "use_proxy", "is not supported by the local engine")
    mode = str(values.get("failureMode") or "continue_none")
    if mode not in _FAILURE_MODES:
        raise invalid_input(ctx, "failureMode", f"must be one of {', '.join(_FAILURE_MODES)}")
    retry_statuses, accept = _FAILURE_MODES[mode]
    auth_header, secrets = _auth(ctx, str(values["authType"]).upper(), values.get("authFields") or {})
    request = ProviderRequest(
        method,
        url,
        query={k: wire_text(v) for k, v in values["queryParams"].items() if v is not None},
        headers={k: wire_text(v) for k, v in values["headers"].items() if v is not None},
        auth_header=auth_header,
        secrets=secrets,
        timeout=float(values["timeout"]) if values.get("timeout") else None,
        follow_redirects=bool(values.get("followRedirects")),
        **request_body(ctx, str(values.get("body_type") or "none").lower(), values.get("body")),
    )
    policy = dataclasses.replace(ctx.retry or HTTP.retry, retry_statuses=retry_statuses)
    response = call(ctx, HTTP, request, policy=policy, accept_status=accept)
    body: Any = response.body
    if values.get("response_is_binary"):
        body = base64.b64encode(response.content).decode("ascii")
    # A provider echoing the request's credential (its Basic base64 form too, which no caller can name) gets none
    # of it into the output.
    return Redactor(secrets).data({"status": response.status, "headers": dict(response.headers), "body": body})


def wire_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _auth(ctx: ActionContext, auth_type: str, fields: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    if auth_type in ("", "NONE"):
        return None, ()
    if auth_type == "BASIC":
        username, password = str(fields.get("username") or ""), str(fields.get("password") or "")
        if not username:
            raise invalid_input(ctx, "authFields", "needs 'username' and 'password' for BASIC")
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return f"Basic {encoded}", (password, encoded)
    if auth_type == "BEARER_TOKEN":
        token = str(fields.get("token") or "")
        if not token:
            raise invalid_input(ctx, "authFields", "needs 'token' for BEARER_TOKEN")
        return f"Bearer {token}", (token,)
    raise invalid_input(ctx, "authType", "must be NONE, BASIC or BEARER_TOKEN")


def request_body(ctx: ActionContext, body_type: str, body: Mapping[str, Any] | None) -> dict[str, Any]:
    """ProviderRequest body arguments. The piece nests the payload under ``data``; a bare object is taken whole."""
    if body_type == "none" or body is None:
        return {}
    data: Any = body["data"] if set(body) == {"data"} else dict(body)
    if body_type == "json":
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise invalid_input(ctx, "body", "must hold JSON for body_type json") from None
        return {"json": data, "has_json": True}
    if body_type == "raw":
        return {"content": data if isinstance(data, str) else json.dumps(data)}
    if body_type == "form_data":
        if isinstance(data, list):  # the piece's [{fieldName, fieldType: "text", textFieldValue}]
            form = {str(f["fieldName"]): str(f.get("textFieldValue") or "") for f in data
                    if isinstance(f, dict) and f.get("fieldName") and f.get("fieldType", "text") == "text"}
        else:
            form = {str(k): wire_text(v) for k, v in data.items()}
        return {"form": form}
    raise invalid_input(ctx, "body_type", "must be none, json, raw or form_data")


ACTIONS = catalog_actions("http", {"send_request": send_request})

INTEGRATION = NativeIntegration(
    name="http",
    display_name="HTTP",
    description="Send any HTTP request and get its status, headers and body.",
    actions=ACTIONS,
    auth_types=(),
    triggers={"catch_webhook": CATCH_WEBHOOK},
)
