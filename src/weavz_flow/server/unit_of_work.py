"""One unit of work per request: its writes commit together, and only when the response is not a server error.

The transaction opens at the request's first write (:class:`weavz_flow.engine.store.UnitOfWork`) and ends when the
response starts: below 500 it commits (the body is built by then, so a response that cannot be rendered is still a
500 with nothing written), from 500 up, or when the app raised, it rolls back. A commit that fails becomes the 500
itself. The execute pipeline keeps its own transactions (see :meth:`weavz_flow.engine.store.Store.own_transactions`).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.server.errors import error_response

log = logging.getLogger("weavz_flow.server")


class UnitOfWorkMiddleware:
    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.store.unit_of_work() as unit:
            replaced = False

            async def send_after_deciding(message: Message) -> None:
                nonlocal replaced
                if replaced:
                    return  # the app's own response gave way to the 500 below
                if message["type"] == "http.response.start":
                    if message["status"] >= 500:
                        unit.rollback()
                    else:
                        try:
                            # In the event loop, not a worker thread: a commit must never wait for a free thread
                            # while the threads wait for its lock.
                            unit.commit()
                        except Exception as exc:
                            log.error("commit failed on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
                            replaced = True
                            failed = error_response(500, ErrorCode.INTERNAL_ERROR, "Internal server error")
                            await failed(scope, receive, send)
                            return
                await send(message)

            await self.app(scope, receive, send_after_deciding)
