"""http.catch_webhook: the request checks (none, header secret, GitHub-style HMAC of the exact body), the event's data
and id, and refusals that name no secret."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from tests.integrations.context import context
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.http import INTEGRATION
from weavz_flow.integrations.http_catch_webhook import CATCH_WEBHOOK
from weavz_flow.integrations.trigger_base import InboundRequest, TriggerEvent, WebhookTrigger
from weavz_flow.integrations.webhook_auth import WebhookAuth, hmac_sha256_signature

SECRET = "whsec-very-secret-value"
BODY = json.dumps({"action": "opened", "issue": {"number": 7, "title": "{{ 7*7 }}"}}).encode()


def request(body: bytes = BODY, *, headers: Mapping[str, str] | None = None, method: str = "POST",
            content_type: str | None = "application/json", query: Mapping[str, str] | None = None) -> InboundRequest:
    all_headers = {"user-agent": "test-sender/1.0", **({"content-type": content_type} if content_type else {})}
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    return InboundRequest(method=method, headers=all_headers, query=dict(query or {}), body=body,
                          content_type=content_type)


def accept(input: dict[str, Any], req: InboundRequest) -> list[TriggerEvent]:
    with httpx.Client() as http:
        return CATCH_WEBHOOK.accept(context(http, "http", "catch_webhook"), input, req)


def refused(input: dict[str, Any], req: InboundRequest) -> ApiError:
    with pytest.raises(ApiError) as caught:
        accept(input, req)
    return caught.value


def test_registered_on_http_as_a_webhook_trigger() -> None:
    trigger = INTEGRATION.triggers["catch_webhook"]
    assert isinstance(trigger, WebhookTrigger)
    info = INTEGRATION.catalog_entry().triggers["catch_webhook"]
    assert info.type == "WEBHOOK"
    assert info.metadata()["props"]["authType"]["type"] == "STATIC_DROPDOWN"
    assert set(info.field_names) == {"authType", "secret", "signatureHeader", "eventIdHeader"}


def test_no_auth_json_body_is_one_event_with_the_request() -> None:
    [event] = accept({}, request(query={"source": "ci"}, headers={"Authorization": "Bearer caller-token"}))
    assert event.data == {
        "body": {"action": "opened", "issue": {"number": 7, "title": "{{ 7*7 }}"}},
        "headers": {"user-agent": "test-sender/1.0", "content-type": "application/json"},
        "query": {"source": "ci"},
        "method": "POST",
        "contentType": "application/json",
    }
    assert event.occurred_at is not None and event.occurred_at.endswith("Z")
    assert len(event.id) == 32  # no delivery id header: a fresh uuid per request


def test_form_body_and_text_body() -> None:
    form = request(b"name=Ada&tag=a&tag=b&empty=", content_type="application/x-www-form-urlencoded",
                   method="put")
    [event] = accept({}, form)
    assert event.data["body"] == {"name": "Ada", "tag": ["a", "b"], "empty": ""}
    assert event.data["method"] == "PUT"
    [text] = accept({}, request(b"plain words", content_type="text/plain; charset=utf-8"))
    assert text.data["body"] == "plain words"
    [empty] = accept({}, request(b"", content_type=None, method="GET"))
    assert empty.data["body"] is None and empty.data["contentType"] is None


def test_unreadable_bodies_are_400() -> None:
    assert refused({}, request(b"{not json")).status == 400
    error = refused({}, request(b"\xff\xfe\x00", content_type="application/octet-stream"))
    assert error.code == ErrorCode.VALIDATION_ERROR and error.status == 400


def test_hmac_of_the_exact_body_passes_and_its_header_is_not_in_the_event() -> None:
    signed = request(headers={"X-Signature-256": hmac_sha256_signature(SECRET, BODY)})
    [event] = accept({"secret": SECRET}, signed)  # authType defaults to hmac_sha256 with a secret
    assert "x-signature-256" not in event.data["headers"]
    assert SECRET not in json.dumps(event.data)


@pytest.mark.parametrize("signature", [
    None,  # missing
    hmac_sha256_signature("another-secret", BODY),
    hmac_sha256_signature(SECRET, BODY + b" "),  # a body changed by one byte
    hmac_sha256_signature(SECRET, BODY).removeprefix("sha256="),  # no prefix
])
def test_a_wrong_or_missing_signature_is_401_naming_no_secret(signature: str | None) -> None:
    headers = {} if signature is None else {"X-Signature-256": signature}
    error = refused({"authType": "hmac_sha256", "secret": SECRET}, request(headers=headers))
    assert error.code == ErrorCode.WEBHOOK_SIGNATURE_INVALID and error.status == 401
    text = json.dumps(error.to_body())
    assert SECRET not in text and hmac_sha256_signature(SECRET, BODY) not in text


def test_github_style_signature_header() -> None:
    signed = request(headers={"X-Hub-Signature-256": hmac_sha256_signature(SECRET, BODY),
                              "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"})
    input = {"authType": "hmac_sha256", "secret": SECRET, "signatureHeader": "X-Hub-Signature-256"}
    [event] = accept(input, signed)
    assert event.id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert "x-hub-signature-256" not in event.data["headers"]


def test_header_secret() -> None:
    input = {"authType": "header_secret", "secret": SECRET}
    [event] = accept(input, request(headers={"X-Webhook-Secret": SECRET}))
    assert "x-webhook-secret" not in event.data["headers"]
    assert refused(input, request(headers={"X-Webhook-Secret": SECRET[:-1]})).status == 401
    assert refused(input, request()).status == 401
    custom = {**input, "signatureHeader": "X-Token"}
    assert accept(custom, request(headers={"X-Token": SECRET}))[0].data["headers"].get("x-token") is None


def test_event_id_headers_in_order_and_a_named_one() -> None:
    both = request(headers={"Idempotency-Key": "idem-1", "X-Event-Id": "evt-1"})
    assert accept({}, both)[0].id == "evt-1"
    assert accept({}, request(headers={"Idempotency-Key": "idem-1"}))[0].id == "idem-1"
    assert accept({"eventIdHeader": "X-Request-Id"}, request(headers={"X-Request-Id": "r-9"}))[0].id == "r-9"


@pytest.mark.parametrize(("input", "field"), [
    ({"authType": "basic", "secret": SECRET}, "authType"),
    ({"authType": "hmac_sha256"}, "secret"),
    ({"authType": "header_secret", "secret": ""}, "secret"),
    ({"secret": SECRET, "signatureHeader": " "}, "signatureHeader"),
])
def test_bad_auth_input_is_a_validation_error(input: dict[str, Any], field: str) -> None:
    with pytest.raises(ApiError) as caught:
        WebhookAuth.of_input(input)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert caught.value.details is not None and caught.value.details["fields"][0]["field"] == field
