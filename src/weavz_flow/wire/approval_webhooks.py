"""Webhook approvers (issue 17; weavz-api.md §1.8, weavz-sdk-wire.md §3 ``ApprovalWebhookPayload``): the event
payload, the delivery record shown on an approval, and the signature, which a receiver checks with :func:`verify`.

Each event is one POST of a JSON body (the payload) with these headers:

- ``X-Weavz-Event``: the event (``approval.requested``, ``.approved``, ``.rejected``, ``.canceled``, ``.expired``);
- ``X-Weavz-Delivery``: the delivery's id (also the payload's ``id``), the same on every retry of it;
- ``X-Weavz-Timestamp``: when this attempt was sent, in unix seconds;
- ``X-Weavz-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the approver's ``webhookSecret``, of
  ``f"{timestamp}.{body}"`` (the body's exact bytes, as received).

A receiver verifies with :func:`verify` (or the same computation in its own language): it recomputes the HMAC over
the raw body, compares in constant time, and refuses a timestamp more than ``tolerance_s`` away from its clock, so a
captured request cannot be replayed later. The signature covers the timestamp, so neither can be changed alone.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import Field

from weavz_flow.wire.base import WireModel

EVENT_HEADER = "X-Weavz-Event"
DELIVERY_HEADER = "X-Weavz-Delivery"
TIMESTAMP_HEADER = "X-Weavz-Timestamp"
SIGNATURE_HEADER = "X-Weavz-Signature"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not delivered yet: its next attempt is due at ``nextAttemptAt``
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # given up: every attempt failed, or it could not be sent at all


class DeliveryAttempt(WireModel):
    """One attempt of a delivery: when, the receiver's status code (none when it was not reached), why it failed."""

    at: str
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class WebhookDelivery(WireModel):
    """One event for one webhook approver, as ``GET /api/v1/approvals/{id}`` shows it in ``webhookDeliveries``."""

    id: str
    event: str
    url: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None
    delivered_at: str | None = None
    created_at: str
    log: list[DeliveryAttempt] = Field(default_factory=list)


class ApprovalWebhookPayload(WireModel):
    """The body of a delivery. ``event`` and ``type`` both name the event (``event`` is the SDK model's name);
    ``approval`` is the approval as the API shows it, its input only as the redacted preview."""

    id: str
    type: str
    event: str
    created_at: str
    approval: dict[str, Any]
    context: dict[str, Any] = Field(default_factory=dict)
    receipt: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """The ``X-Weavz-Signature`` value of ``body`` sent at ``timestamp`` (unix seconds)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + raw, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify(
    secret: str, headers: Mapping[str, str], body: bytes | str, tolerance_s: float = DEFAULT_TOLERANCE_S,
    *, now: float | None = None,
) -> bool:
    """Whether a received delivery is signed with ``secret`` and was sent within ``tolerance_s`` of ``now`` (this
    machine's clock by default). ``headers`` as received (any case); ``body`` the raw bytes, before any JSON parsing.
    The signature header may list several ``v1=`` values, comma-separated (one must match)."""
    found = {k.lower(): v for k, v in headers.items()}
    stamp = found.get(TIMESTAMP_HEADER.lower(), "").strip()
    if not stamp.isascii() or not stamp.isdigit():
        return False
    clock = time.time() if now is None else now
    if abs(clock - int(stamp)) > tolerance_s:
        return False
    expected = sign(secret, stamp, body)
    offered = [part.strip() for part in found.get(SIGNATURE_HEADER.lower(), "").split(",")]
    # Every offered value is compared, each in constant time: how far a guess matched never shows in the timing.
    matches = [hmac.compare_digest(expected.encode("ascii"), part.encode("utf-8")) for part in offered]
    return any(matches)
