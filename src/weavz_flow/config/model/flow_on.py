"""A flow's ``on:`` list: the events that start it, beside or instead of its ``schedule``.

Two kinds of entry, each one object of the plan (``flow.<name>/trigger.<key>``) and one trigger source in the store:

- ``trigger: {uses: <alias>.<trigger>, with: {...}, every: 5m}``: a trigger of an integration of the flow's workspace
  (a POLLING one is polled ``every``; its input is checked against the catalog's TriggerInfo like a step's);
- ``webhook: {path: <path>, secret: {env: NAME}}``: a URL of its own, ``/api/v1/webhooks/flows/<path>``, served by
  the built-in ``http.catch_webhook`` trigger (with a secret: the body's HMAC, GitHub style, or the secret itself in
  a header, checked in constant time).

Each event starts one run, whose templates read it as ``trigger.data``, ``trigger.id``, ... (the event is data:
never rendered). ``overlap`` says what an event does while a run of the flow is going, as for a schedule; the flow's
``concurrency`` caps the runs of the flow at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from weavz_flow.config.model.base import USES_PATTERN, Duration, EndUserId, SecretRef, StrictModel
from weavz_flow.config.model.flow_policies import Overlap
from weavz_flow.integrations.webhook_auth import WebhookAuthType

# What a flow webhook's path may hold: URL-safe segments, no "..", nothing to escape.
WEBHOOK_PATH_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*)*$"
DEFAULT_EVERY = timedelta(minutes=5)
# The longest interval the triggers API accepts (pollingIntervalMinutes 1-1440); the shortest is the engine's
# minimum setting (403 POLLING_INTERVAL_TOO_SHORT), checked where the source is registered.
MAX_EVERY = timedelta(days=1)
ENTRY_KEY_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class TriggerSpec(StrictModel):
    """``trigger:``: an integration's trigger, through an alias of the flow's workspace."""

    uses: Annotated[str, StringConstraints(pattern=USES_PATTERN)] = Field(
        description="<alias>.<trigger>, the alias declared in the flow's workspace"
    )
    with_: dict[str, Any] = Field(default_factory=dict, alias="with", description="the trigger's input (literals)")
    every: Duration = Field(default=DEFAULT_EVERY, description="how often a POLLING trigger is polled (default 5m)")
    end_user: EndUserId | None = Field(default=None, description="externalId; overrides the flow's end_user")

    @property
    def alias(self) -> str:
        return self.uses.split(".", 1)[0]

    @property
    def trigger(self) -> str:
        return self.uses.split(".", 1)[1]

    @field_validator("every")
    @classmethod
    def _every_in_range(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=1) <= value <= MAX_EVERY:
            raise PydanticCustomError("every", "'every' must be between 1s and 1d",
                                      {"fix": "a polling interval such as '5m'"})
        return value


class WebhookSpec(StrictModel):
    """``webhook:``: the flow's own URL, ``/api/v1/webhooks/flows/<path>``."""

    path: Annotated[str, StringConstraints(pattern=WEBHOOK_PATH_PATTERN, max_length=200)] = Field(
        description="the URL's last part; unique among the deployed flows"
    )
    secret: SecretRef | None = Field(default=None, description="without one, anyone who knows the URL may post")
    auth: WebhookAuthType = Field(default=WebhookAuthType.HMAC_SHA256, description=(
        "with a secret: hmac_sha256 (the header holds sha256=<hex HMAC of the exact body>, GitHub style) or "
        "header_secret (the header holds the secret)"))
    signature_header: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+$", max_length=100)] | None = Field(
        default=None, description="default X-Signature-256 (hmac_sha256), X-Webhook-Secret (header_secret)"
    )


class OnEntry(StrictModel):
    """One entry of ``on:``: exactly one of ``trigger`` or ``webhook``."""

    id: Annotated[str, StringConstraints(pattern=ENTRY_KEY_PATTERN, max_length=100)] | None = Field(
        default=None, description="the entry's key in the plan; default the trigger's uses, or webhook.<path>"
    )
    trigger: TriggerSpec | None = None
    webhook: WebhookSpec | None = None
    overlap: Overlap = Field(default=Overlap.ALLOW,
                             description="an event while a run of the flow is going: allow (default), queue, skip")
    enabled: bool = True

    @model_validator(mode="after")
    def _exactly_one(self) -> OnEntry:
        if (self.trigger is None) == (self.webhook is None):
            raise PydanticCustomError("on_entry", "an 'on' entry has exactly one of 'trigger' or 'webhook'",
                                      {"fix": "write '- trigger: {uses: ...}' or '- webhook: {path: ...}'"})
        return self

    @property
    def key(self) -> str:
        """The entry's natural key: its trigger source is ``(flow, key)`` in the store, its plan address
        ``flow.<name>/trigger.<key>``."""
        if self.id is not None:
            return self.id
        if self.trigger is not None:
            return self.trigger.uses
        assert self.webhook is not None  # _exactly_one
        return f"webhook.{self.webhook.path.replace('/', '.')}"
