"""Trigger bodies (weavz-api.md §1.11, §2.10; weavz-sdk-wire.md §2.8), and what a callback receives.

A callback delivery is one POST of :class:`TriggerDelivery` (JSON) with the source's ``callbackHeaders``, the event's
id in ``X-Weavz-Event-Id`` and the approval webhooks' signature headers (:mod:`weavz_flow.wire.approval_webhooks`:
``X-Weavz-Timestamp`` and ``X-Weavz-Signature``, an HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with the
source's ``signingSecret``), so a receiver checks it with :func:`weavz_flow.wire.approval_webhooks.verify`. The
signing secret is shown once, in the enable answer; ``callbackHeaders`` are write-only.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

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
