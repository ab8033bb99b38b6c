"""Admits a request before any route sees it: a body within the size limit, and no invalid text anywhere.

- The body is counted while it streams in: a declared ``Content-Length`` over the limit is refused before a byte is
  read, and a chunked body is refused as soon as it passes the limit (413 ``PAYLOAD_TOO_LARGE``), so a 100 MB body
  is never held in memory.
- The path, the query and every string of a JSON body, key or value, must be valid text
  (:mod:`weavz_flow.text_check`): a lone surrogate or a NUL would fail in the store or in the response as a 500.
  The body must also be JSON the store can keep: finite numbers, nested at most ``json_depth`` levels.

Almost every body is plain: a scan of its bytes (C speed) for what could be a problem comes first, and only a body
the scan flags is decoded here to find and name the field (the route decodes it once more, as usual).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.errors import error_response
from weavz_flow.size_limits import SizeLimits
from weavz_flow.text_check import invalid_text_at, invalid_text_error, is_invalid

# What may hide invalid text or an unstorable number in JSON bytes: a \u0000 or surrogate escape, UTF-8 bytes of a
# surrogate (Python's JSON decoder lets them through), a raw NUL, NaN/Infinity, or an exponent of three digits.
_SUSPECT = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]|\x00|NaN|Infinity|[eE][+-]?\d{3}")


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, limits: SizeLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_target(scope)
            declared = _content_length(scope)
            if declared is not None and declared > self.limits.request_body_bytes:
                raise self._too_large()
            body, more = await self._read_body(receive)
            if body and _is_json(scope):
                _check_json(body, self.limits.json_depth)
        except ApiError as bad:
            response = error_response(bad.status, bad.code, bad.message, bad.details)
            if bad.code == ErrorCode.PAYLOAD_TOO_LARGE:
                response.headers["Connection"] = "close"  # the rest of the body is never read
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, more, receive), send)

    async def _read_body(self, receive: Receive) -> tuple[bytes, Message | None]:
        """The whole body (at most the limit), and a message that is not part of it (a disconnect), if one came."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.request_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    def _too_large(self) -> ApiError:
        limit = self.limits.request_body_bytes
        return ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"The request body is larger than {limit} bytes",
                        details={"limit": limit})


def _replay(body: bytes, extra: Message | None, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent, extra
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if extra is not None:
            message, extra = extra, None
            return message
        return await receive()

    return replay


def _check_target(scope: Scope) -> None:
    query: bytes = scope.get("query_string", b"")
    if is_invalid(scope.get("path", "")):
        raise invalid_text_error("path")
    if b"\x00" in query or b"%00" in query:
        raise invalid_text_error("query")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_json(scope: Scope) -> bool:
    # FastAPI decodes a body without a content type as JSON too.
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


def _check_json(body: bytes, max_depth: int) -> None:
    if _SUSPECT.search(body) is None and body.count(b"[") + body.count(b"{") <= max_depth:
        return
    try:
        data = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ApiError:
        raise
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError:
        return  # not JSON at all: the route answers INVALID_JSON
    if _depth(data, max_depth) > max_depth:
        raise _too_deep(max_depth)
    found = invalid_text_at(data)
    if found is not None:
        raise invalid_text_error(found)


def _refuse_constant(name: str) -> Any:
    raise ApiError(ErrorCode.INVALID_JSON, f"{name} is not a JSON number; send a finite number or null")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ApiError(ErrorCode.VALIDATION_ERROR, f"The number {text[:40]} is too large to store",
                       details={"fields": [{"field": "body", "message": "number out of range", "type": "too_large"}]})
    return value


def _depth(value: Any, stop: int) -> int:
    """Nesting depth of ``value``, counted no further than ``stop + 1``."""
    if stop < 0 or not isinstance(value, dict | list):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, stop - 1) for v in items), default=0)


def _too_deep(limit: int) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, f"The JSON body is nested more than {limit} levels deep",
                    details={"limit": limit})
