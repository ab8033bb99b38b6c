"""``notifications/tools/list_changed`` for connected sessions.

A session that has listed tools is remembered with the fingerprint of the list it got. One loop per process checks,
every ``interval_s``, the view of each server that has such sessions (:meth:`ToolSource.current`: one primary-key read
of the ``config_version`` counter while nothing changed, so the check is the same whichever process made a write);
when a server's fingerprint differs from what a session last listed, the session gets the notification on its
standalone stream (the GET stream of Streamable HTTP, stdout on stdio), once per change. A session whose stream
is gone is forgotten the first time a notification cannot be delivered; at most ``max_sessions`` are remembered
(the oldest is forgotten first).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER

from weavz_flow.engine.mcp_access import McpAccess
from weavz_flow.errors import ApiError
from weavz_flow.server.mcp.tool_source import ToolSource

log = logging.getLogger("weavz_flow.server.mcp")

DEFAULT_INTERVAL_S = 1.0
DEFAULT_MAX_SESSIONS = 10_000


@dataclass(slots=True)
class _Listed:
    session: ServerSession
    access: McpAccess
    fingerprint: str


class ListChangedWatcher:
    def __init__(self, tools: ToolSource, *, interval_s: float = DEFAULT_INTERVAL_S,
                 max_sessions: int = DEFAULT_MAX_SESSIONS) -> None:
        self._tools = tools
        self._interval_s = interval_s
        self._max_sessions = max_sessions
        self._listed: OrderedDict[str, _Listed] = OrderedDict()

    def listed(self, ctx: ServerRequestContext[Any, Any], access: McpAccess, fingerprint: str) -> None:
        """Remember that the session of ``ctx`` has just listed the tools with ``fingerprint``."""
        key = _session_key(ctx)
        if key is None:
            return  # stateless: no stream to notify on
        self._listed[key] = _Listed(ctx.session, access, fingerprint)
        self._listed.move_to_end(key)
        while len(self._listed) > self._max_sessions:
            self._listed.popitem(last=False)

    async def run(self) -> None:
        """Check and notify until cancelled (run in the transport's task group)."""
        while True:
            await anyio.sleep(self._interval_s)
            try:
                await self.check()
            except Exception:  # a failed read (database away) must not end the loop: the next tick tries again
                log.exception("tools/list_changed check failed")

    async def check(self) -> None:
        current: dict[str, str | None] = {}
        for key, entry in list(self._listed.items()):
            server_id = entry.access.server.id
            if server_id not in current:
                try:
                    current[server_id] = (await anyio.to_thread.run_sync(self._tools.current, entry.access))[0]
                except ApiError:  # the server is gone (deleted): its sessions' next requests are refused anyway
                    current[server_id] = None
            if current[server_id] is None:
                self._listed.pop(key, None)
                continue
            if current[server_id] == entry.fingerprint:
                continue
            entry.fingerprint = str(current[server_id])
            try:
                await entry.session.send_tool_list_changed()
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self._listed.pop(key, None)


def _session_key(ctx: ServerRequestContext[Any, Any]) -> str | None:
    request = ctx.request
    if request is None:
        return "stdio"  # one process, one session
    headers = getattr(request, "headers", None)
    return headers.get(MCP_SESSION_ID_HEADER) if headers is not None else None
