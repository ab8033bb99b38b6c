"""Provider stubs: small ASGI apps that answer like a provider and record what they received.

Every stub is a :class:`ProviderStub`. Serve one with :func:`serve` (uvicorn on 127.0.0.1, port 0, in a thread) and
point an integration at ``stub.url`` through its base-URL override. The stub API used by tests:

- ``stub.url``: base URL, e.g. ``http://127.0.0.1:53211`` (Slack's stub also answers under ``/api``).
- ``stub.token``: the bearer token the stub accepts; any other token gets the provider's auth error.
- ``stub.requests``: list of :class:`RecordedRequest` (method, path, raw_path, query, query_string, headers, json,
  body, form),
  oldest first.
- ``stub.last``: the most recent request.
- ``stub.reset()``: forget requests and queued failures, restore the seed data.
- ``stub.fail_next(status, n=1, retry_after=None, body=None, headers=None)``: the next ``n`` requests get
  ``status`` (with ``Retry-After`` when given, extra ``headers``, and the provider's error body shape unless ``body``
  is given). Failed requests are recorded too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]  # last value of each key
    headers: dict[str, str]  # lower-case names
    json: Any  # parsed JSON body, else None
    body: bytes
    form: dict[str, str] = field(default_factory=dict)  # url-encoded form fields
    raw_path: str = ""  # the path as sent, percent-encoding intact
    query_string: str = ""  # the query as sent (repeated keys intact)

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else None

    def query_all(self, key: str) -> list[str]:
        """Every value of a repeated query key, in order."""
        return parse_qs(self.query_string).get(key, [])

    def params(self) -> dict[str, Any]:
        """Query, form and JSON body merged (later wins), as Slack reads its arguments."""
        merged: dict[str, Any] = {**self.query, **self.form}
        if isinstance(self.json, dict):
            merged.update(self.json)
        return merged


@dataclass(slots=True)
class _Failure:
    status: int
    remaining: int
    retry_after: str | None
    body: Any
    headers: dict[str, str]


class ProviderStub:
    """Base of every stub: recording, queued failures, bearer check; subclasses implement :meth:`handle`."""

    name = "stub"
    token: str | None = None  # None: no auth check

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self.seed()

    # --- for tests -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self.seed()

    def fail_next(self, status: int, n: int = 1, retry_after: float | str | None = None, body: Any = None,
                  headers: dict[str, str] | None = None) -> None:
        with self._lock:
            after = None if retry_after is None else (
                retry_after if isinstance(retry_after, str) else f"{retry_after:g}")
            self._failures.append(_Failure(status, n, after, body, dict(headers or {})))

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    # --- for subclasses --------------------------------------------------------------------------------------
    def seed(self) -> None:
        """(Re)create the stub's data."""

    def handle(self, request: RecordedRequest) -> Response:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        return {"message": message}

    def auth_error(self) -> Response:
        return JSONResponse(self.error_body(401, "Bad credentials"), status_code=401)

    # --- ASGI ------------------------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        recorded = await _record(request)
        with self._lock:
            self.requests.append(recorded)
            failure = self._take_failure()
        if failure is not None:
            response = self._failure_response(failure)
        elif self.token is not None and recorded.bearer != self.token:
            response = self.auth_error()
        else:
            response = await self.ahandle(recorded)
        await response(scope, receive, send)

    async def ahandle(self, request: RecordedRequest) -> Response:
        return self.handle(request)

    def _take_failure(self) -> _Failure | None:
        if not self._failures:
            return None
        failure = self._failures[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            self._failures.pop(0)
        return failure

    def _failure_response(self, failure: _Failure) -> Response:
        body = failure.body if failure.body is not None else self.error_body(failure.status, _reason(failure.status))
        headers = dict(failure.headers)
        if failure.retry_after is not None:
            headers["Retry-After"] = failure.retry_after
        if isinstance(body, str | bytes):
            return Response(body, status_code=failure.status, headers=headers, media_type="text/plain")
        return JSONResponse(body, status_code=failure.status, headers=headers)


def _reason(status: int) -> str:
    return {429: "rate limited", 500: "internal error", 502: "bad gateway", 503: "service unavailable",
            504: "gateway timeout"}.get(status, f"status {status}")


async def _record(request: Request) -> RecordedRequest:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    parsed: Any = None
    form: dict[str, str] = {}
    if body and "json" in content_type:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    elif body and "application/x-www-form-urlencoded" in content_type:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
    return RecordedRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        headers={k.lower(): v for k, v in request.headers.items()},
        json=parsed,
        body=body,
        form=form,
        raw_path=request.scope.get("raw_path", b"").decode("latin-1"),
        query_string=request.scope.get("query_string", b"").decode("latin-1"),
    )


@contextmanager
def serve(app: Any, *, name: str = "stub") -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 and a free port in a daemon thread; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"{name}-stub", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {name} stub server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running(stub: ProviderStub) -> Iterator[ProviderStub]:
    """Serve a stub and set its ``url``."""
    with serve(stub, name=stub.name) as url:
        stub.url = url
        yield stub
