"""An MCP server's tools, which are part of the server: as plan attributes (``tools.<alias>.<action>``, and
``tool_order`` when only their order differs) and as the tool calls that converge a live server. Pure.

A tool is known by its key ``<alias>.<action>`` within its server. Its partials are names in the config and in the
plan, ids on the backend. A display name or description the config leaves out is left alone, as for the other
kinds' optional display attributes (a backend may fill them in itself).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.backends.live import LiveMcpServer, LiveMcpTool
from weavz_flow.backends.specs import McpToolSpec
from weavz_flow.plan.desired import DesiredMcpServer, DesiredMcpTool
from weavz_flow.plan.model import AttributeDiff

TOOL_ORDER = "tool_order"


def tool_attribute(key: str) -> str:
    return f"tools.{key}"


def desired_view(tool: DesiredMcpTool) -> dict[str, Any]:
    view: dict[str, Any] = {}
    if tool.display_name is not None:
        view["display_name"] = tool.display_name
    if tool.description is not None:
        view["description"] = tool.description
    if tool.input_defaults:
        view["input_defaults"] = dict(tool.input_defaults)
    if tool.partials:
        view["partials"] = list(tool.partials)
    return view


def live_view(tool: LiveMcpTool, partial_names: Mapping[str, str], like: DesiredMcpTool | None) -> dict[str, Any]:
    """The live tool as the config would say it; ``like`` (the desired tool of that key) drops what it leaves out."""
    view: dict[str, Any] = {}
    if tool.display_name is not None and (like is None or like.display_name is not None):
        view["display_name"] = tool.display_name
    if tool.description is not None and (like is None or like.description is not None):
        view["description"] = tool.description
    if tool.input_defaults:
        view["input_defaults"] = dict(tool.input_defaults)
    if tool.partial_ids:
        view["partials"] = [partial_names.get(i, i) for i in tool.partial_ids]
    return view


def tool_diffs(desired: DesiredMcpServer, live: LiveMcpServer | None, partial_names: Mapping[str, str],
               replaced_partials: Collection[str] = ()) -> list[AttributeDiff]:
    """One diff per tool added, changed or removed (a tool whose partial is replaced shows as re-pointed), then the
    order of the tools both sides have, when it differs."""
    if live is None:
        return [AttributeDiff(tool_attribute(d.key), None, desired_view(d)) for d in desired.tools]
    live_by_key = {t.key: t for t in live.tools}
    wanted = {d.key for d in desired.tools}
    diffs = []
    for d in desired.tools:
        found = live_by_key.get(d.key)
        after = desired_view(d)
        if found is None:
            diffs.append(AttributeDiff(tool_attribute(d.key), None, after))
            continue
        before = live_view(found, partial_names, d)
        if found.integration != d.integration:  # its alias now names another integration: the tool is made again
            before, after = {**before, "integration": found.integration}, {**after, "integration": d.integration}
        if before != after or any(p in replaced_partials for p in d.partials):
            diffs.append(AttributeDiff(tool_attribute(d.key), before, after))
    for t in live.tools:
        if t.key not in wanted:
            diffs.append(AttributeDiff(tool_attribute(t.key), live_view(t, partial_names, None), None))
    desired_order = [d.key for d in desired.tools if d.key in live_by_key]
    live_order = [t.key for t in live.tools if t.key in wanted]
    if desired_order != live_order:
        diffs.append(AttributeDiff(TOOL_ORDER, live_order, desired_order))
    return diffs


@dataclass(frozen=True, slots=True)
class ToolSync:
    """The tool calls that make a live server's tools the desired ones: deletes first (a tool made again keeps its
    key), then creates and updates. Every desired tool ends with its index as its sort order."""

    deletes: tuple[LiveMcpTool, ...] = ()
    creates: tuple[McpToolSpec, ...] = ()
    updates: tuple[tuple[str, McpToolSpec], ...] = field(default_factory=tuple)  # (tool id, spec)


def tool_sync(desired: DesiredMcpServer, live_tools: tuple[LiveMcpTool, ...],
              partial_id: Callable[[str, str], str]) -> ToolSync:
    """``partial_id(alias, name)`` is the backend id of the workspace's partial ``name`` of ``alias``."""
    by_key = {d.key: d for d in desired.tools}
    deletes = [t for t in live_tools if t.key not in by_key or t.integration != by_key[t.key].integration]
    kept = {t.key: t for t in live_tools if t not in deletes}
    creates: list[McpToolSpec] = []
    updates: list[tuple[str, McpToolSpec]] = []
    for index, d in enumerate(desired.tools):
        spec = McpToolSpec(d.integration, d.action, d.alias, index, d.display_name, d.description,
                           dict(d.input_defaults), tuple(partial_id(d.alias, p) for p in d.partials))
        found = kept.get(d.key)
        if found is None:
            creates.append(spec)
        elif _differs(found, spec):
            updates.append((found.id, spec))
    return ToolSync(tuple(deletes), tuple(creates), tuple(updates))


def _differs(live: LiveMcpTool, spec: McpToolSpec) -> bool:
    return (live.sort_order != spec.sort_order or live.alias != spec.alias
            or dict(live.input_defaults) != dict(spec.input_defaults) or live.partial_ids != spec.partial_ids
            or (spec.display_name is not None and spec.display_name != live.display_name)
            or (spec.description is not None and spec.description != live.description))
