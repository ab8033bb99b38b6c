"""The tool view of each server, cached and kept current for every process sharing the database.

What a view depends on (the workspace's aliases and partials, the server's tool rows) changes only through writes to
the managed objects, and every such write bumps the one-row ``config_version`` counter (database triggers: revision
0003 for aliases and partials, the MCP revision for ``mcp_servers`` and ``mcp_tools``). So one primary-key read tells
whether a cached view may still be current; only when the counter moved are the inputs read again and the view
recomputed. A view's fingerprint is a hash of what ``tools/list`` answers (:class:`ToolView`): it tells connected
sessions that their list changed (:mod:`weavz_flow.server.mcp.list_changed`), and a write elsewhere in the
organization, which moves the counter but not the answer, sends nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from weavz_flow.engine.config_cache import current_config_version
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.mcp_access import McpAccess
from weavz_flow.server.mcp.tool_view import SchemaCache, ToolView, compute_view


@dataclass(frozen=True, slots=True)
class _Entry:
    version: int
    view: ToolView


class ToolSource:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._schemas = SchemaCache()
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def view(self, access: McpAccess) -> ToolView:
        return self.current(access)[1]

    def current(self, access: McpAccess) -> tuple[str, ToolView]:
        """The server's view and its fingerprint (synchronous: the engine's reads; call from a worker thread)."""
        server = access.server
        version = current_config_version(self._engine.store)
        entry = self._entries.get(server.id)
        if entry is not None and entry.version == version:
            return entry.view.fingerprint, entry.view
        engine, caller = self._engine, access.caller
        aliases = engine.integrations.list_in(caller, server.workspace_id)
        partials = engine.partials.list_in(caller, server.workspace_id)
        tools = engine.mcp_servers.tools(caller, server.id)
        view = compute_view(engine.catalog, aliases, partials, tools, self._schemas)
        with self._lock:
            latest = self._entries.get(server.id)
            if latest is None or latest.version <= version:
                self._entries[server.id] = _Entry(version, view)
        return view.fingerprint, view
