"""One action call through a backend, its outcome, and its dry-run preview (used by the flow runner)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from weavz_flow.engine.applied_partial import AppliedPartial
from weavz_flow.wire.vocabulary import ExecuteSource


@dataclass(frozen=True, slots=True)
class ExecuteCall:
    workspace: str  # slug; the backend maps it to its id
    integration: str
    action: str
    input: Mapping[str, Any] = field(default_factory=dict)
    alias: str | None = None
    end_user: str | None = None  # the end user's externalId
    # Names or ids; None = the alias's defaults; () or a list = the defaults that enforce keys, then those listed.
    partials: tuple[str, ...] | None = None
    idempotency_key: str | None = None
    connection_external_id: str | None = None
    # Values the caller knows to be secret (the run's secrets): the backend asks its engine to redact them from
    # everything it records and returns. Never shown (no repr).
    redact: tuple[str, ...] = field(default=(), repr=False)
    # False: the caller retries the call itself (a flow step's `retry`), so the provider layer under it makes one
    # attempt per execute; one owner of retries per call keeps `retry: 3` at 3 + 1 provider calls.
    provider_retries: bool = True

    def fields(self, workspace_id: str) -> dict[str, Any]:
        """This call's execute request in the workspace ``workspace_id``, by field name: for the wire's
        :class:`~weavz_flow.wire.actions.ExecuteRequest` (which ignores ``redact`` and ``provider_retries``: they
        travel as headers) or the engine's, which extends it."""
        return {
            "integration_name": self.integration, "action_name": self.action, "input": dict(self.input),
            "workspace_id": workspace_id, "integration_alias": self.alias, "end_user_id": self.end_user,
            "partial_ids": list(self.partials) if self.partials is not None else None,
            "idempotency_key": self.idempotency_key, "connection_external_id": self.connection_external_id,
            "redact": self.redact, "provider_retries": self.provider_retries, "source": ExecuteSource.FLOW,
        }


class OutcomeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    APPROVAL_REQUIRED = "approval_required"  # a remote Human Gates policy paused the call (HTTP 202)


@dataclass(frozen=True, slots=True)
class ExecuteOutcome:
    """A call that ran (or was paused for approval). Failures are raised as ApiError, never returned."""

    status: OutcomeStatus
    output: Any = None
    duration_ms: float | None = None
    approval: Mapping[str, Any] | None = None  # the wire approval object when status is APPROVAL_REQUIRED
    # The partials applied, in merge order, and why; None when the backend does not say (the Weavz API's execute
    # answer does not).
    partials: tuple[AppliedPartial, ...] | None = None


@dataclass(frozen=True, slots=True)
class ExecutePreview:
    """What a call would do, without running it: the final merged input and the connection it would use."""

    workspace: str
    integration: str
    action: str
    alias: str | None
    final_input: Mapping[str, Any]
    enforced_keys: tuple[str, ...]
    partials: tuple[AppliedPartial, ...]  # the partials that would apply, in merge order, and why
    connection_external_id: str | None  # None: the integration needs no connection
    connection_id: str | None = None
    end_user: str | None = None
    # What the backend could not know (a remote backend without a catalog); empty when the preview is complete.
    notes: tuple[str, ...] = ()
    enforced_by: Mapping[str, str] = field(default_factory=dict)  # enforced key -> the partial whose value it has
    overridden_keys: tuple[str, ...] = ()  # keys of the call's input that an enforced value replaces
