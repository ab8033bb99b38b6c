"""One log line per request, written by us instead of uvicorn's access log.

Only method, path, status and duration are logged: never headers (Authorization, X-Service-Key), never bodies, and
never the query string, which a careless client can fill with a token. The path is percent-decoded and may hold a
newline: like every weavz_flow record, the line is escaped (``weavz_flow.log_lines``), so a path cannot forge one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("weavz_flow.server.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            client = scope.get("client")
            log.info(
                '%s "%s %s" %d %.1fms',
                client[0] if client else "-",
                scope["method"],
                scope["path"],
                status["code"],
                (time.perf_counter() - started) * 1000,
            )
