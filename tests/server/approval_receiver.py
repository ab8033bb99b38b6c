"""A webhook approver's receiver on 127.0.0.1: records every delivery (the stub base's recording and queued
failures) and can act on one as it arrives, as a real approver service decides through the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest
from weavz_flow.wire.approval_webhooks import verify

HOOK_PATH = "/hooks/approvals"


class ApprovalReceiver(ProviderStub):
    name = "approval-receiver"

    def __init__(self) -> None:
        super().__init__()
        self.on_event: Callable[[RecordedRequest], None] | None = None

    def reset(self) -> None:
        super().reset()
        self.on_event = None

    @property
    def hook_url(self) -> str:
        return self.url + HOOK_PATH

    def handle(self, request: RecordedRequest) -> Response:
        if request.path != HOOK_PATH:
            return JSONResponse({"message": "no such hook"}, status_code=404)
        if self.on_event is not None:
            self.on_event(request)
        return JSONResponse({"received": True})

    def events(self, approval_id: str | None = None) -> list[str]:
        return [r.headers["x-weavz-event"] for r in self.requests
                if approval_id is None or payload(r)["approval"]["id"] == approval_id]

    def verified(self, secret: str) -> bool:
        """Every request received is signed with ``secret`` within the default tolerance."""
        return bool(self.requests) and all(verify(secret, r.headers, r.body) for r in self.requests)


def payload(request: RecordedRequest) -> dict[str, Any]:
    return dict(json.loads(request.body))
