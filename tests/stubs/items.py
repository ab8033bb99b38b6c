"""A small provider of items for trigger tests: a list that grows, read with a bearer token.

``GET /items?since=<id>`` answers ``{"items": [...]}``, the items with an id above ``since`` in id order (all of them
without it); every item is ``{id, title, createdAt}``. Tests add items with :meth:`ItemsStub.add` (the stub runs in
the test process). Any other token than ``ITEMS_TOKEN`` gets a 401 ``{"message": "Bad credentials"}``.
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

ITEMS_TOKEN = "items-token-canary-5b1e"


class ItemsStub(ProviderStub):
    name = "items"
    token = ITEMS_TOKEN

    def seed(self) -> None:
        self._items_lock = getattr(self, "_items_lock", threading.Lock())
        self.items: list[dict[str, Any]] = [
            {"id": 1, "title": "existing one", "createdAt": "2026-12-01T10:00:00Z"},
            {"id": 2, "title": "existing two", "createdAt": "2026-12-01T11:00:00Z"},
        ]

    def add(self, title: str) -> dict[str, Any]:
        with self._items_lock:
            item = {"id": self.items[-1]["id"] + 1 if self.items else 1, "title": title,
                    "createdAt": f"2026-12-04T00:00:{len(self.items):02d}Z"}
            self.items.append(item)
            return item

    def handle(self, request: RecordedRequest) -> Response:
        if request.method != "GET" or request.path != "/items":
            return JSONResponse({"message": "not found"}, status_code=404)
        since = int(request.query.get("since", "0"))
        with self._items_lock:
            items = [dict(i) for i in self.items if i["id"] > since]
        return JSONResponse({"items": items})
