"""The execute request, its result, and the dry-run view of what an execute would do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from weavz_flow.catalog.input_check import FieldProblem
from weavz_flow.engine.applied_partial import AppliedPartial
from weavz_flow.engine.inputs import EngineInput
from weavz_flow.wire.actions import ExecuteRequest as WireExecuteRequest
from weavz_flow.wire.vocabulary import ExecuteSource


class ExecuteRequest(WireExecuteRequest, EngineInput):
    """``POST /api/v1/actions/execute`` (weavz-api.md §2.1): the wire's request, and what a caller in this process
    passes beside it (a server reads those two from headers). ``end_user_id`` is the end user's externalId."""

    # Values the caller knows to be secret (a flow's `secrets`, its connections' credentials): redacted, on top of
    # the credential's own strings, from everything the execute records, logs or returns. Only ever adds redactions;
    # never recorded, never shown (no repr, no dump), never part of the idempotency fingerprint.
    redact: tuple[str, ...] = Field(default=(), repr=False, exclude=True)
    # False: the caller owns retries (a flow step's `retry`), so the provider layer makes one attempt. How a call is
    # retried is not what it is: never part of the idempotency fingerprint.
    provider_retries: bool = Field(default=True, exclude=True)
    # Which surface called (recorded with the execution). Who asks is not what is asked: never part of the
    # idempotency fingerprint, so a retry through another surface still replays.
    source: ExecuteSource = Field(default=ExecuteSource.REST, exclude=True)
    # The MCP server a tool call came through (approval policies may filter on it); not part of the fingerprint.
    mcp_server_id: str | None = Field(default=None, exclude=True)


@dataclass(frozen=True, slots=True)
class ConnectionRef:
    """Which connection an execute used or would use; never its credential."""

    id: str
    external_id: str
    display_name: str
    type: str
    end_user_id: str | None = None  # the owning end user's externalId


@dataclass(frozen=True, slots=True)
class ExecuteResult:
    output: Any
    duration_ms: float
    execution_id: str
    # True when an idempotencyKey had completed before: the recorded result, the provider not called again.
    replayed: bool = False
    workspace_integration_id: str | None = None
    integration_alias: str | None = None
    connection_id: str | None = None
    partial_ids: tuple[str, ...] = ()
    enforced_keys: tuple[str, ...] = ()
    partials: tuple[AppliedPartial, ...] = ()  # the partials applied, in merge order, and why

    def to_wire(self) -> dict[str, Any]:
        """The 200 body: ``{success, output, duration}``."""
        return {"success": True, "output": self.output, "duration": self.duration_ms}


@dataclass(frozen=True, slots=True)
class ResolvedExecution:
    """What an execute would do, without running it (steps 1-7): for dry runs and previews.

    ``input`` is the final merged input and may hold enforced values; show it only to the caller who asked.
    """

    integration_name: str
    action_name: str
    workspace_id: str
    workspace_integration_id: str | None
    integration_alias: str | None
    connection: ConnectionRef | None
    input: dict[str, Any]
    partial_ids: tuple[str, ...]
    partials: tuple[AppliedPartial, ...]  # the partials that would apply, in merge order, and why
    enforced_keys: tuple[str, ...]
    overridden_keys: tuple[str, ...]  # caller keys an enforced value replaced
    sources: dict[str, str]  # key -> "default" | "partial:<id>" | "input" | "enforced:<id>"
    namespace: str  # persistence namespace for the built-ins
    base_url: str | None  # the provider base URL in effect (None: the integration has none)
    executable: bool  # False for a catalog action that is not native here (execute would say so)
    problems: list[FieldProblem] = field(default_factory=list)  # validation problems (execute would refuse)
