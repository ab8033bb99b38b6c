"""The contract between the engine and a native trigger: how an integration says that something happened.

A trigger is defined beside its integration's actions: its catalog entry
(:class:`~weavz_flow.catalog.model.TriggerInfo`, whose input fields are checked and merged with partials exactly as an
action's) plus the functions the engine calls.

- **POLLING** (:class:`PollingTrigger`): ``baseline`` runs once when a source is enabled and returns the cursor that
  stands for "everything that exists now", so the first enable fires nothing for existing items. Each later ``poll``
  gets the stored cursor and returns the new events, oldest first, with the cursor after them. The engine stores the
  events and the new cursor in one transaction, so a restart neither replays what was stored nor skips what was not.
  A poll that raises stores nothing and keeps the old cursor; the next poll asks again.
- **WEBHOOK** (:class:`WebhookTrigger`): ``accept`` gets one inbound request to the source's URL and returns its
  events, or raises :class:`~weavz_flow.errors.ApiError` (401 ``WEBHOOK_SIGNATURE_INVALID`` for a bad signature or
  secret, 400 for a body it cannot read); a refused request records nothing.

The context is the actions' :class:`~weavz_flow.integrations.base.ActionContext` (``action`` holds the trigger's
name): the same credentials, pooled HTTP client with the provider's base-URL override, persistence namespace and
redactor. An event's ``id`` is the dedupe key within its source: the same id seen twice is one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from weavz_flow.catalog.model import TriggerInfo
from weavz_flow.integrations.base import ActionContext

Cursor = dict[str, Any]  # JSON: what a polling trigger needs to know what it has seen (a watermark, ids, an ETag)


def seen_now() -> str:
    """An event's ``occurred_at`` when the provider gives no time: now, ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    id: str  # stable for one item at the provider (an issue's id, a message's ts); the dedupe key within a source
    data: dict[str, Any]  # JSON, delivered as is; never rendered as a template
    occurred_at: str | None = None  # ISO 8601 UTC when the provider says when it happened; else when it was seen


@dataclass(frozen=True, slots=True)
class PollResult:
    events: list[TriggerEvent]  # new since the cursor, oldest first
    cursor: Cursor  # the cursor after these events


@dataclass(frozen=True, slots=True)
class InboundRequest:
    """One request to a WEBHOOK source's URL, as received (the body unparsed, so signatures check the exact bytes)."""

    method: str
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    body: bytes
    content_type: str | None = None


@runtime_checkable
class PollingTrigger(Protocol):
    @property
    def info(self) -> TriggerInfo: ...

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        """The cursor that stands for what exists now (called once, at enable); no events."""
        ...

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        """The events after ``cursor``, oldest first, and the cursor after them. Raise ApiError on failure."""
        ...


@runtime_checkable
class WebhookTrigger(Protocol):
    @property
    def info(self) -> TriggerInfo: ...

    def accept(self, ctx: ActionContext, input: dict[str, Any], request: InboundRequest) -> list[TriggerEvent]:
        """The events of one inbound request; ApiError (401 WEBHOOK_SIGNATURE_INVALID, 400) refuses it."""
        ...


NativeTrigger = PollingTrigger | WebhookTrigger
