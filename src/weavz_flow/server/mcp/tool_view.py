"""A server's tools as a view of (alias, action, applicable partials), computed from the catalog and the workspace,
never stored twice (DESIGN.md "Growing the system", MCP).

- **Synced tools**: one per action of each workspace alias that is enabled (``enabledActions`` null = all) *and runs
  on this engine*. A catalog action that is known but not native would answer every call with
  NATIVE_ACTION_UNSUPPORTED, so it is not offered to an agent at all.
- **Explicit tools** (rows of ``mcp_tools``) refine the synced tool of the same (alias, action): ``displayName``
  becomes the title, and ``description``, ``inputDefaults``, ``partialIds`` and ``sortOrder`` replace the synced
  ones; a ``connectionId`` makes every call of the tool use that connection (execute's ``connectionExternalId``),
  whoever the end user is: the server's owner pinned it. An explicit tool without an alias targets the alias
  execute would pick for its integration; if the workspace has no alias for it (an integration without auth, say
  kv-store) the tool is named after the integration and runs without one, as ``POST /actions/execute`` does. An
  explicit tool for an action that is disabled on its alias or does not run here is left out: the workspace's
  governance decides, not the tool row.
- **Names** are ``{alias}__{action}``. A name that breaks MCP's tool-name rule (SEP-986: 1-128 of ``A-Z a-z 0-9 _ -
  .``; a long action name can push it past 128) or that two tools would share (an alias may itself hold ``__``) is
  left out with a warning in the log, never renamed: a renamed tool could not be told apart from a real one.
- **inputSchema** is the action's JSON Schema from the catalog minus every key an applicable partial enforces (the
  partials execute would select: the alias's defaults, integration-wide then the action's, or the tool's
  ``partialIds`` with the enforcing defaults) — an agent is never offered a key it cannot change — and with the
  values the partials and the tool's ``inputDefaults`` supply shown as ``default`` (such a key is no longer
  ``required``: the merge supplies it).

Everything here is pure: :mod:`weavz_flow.server.mcp.tool_source` reads the inputs and caches the result.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from mcp.shared.tool_name_validation import TOOL_NAME_REGEX

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.engine.alias_choice import choose_alias
from weavz_flow.engine.models import Partial, WorkspaceIntegration
from weavz_flow.engine.partial_merge import choose_partials, merge_input
from weavz_flow.errors import ApiError
from weavz_flow.wire.mcp import McpTool
from weavz_flow.wire.vocabulary import MCP_TOOL_NAME_SEPARATOR

log = logging.getLogger("weavz_flow.server.mcp")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool and what a call of it executes."""

    name: str
    integration_name: str
    action_name: str
    alias: str | None  # None: the workspace has no alias for the integration (runs without one)
    title: str
    description: str
    input_schema: dict[str, Any]
    input_defaults: Mapping[str, Any] = field(default_factory=dict)
    partial_ids: tuple[str, ...] | None = None  # None: the alias's default partials, as execute selects them
    connection_id: str | None = None  # the tool row's own connection, which then replaces the alias's resolution
    sort_key: tuple[int, int, str] = (0, 0, "")

    def mcp_tool(self) -> types.Tool:
        return types.Tool(name=self.name, title=self.title or None, description=self.description or None,
                          input_schema=self.input_schema)


@dataclass(frozen=True, slots=True)
class ToolView:
    tools: tuple[ToolSpec, ...]
    by_name: Mapping[str, ToolSpec]
    # The tools/list answer as the wire has it, built once per view (a list of 500 tools is ~120 kB of JSON: not
    # worth rebuilding per request), and a hash of it: what a session's "did my list change" compares.
    answer: Mapping[str, Any]
    fingerprint: str

    @classmethod
    def of(cls, tools: Sequence[ToolSpec]) -> ToolView:
        ordered = tuple(sorted(tools, key=lambda t: t.sort_key))
        answer = types.ListToolsResult(tools=[t.mcp_tool() for t in ordered]).model_dump(
            by_alias=True, mode="json", exclude_none=True)
        fingerprint = hashlib.sha256(json.dumps(answer, sort_keys=True).encode()).hexdigest()
        return cls(ordered, {t.name: t for t in ordered}, answer, fingerprint)


def tool_name(alias: str, action: str) -> str:
    return f"{alias}{MCP_TOOL_NAME_SEPARATOR}{action}"


class SchemaCache:
    """The catalog's JSON Schema of each action, derived once (the catalog does not change under a running engine)."""

    def __init__(self) -> None:
        self._schemas: dict[str, dict[str, Any]] = {}

    def schema(self, action: ActionInfo) -> dict[str, Any]:
        schema = self._schemas.get(action.key)
        if schema is None:
            schema = self._schemas[action.key] = action.input_schema()
        return schema


