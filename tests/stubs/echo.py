"""A plain HTTP echo server for the http integration (and anything else that needs a generic endpoint).

Any method and path answers 200 JSON ``{method, path, query, headers, json, body}`` describing the request, except:
``/status/<code>`` answers that status with ``{"message": "status <code>"}``; ``/redirect?to=<path>`` answers 302;
``/bytes`` answers 4 binary bytes (``application/octet-stream``); ``/text`` answers ``text/plain`` "hello";
``/slow?seconds=<s>`` waits before answering (for timeouts); ``/surrogate`` answers JSON whose string holds a lone
surrogate escape (``"\\ud800"``: valid JSON syntax, invalid text). No auth check.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

BINARY = b"\x89PNG"


class EchoStub(ProviderStub):
    name = "echo"
    token = None

    async def ahandle(self, request: RecordedRequest) -> Response:
        if request.path == "/slow":
            await asyncio.sleep(float(request.query.get("seconds", "1")))
        return self.handle(request)

    def handle(self, request: RecordedRequest) -> Response:
        if request.path.startswith("/status/"):
            code = int(request.path.rsplit("/", 1)[1])
            return JSONResponse({"message": f"status {code}"}, status_code=code)
        if request.path == "/redirect":
            return RedirectResponse(request.query.get("to", "/"), status_code=302)
        if request.path == "/bytes":
            return Response(BINARY, media_type="application/octet-stream")
        if request.path == "/text":
            return PlainTextResponse("hello")
        if request.path == "/surrogate":
            return Response(b'{"text": "a\\ud800b"}', media_type="application/json")
        return JSONResponse(self.describe(request))

    @staticmethod
    def describe(request: RecordedRequest) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "json": request.json,
            "body": request.body.decode("utf-8", errors="replace"),
        }
