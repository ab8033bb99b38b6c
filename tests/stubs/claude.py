"""An Anthropic API stub (``/v1``): the Messages API, and ``GET /v1/models`` for custom_api_call.

Every request needs ``x-api-key: <CLAUDE_TOKEN>`` (else 401 ``authentication_error``) and ``anthropic-version``
(else 400). Errors are ``{"type": "error", "error": {"type", "message"}, "request_id"}``. A message request must hold
``max_tokens`` and say ``stream: false``; text holding ``TOO LONG`` is refused as 400 ``invalid_request_error``
"prompt is too long"; with ``tools`` and a forced ``tool_choice`` the answer is one ``tool_use`` block whose input
fills each schema property with a sample of its type; with ``thinking`` a ``thinking`` block comes first. Usage is
20 input and 7 output tokens.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

CLAUDE_TOKEN = "sk-ant-api03-claudestubtoken0123456789"
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
          429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
_SAMPLES = {"string": "sample", "number": 1.5, "integer": 2, "boolean": True}


def claude_error(status: int, message: str) -> Response:
    return JSONResponse({"type": "error", "error": {"type": _TYPES.get(status, "api_error"), "message": message},
                         "request_id": "req_stub0001"}, status_code=status)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(str(b.get("text")) for b in content or () if isinstance(b, dict) and b.get("type") == "text")


class ClaudeStub(ProviderStub):
    name = "claude"

    def error_body(self, status: int, message: str) -> Any:
        return {"type": "error", "error": {"type": _TYPES.get(status, "api_error"), "message": message},
                "request_id": "req_stub0001"}

    def handle(self, request: RecordedRequest) -> Response:
        if request.headers.get("x-api-key") != CLAUDE_TOKEN:
            return claude_error(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return claude_error(400, "anthropic-version: header is required")
        if (request.method, request.path) == ("GET", "/v1/models"):
            return JSONResponse({"data": [{"type": "model", "id": "claude-sonnet-4-5"}], "has_more": False})
        if (request.method, request.path) != ("POST", "/v1/messages"):
            return claude_error(404, f"Not found: {request.path}")
        body = request.json or {}
        if not isinstance(body.get("max_tokens"), int) or body.get("stream") is not False:
            return claude_error(400, "max_tokens is required and this stub answers only stream: false")
        messages = body.get("messages") or []
        text = " ".join(_text(m.get("content")) for m in messages)
        if "TOO LONG" in text:
            return claude_error(400, "prompt is too long: 212000 tokens > 200000 maximum")
        content: list[dict[str, Any]] = []
        if body.get("thinking"):
            content.append({"type": "thinking", "thinking": "Let me think.", "signature": "sig"})
        if body.get("tools"):
            tool = body["tools"][0]
            props = (tool.get("input_schema") or {}).get("properties") or {}
            data = {name: _SAMPLES.get(str(spec.get("type"))) for name, spec in props.items()}
            content.append({"type": "tool_use", "id": "toolu_stub1", "name": tool["name"], "input": data})
            stop = "tool_use"
        else:
            content.append({"type": "text", "text": f"Echo: {_text(messages[-1].get('content'))}"})
            stop = "end_turn"
        return JSONResponse({"id": "msg_stub1", "type": "message", "role": "assistant", "model": body.get("model"),
                             "content": content, "stop_reason": stop, "stop_sequence": None,
                             "usage": {"input_tokens": 20, "output_tokens": 7}})
