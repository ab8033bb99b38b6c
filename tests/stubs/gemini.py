"""A Gemini API stub (``/v1beta``): ``models/{model}:generateContent``, ``:embedContent``, ``:countTokens`` and the
paged ``GET /v1beta/models``.

Every request needs ``x-goog-api-key: <GEMINI_TOKEN>``, else 400 ``INVALID_ARGUMENT`` with a ``google.rpc.ErrorInfo``
reason ``API_KEY_INVALID`` (as Gemini answers a bad key). Errors are ``{"error": {"code", "message", "status",
"details"}}``; a 429 from ``fail_next`` carries a ``google.rpc.RetryInfo`` of ``retryDelay: "45s"``. Text holding
``TOO LONG`` is refused as 400 "input token count exceeds the maximum". The model list holds three models and pages
by ``stub.page_size`` (2) whatever ``pageSize`` asks. Usage: 8 prompt + 3 candidates = 11 tokens.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

GEMINI_TOKEN = "AIzaSyGeminiStubToken0123456789abcdef"
MODELS = [{"name": f"models/{m}", "displayName": m, "inputTokenLimit": 1048576, "outputTokenLimit": 8192,
           "supportedGenerationMethods": ["generateContent", "countTokens"]}
          for m in ("gemini-2.0-flash", "gemini-2.5-pro", "text-embedding-004")]
_METHOD = re.compile(r"^/v1beta/models/([^/:]+):(\w+)$")
_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
           500: "INTERNAL", 503: "UNAVAILABLE"}


def gemini_error(status: int, message: str, *details: dict[str, Any]) -> Response:
    return JSONResponse({"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN"),
                                   "details": list(details)}}, status_code=status)


def _text(contents: Any) -> str:
    return " ".join(str(p.get("text")) for c in contents or () if isinstance(c, dict)
                    for p in c.get("parts") or () if isinstance(p, dict))


class GeminiStub(ProviderStub):
    name = "gemini"

    def seed(self) -> None:
        self.page_size = 2

    def error_body(self, status: int, message: str) -> Any:
        details = ([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "45s"}]
                   if status == 429 else [])
        return {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN"),
                          "details": details}}

    def handle(self, request: RecordedRequest) -> Response:
        if request.headers.get("x-goog-api-key") != GEMINI_TOKEN:
            return gemini_error(400, "API key not valid. Please pass a valid API key.", {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                "domain": "googleapis.com"})
        if (request.method, request.path) == ("GET", "/v1beta/models"):
            start = int(request.query.get("pageToken") or 0)
            size = min(int(request.query.get("pageSize") or 50), self.page_size)
            page: dict[str, Any] = {"models": MODELS[start:start + size]}
            if start + size < len(MODELS):
                page["nextPageToken"] = str(start + size)
            return JSONResponse(page)
        match = _METHOD.match(request.path)
        if request.method != "POST" or match is None:
            return gemini_error(404, f"Method not found: {request.path}")
        model, method = match.groups()
        body = request.json or {}
        if method == "generateContent":
            text = _text(body.get("contents"))
            if "TOO LONG" in text:
                return gemini_error(400, "The input token count (1200000) exceeds the maximum number of tokens "
                                         "allowed (1048576).")
            return JSONResponse({
                "candidates": [{"content": {"role": "model", "parts": [{"text": f"Echo: {text}"}]},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 3, "totalTokenCount": 11},
                "modelVersion": model,
            })
        if method == "embedContent":
            return JSONResponse({"embedding": {"values": [0.5, 0.25, -1.0]}})
        if method == "countTokens":
            return JSONResponse({"totalTokens": len(_text(body.get("contents")).split())})
        return gemini_error(404, f"Method not found: {method}")
