"""Trigger bodies (weavz-api.md §1.11, §2.10; weavz-sdk-wire.md §2.8), and what a callback receives.

A callback delivery is one POST of :class:`TriggerDelivery` (JSON) with the source's ``callbackHeaders``, the event's
id in ``X-Weavz-Event-Id`` and the approval webhooks' signature headers (:mod:`weavz_flow.wire.approval_webhooks`:
``X-Weavz-Timestamp`` and ``X-Weavz-Signature``, an HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with the
source's ``signingSecret``), so a receiver checks it with :func:`weavz_flow.wire.approval_webhooks.verify`. The
signing secret is shown once, in the enable answer; ``callbackHeaders`` are write-only.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator

from weavz_flow.wire.base import (
    AliasRef,
    BaseUrl,
    CatalogRef,
    ExternalRef,
    Listing,
    Ref,
    Secret,
    WireModel,
    WireRequest,
)

EVENT_ID_HEADER = "X-Weavz-Event-Id"
TRIGGER_EVENT = "trigger.event"  # the X-Weavz-Event of a callback delivery
POLLING_MINUTES_MIN = 1
POLLING_MINUTES_MAX = 1440
# An HTTP field name (RFC 9110 §5.1, a token) and a value that cannot end the header early (no CR, LF or NUL).
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE_BAD = re.compile(r"[\r\n\x00]")


class EnableTriggerRequest(WireRequest):
    integration_name: Ref
    trigger_name: CatalogRef
    callback_url: BaseUrl
    workspace_id: Ref
    callback_headers: dict[str, Secret] | None = None
    callback_metadata: dict[str, Any] | None = None
    connection_external_id: ExternalRef | None = None
    workspace_integration_id: Ref | None = None
    integration_alias: AliasRef | None = None
    end_user_id: ExternalRef | None = None
    input: dict[str, Any] = Field(default_factory=dict)
    partial_ids: list[Ref] | None = None
    polling_interval_minutes: int | None = Field(default=None, ge=POLLING_MINUTES_MIN, le=POLLING_MINUTES_MAX)
    simulate: bool = False

    @field_validator("callback_headers")
    @classmethod
    def _sendable_headers(cls, headers: dict[str, SecretStr] | None) -> dict[str, SecretStr] | None:
        """Headers every delivery can send: refused here, not failed at each attempt (the value is never quoted)."""
        for name, value in (headers or {}).items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"callbackHeaders: {name!r} is not an HTTP header name")
            if _HEADER_VALUE_BAD.search(value.get_secret_value()):
                raise ValueError(f"callbackHeaders: the value of {name!r} holds a line break or NUL")
        return headers


class TriggerSourceView(WireModel):
    """A trigger source as ``GET /api/v1/triggers`` lists it. ``webhookUrl``: where a WEBHOOK source's provider posts;
    ``signingSecret`` only in the enable answer; ``flowName`` for a source a deployed flow registered."""

    id: str
    org_id: str
    workspace_id: str
    trigger_type: str
    integration_name: str
    trigger_name: str
    webhook_url: str | None = None
    callback_url: str | None = None
    callback_metadata: dict[str, Any] | None = None
    simulate: bool = False
    enabled: bool = True
    polling_interval_minutes: float | None = None
    workspace_integration_id: str | None = None
    connection_external_id: str | None = None
    end_user_id: str | None = None
    partial_ids: list[str] = Field(default_factory=list)
    flow_name: str | None = None
    last_error: str | None = None
    next_poll_at: str | None = None
    signing_secret: str | None = None
    created_at: str
    updated_at: str


class TriggerSourceList(Listing[TriggerSourceView]):
    items_field = "triggers"
    triggers: list[TriggerSourceView]
    total: int


class EnabledTrigger(WireModel):
    trigger_source: TriggerSourceView


class DisableTriggerRequest(WireRequest):
    trigger_source_id: Ref


class DisabledTrigger(WireModel):
    disabled: bool = True
    trigger_source_id: str


class TestTriggerRequest(WireRequest):
    integration_name: Ref
    trigger_name: CatalogRef


class TriggerSample(WireModel):
    sample_data: dict[str, Any]


class WebhookReceived(WireModel):
    received: int


class DeliveryView(WireModel):
    """A callback event's delivery: its state and its latest attempts (``log``: ``{at, statusCode?, error?,
    durationMs}``, the last 20)."""

    status: str  # pending | delivered | failed
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None
    delivered_at: str | None = None
    log: list[dict[str, Any]] = Field(default_factory=list)


class TriggerEventView(WireModel):
    """One event of a source (``GET /api/v1/triggers/{id}/events``, weavz-flow's own), newest first; ``eventKey`` is
    the provider's id of it, ``dispatchedAt`` when a flow source's event was handed to its flow."""

    id: str
    trigger_source_id: str
    event_key: str
    seq: int
    data: dict[str, Any]
    occurred_at: str | None = None
    received_at: str
    dispatched_at: str | None = None
    delivery: DeliveryView | None = None


class TriggerEventList(Listing[TriggerEventView]):
    items_field = "events"
    events: list[TriggerEventView]
    total: int


class ReplayedEvent(WireModel):
    replayed: bool = True
    event_id: str


class TriggerDelivery(WireModel):
    """The body of a callback delivery (the Weavz guide's shape, plus ``eventId``)."""

    trigger_source_id: str
    integration_name: str
    trigger_name: str
    data: dict[str, Any]
    metadata: dict[str, Any] | None = None
    timestamp: str
    event_id: str
