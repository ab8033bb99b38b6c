"""What a create or update asks a backend to make: the desired attributes, with backend ids for references.

An update sends the whole spec (the backend decides how much to put on the wire); immutable parts of a spec (an
alias's integration, a partial's scope) are ignored by updates, and the plan replaces the object instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.vocabulary import McpAuthMode, McpMode


@dataclass(frozen=True, slots=True)
class WorkspaceSpec:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    integration: str
    external_id: str
    type: str
    credentials: Credentials  # secret parts are Sensitive
    display_name: str | None = None
    workspace_id: str | None = None
    end_user: str | None = None  # externalId of the owning end user
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class EndUserSpec:
    workspace_id: str
    external_id: str
    display_name: str | None = None
    email: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AliasSpec:
    workspace_id: str
    alias: str
    integration: str
    strategy: str
    connection_id: str | None = None
    enabled_actions: tuple[str, ...] | None = None
    display_name: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PartialSpec:
    workspace_id: str
    alias: str
    integration: str
    name: str
    alias_id: str | None = None  # the workspace integration's id, when known (exact even with repeated aliases)
    action: str | None = None
    description: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    enforced_keys: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class McpServerSpec:
    workspace_id: str
    name: str
    mode: str
    auth_mode: str
    description: str | None = None  # None leaves the live one alone on update
    end_user_access: str | None = None  # likewise

    def request_fields(self) -> dict[str, Any]:
        """The fields of the wire's McpServerCreate / McpServerUpdate (besides the workspace), those left alone
        left out."""
        return {"name": self.name, "mode": McpMode(self.mode), "auth_mode": McpAuthMode(self.auth_mode),
                **_given(description=self.description, end_user_access=self.end_user_access)}


@dataclass(frozen=True, slots=True)
class McpToolSpec:
    integration: str
    action: str
    alias: str
    sort_order: int
    display_name: str | None = None  # None leaves the live one alone on update
    description: str | None = None  # likewise
    input_defaults: Mapping[str, Any] = field(default_factory=dict)
    partial_ids: tuple[str, ...] = ()

    def request_fields(self) -> dict[str, Any]:
        """The fields of the wire's McpToolCreate (besides integration and action) and McpToolUpdate."""
        return {"integration_alias": self.alias, "input_defaults": dict(self.input_defaults),
                "partial_ids": list(self.partial_ids), "sort_order": self.sort_order,
                **_given(display_name=self.display_name, description=self.description)}


@dataclass(frozen=True, slots=True)
class McpTokenSpec:
    """A token for one end user (``oauth``: an ``mcpo_`` OAuth access token, else an ``mcp_`` bearer), or, without
    an end user, a new static bearer of the server (its previous one stops working)."""

    end_user: str | None = None
    expires_in_s: int | None = None
    oauth: bool = False


@dataclass(frozen=True, slots=True)
class MintedToken:
    token: Sensitive[str]
    kind: str  # "bearer" (the server's static one), "access" (an end user's mcp_) or "oauth" (mcpo_)
    expires_at: str | None = None
    end_user: str | None = None


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
