"""The webhook signature as a receiver checks it: HMAC-SHA256 over ``{timestamp}.{body}``, timestamped, and every
way a forged, altered or replayed delivery fails :func:`verify`."""

from __future__ import annotations

import pytest
from weavz_sdk import ApprovalWebhookPayload as SdkPayload

from weavz_flow.wire.approval_webhooks import ApprovalWebhookPayload, sign, verify

SECRET = "whsec_test-secret"
STAMP = 1767225600
BODY = '{"id":"d1","type":"approval.requested"}'
# openssl dgst -sha256 -hmac whsec_test-secret over "1767225600.{body}": a value computed apart from this code.
EXPECTED = "v1=61111b181971f716ecc57b8442c4bad478fe0bbf27005fbe4227167b30ecf977"


def _headers(signature: str = EXPECTED, stamp: int | str = STAMP) -> dict[str, str]:
    return {"X-Weavz-Timestamp": str(stamp), "X-Weavz-Signature": signature, "X-Weavz-Event": "approval.requested"}


def test_sign_matches_an_independent_hmac() -> None:
    assert sign(SECRET, STAMP, BODY) == EXPECTED
    assert sign(SECRET, str(STAMP), BODY.encode()) == EXPECTED


def test_verify_accepts_the_signed_delivery_within_the_tolerance() -> None:
    assert verify(SECRET, _headers(), BODY, now=STAMP)
    assert verify(SECRET, _headers(), BODY.encode(), now=STAMP + 300)  # bytes as received; at the edge
    lower = {k.lower(): v for k, v in _headers().items()}  # header names in any case
    assert verify(SECRET, lower, BODY, now=STAMP - 10)
    assert verify(SECRET, _headers(f"v1=00ff, {EXPECTED}"), BODY, now=STAMP)  # one of several values matches


@pytest.mark.parametrize(("headers", "body", "now"), [
    (_headers(), BODY, STAMP + 301),  # a replay past the tolerance
    (_headers(), BODY, STAMP - 301),  # a timestamp from the future
    (_headers(), BODY.replace("requested", "approved"), STAMP),  # the body changed
    (_headers(stamp=STAMP + 1), BODY, STAMP),  # the timestamp changed, not the signature
    (_headers(sign("whsec_other", STAMP, BODY)), BODY, STAMP),  # signed with another secret
    (_headers(EXPECTED.replace("v1=", "v0=")), BODY, STAMP),
    (_headers(EXPECTED.upper()), BODY, STAMP),
    (_headers(stamp="1767225600.0"), BODY, STAMP),
    (_headers(stamp="-1"), BODY, STAMP),
    ({"X-Weavz-Signature": EXPECTED}, BODY, STAMP),  # no timestamp
    ({"X-Weavz-Timestamp": str(STAMP)}, BODY, STAMP),  # no signature
])
def test_verify_refuses(headers: dict[str, str], body: str, now: int) -> None:
    assert not verify(SECRET, headers, body, now=now)


def test_the_payload_reads_as_the_official_sdks_model() -> None:
    payload = ApprovalWebhookPayload(
        id="d1", type="approval.approved", event="approval.approved", created_at="2026-12-03T00:00:00.000000Z",
        approval={"id": "a1", "status": "approved"}, receipt={"id": "rcpt_a1", "expiresAt": "x"},
    ).model_dump(mode="json", exclude_none=True)
    read = SdkPayload.model_validate(payload)
    assert (read.event, read.created_at, read.approval["id"], read.receipt) == \
        ("approval.approved", "2026-12-03T00:00:00.000000Z", "a1", {"id": "rcpt_a1", "expiresAt": "x"})
    assert read.context == {} and read.decision is None
