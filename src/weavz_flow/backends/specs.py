"""What a create or update asks a backend to make: the desired attributes, with backend ids for references.

An update sends the whole spec (the backend decides how much to put on the wire); immutable parts of a spec (an
alias's integration, a partial's scope) are ignored by updates, and the plan replaces the object instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.integrations.base import Credentials


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
