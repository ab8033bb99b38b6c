"""``http.catch_webhook``: a WEBHOOK trigger that turns each request to its URL into one event (the Activepieces
``webhook`` piece's ``catch_webhook``, with this engine's own checks).

The request is checked first (:mod:`weavz_flow.integrations.webhook_auth`: ``authType``, ``secret``,
``signatureHeader``); a refused one records nothing. The event's data is ``{body, headers, query, method,
contentType}``: ``body`` is the parsed JSON of a JSON body, the fields of a form body
(``application/x-www-form-urlencoded``; a repeated field gives a list), the text of any other UTF-8 body, or null for
an empty one. ``headers`` leaves out the request's credentials and the checked header.

The event id (the dedupe key: a sender's retry of one delivery is one event) is the header ``eventIdHeader`` when
given, else the first of ``X-Event-Id``, ``X-GitHub-Delivery`` (GitHub's delivery GUID) and ``Idempotency-Key``
that the request has, else a fresh uuid (every request its own event).
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qs

from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.trigger_base import InboundRequest, TriggerEvent, seen_now
from weavz_flow.integrations.webhook_auth import DEFAULT_SIGNATURE_HEADER, WebhookAuth, WebhookAuthType

DEFAULT_EVENT_ID_HEADERS = ("x-event-id", "x-github-delivery", "idempotency-key")

INFO = TriggerInfo(
    integration="http",
    name="catch_webhook",
    display_name="Catch Webhook",
    description="Receive HTTP requests at a unique URL; each request is one event.",
    type="WEBHOOK",
    fields=(
        InputField("authType", "string", description="How a request proves it is allowed: none, header_secret (a "
                   "header holds the secret) or hmac_sha256 (the header holds sha256=<hex HMAC of the body>); "
                   "default hmac_sha256 with a secret, else none.", enum=tuple(t.value for t in WebhookAuthType),
                   display_name="Authentication"),
        InputField("secret", "string", description="The shared secret of header_secret and hmac_sha256.",
                   display_name="Secret"),
        InputField("signatureHeader", "string", description=f"The header checked (default {DEFAULT_SIGNATURE_HEADER}"
                   ", or X-Webhook-Secret for header_secret; X-Hub-Signature-256 for GitHub).",
                   display_name="Signature header"),
        InputField("eventIdHeader", "string", description="The header holding the sender's delivery id, so a "
                   "retried delivery is one event (default X-Event-Id, X-GitHub-Delivery, Idempotency-Key).",
                   display_name="Event id header"),
    ),
    sample_data={
        "body": {"action": "opened", "number": 42, "title": "Example"},
        "headers": {"content-type": "application/json", "user-agent": "curl/8.5.0"},
        "query": {},
        "method": "POST",
        "contentType": "application/json",
    },
)


class CatchWebhook:
    @property
    def info(self) -> TriggerInfo:
        return INFO

    def accept(self, ctx: ActionContext, input: dict[str, Any], request: InboundRequest) -> list[TriggerEvent]:
        auth = WebhookAuth.of_input(input)
        auth.verify(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in auth.hidden_headers}
        data = {
            "body": _body(request),
            "headers": headers,
            "query": dict(request.query),
            "method": request.method.upper(),
            "contentType": request.content_type,
        }
        return [TriggerEvent(id=_event_id(input, request), data=data, occurred_at=seen_now())]


def _event_id(input: dict[str, Any], request: InboundRequest) -> str:
    named = input.get("eventIdHeader")
    candidates = (str(named).lower(),) if named else DEFAULT_EVENT_ID_HEADERS
    for name in candidates:
        value = request.headers.get(name, "").strip()
        if value:
            return value
    return uuid.uuid4().hex


def _body(request: InboundRequest) -> Any:
    if not request.body:
        return None
    media = (request.content_type or "").split(";", 1)[0].strip().lower()
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable("the body is not UTF-8 text") from None
    if media == "application/json" or media.endswith("+json"):
        try:
            return json.loads(text)
        except ValueError:
            raise _unreadable("the body is not valid JSON") from None
    if media == "application/x-www-form-urlencoded":
        fields = parse_qs(text, keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}
    return text


def _unreadable(reason: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, f"Webhook body unreadable: {reason}", details={"reason": reason})


CATCH_WEBHOOK = CatchWebhook()