def compute_view(
    catalog: Catalog,
    aliases: Sequence[WorkspaceIntegration],
    partials: Sequence[Partial],
    tools: Sequence[McpTool],
    schemas: SchemaCache | None = None,
) -> ToolView:
    schemas = schemas or SchemaCache()
    alias_order = {a.alias: i for i, a in enumerate(aliases)}
    by_alias = {a.alias: a for a in aliases}
    wanted: dict[tuple[str | None, str, str], McpTool | None] = {}  # (alias, integration, action) -> explicit row
    for wi in aliases:
        integration = _integration(catalog, wi.integration_name)
        if integration is None:
            continue
        for action in integration.actions:
            if integration.runs_here(action) and _enabled(wi, action):
                wanted[(wi.alias, wi.integration_name, action)] = None
    for tool in tools:
        target = _tool_alias(aliases, tool)
        if isinstance(target, ApiError):
            log.warning("MCP tool %s: %s; left out", tool.id, target.message)
            continue
        alias = target.alias if target is not None else None
        key = (alias, tool.integration_name, tool.action_name)
        if target is not None and key not in wanted:
            log.warning("MCP tool %s: %s.%s is not enabled on alias '%s' or does not run here; left out", tool.id,
                        tool.integration_name, tool.action_name, alias)
            continue
        if target is None:
            integration = _integration(catalog, tool.integration_name)
            if integration is None or not integration.runs_here(tool.action_name):
                log.warning("MCP tool %s: %s.%s does not run here; left out", tool.id, tool.integration_name,
                            tool.action_name)
                continue
        wanted[key] = tool
    specs: dict[str, ToolSpec] = {}
    clashes: set[str] = set()
    for (alias, integration_name, action_name), row in wanted.items():
        spec = _spec(catalog, schemas, by_alias.get(alias) if alias else None, alias, integration_name,
                     action_name, row, partials, alias_order)
        if spec is None:
            continue
        if spec.name in specs:
            clashes.add(spec.name)
            continue
        specs[spec.name] = spec
    for name in clashes:
        log.warning("MCP tool name %r would name two tools; both left out", name)
        specs.pop(name, None)
    return ToolView.of(list(specs.values()))


def _spec(
    catalog: Catalog, schemas: SchemaCache, wi: WorkspaceIntegration | None, alias: str | None,
    integration_name: str, action_name: str, tool: McpTool | None, partials: Sequence[Partial],
    alias_order: Mapping[str, int],
) -> ToolSpec | None:
    name = tool_name(alias or integration_name, action_name)
    if not TOOL_NAME_REGEX.fullmatch(name):
        log.warning("MCP tool name %r breaks the MCP tool-name rule (1-128 of A-Z a-z 0-9 _ - .); left out", name[:200])
        return None
    action = catalog.action(integration_name, action_name)
    partial_ids = tuple(tool.partial_ids) if tool is not None and tool.partial_ids else None
    try:
        selected = choose_partials(partials, alias_id=wi.id if wi else None, alias=alias, action_name=action_name,
                                   partial_ids=partial_ids)
    except ApiError as exc:  # a partial the tool names was deleted or moved: a call would fail the same way
        log.warning("MCP tool %r: %s; left out", name, exc.message)
        return None
    input_defaults = dict(tool.input_defaults) if tool is not None else {}
    merged = merge_input({}, selected, input_defaults)
    schema = _narrowed(schemas.schema(action), merged.values, frozenset(merged.enforced_keys))
    sort_order = tool.sort_order if tool is not None else (wi.sort_order if wi is not None else 0)
    title = (tool.display_name if tool is not None and tool.display_name else None) or action.display_name
    description = (tool.description if tool is not None and tool.description else None) or action.description
    return ToolSpec(
        name=name, integration_name=integration_name, action_name=action_name, alias=alias, title=title,
        description=description, input_schema=schema, input_defaults=input_defaults, partial_ids=partial_ids,
        connection_id=tool.connection_id if tool is not None else None,
        sort_key=(sort_order, alias_order.get(alias or "", len(alias_order)), action_name),
    )


def _narrowed(schema: dict[str, Any], values: Mapping[str, Any], enforced: frozenset[str]) -> dict[str, Any]:
    """The action's schema without the enforced keys, with the other supplied values as defaults."""
    properties: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        if key in enforced:
            continue
        if key in values:
            prop = {**prop, "default": copy.deepcopy(values[key])}
        properties[key] = prop
    required = [k for k in schema.get("required", ()) if k not in enforced and k not in values]
    return {"type": "object", "properties": properties, "required": required}


def _integration(catalog: Catalog, name: str) -> IntegrationInfo | None:
    try:
        return catalog.integration(name)
    except ApiError:
        return None


def _enabled(wi: WorkspaceIntegration, action: str) -> bool:
    return wi.enabled_actions is None or action in wi.enabled_actions


def _tool_alias(aliases: Sequence[WorkspaceIntegration], tool: McpTool) -> WorkspaceIntegration | ApiError | None:
    """The alias a tool row targets, as execute would pick it (None: the workspace has none for the integration)."""
    try:
        return choose_alias(aliases, tool.integration_name, integration_alias=tool.integration_alias)
    except ApiError as exc:
        return exc
