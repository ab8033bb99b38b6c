"""Refuses a request whose path or query holds the NUL character (U+0000), before any route sees it.

PostgreSQL text cannot store or even compare against U+0000, so an id like ``%00`` would otherwise reach the store
and fail there as a 500. Bodies are guarded by the wire models (:mod:`weavz_flow.server.wire.base`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from weavz_flow.errors import ErrorCode
from weavz_flow.server.errors import error_response


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            response = error_response(400, ErrorCode.VALIDATION_ERROR,
                                      "The path and query must not contain the NUL character (U+0000)")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query
