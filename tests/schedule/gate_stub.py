"""A provider stub whose ``/gate/<name>`` requests wait until the test opens that gate: a flow step that blocks for
as long as a test needs (overlap tests). Any other path answers at once like the echo stub."""

from __future__ import annotations

import asyncio
import threading

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

GATE_LIMIT_S = 30.0  # a gate never opened lets the request fail instead of hanging the test run


class GateStub(ProviderStub):
    name = "gate"
    token = None

    def seed(self) -> None:
        self._gates: dict[str, threading.Event] = {}

    def gate(self, name: str) -> threading.Event:
        with self._lock:
            return self._gates.setdefault(name, threading.Event())

    def open(self, name: str) -> None:
        self.gate(name).set()

    def arrived(self, name: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == f"/gate/{name}"]

    async def ahandle(self, request: RecordedRequest) -> Response:
        if request.path.startswith("/gate/"):
            gate = self.gate(request.path.removeprefix("/gate/"))
            opened = await asyncio.get_running_loop().run_in_executor(None, gate.wait, GATE_LIMIT_S)
            if not opened:
                return JSONResponse({"message": "gate never opened"}, status_code=504)
        return self.handle(request)

    def handle(self, request: RecordedRequest) -> Response:
        return JSONResponse({"path": request.path, "query": request.query})
