"""An OpenAI API stub (``/v1``): chat completions (JSON mode too), embeddings, image generation, transcription
(``multipart/form-data``), speech and the model list.

Every request needs ``Authorization: Bearer <OPENAI_TOKEN>``, else 401 ``invalid_api_key``. Errors are ``{"error":
{"message", "type", "param", "code"}}``. A chat request must say ``stream: false`` (a streamed answer is not what the
integration reads: 400 here); a message holding ``TOO LONG`` is refused as 400 ``context_length_exceeded``; in JSON
mode a prompt holding ``NOT JSON`` gets plain text back. Every completion reports usage 12 + 5 = 17 tokens.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

OPENAI_TOKEN = "sk-openaistubtoken0123456789abcdef"
SPEECH = b"ID3\x03\x00fake-mp3-frames\xff\xfb"
_TYPES = {401: ("invalid_request_error", "invalid_api_key"), 429: ("requests", "rate_limit_exceeded"),
          404: ("invalid_request_error", "unknown_url"), 500: ("server_error", None)}


def openai_error(status: int, message: str, code: str | None = None, kind: str = "invalid_request_error",
                 param: str | None = None) -> Response:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}},
                        status_code=status)


def multipart_fields(request: RecordedRequest) -> dict[str, tuple[str | None, str | None, bytes]]:
    """name -> (filename, content type, bytes) of a multipart/form-data body."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    fields: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        kind = part.get_content_type() if part.get("content-type") else None
        fields[str(name)] = (part.get_filename(), kind, part.get_payload(decode=True) or b"")
    return fields


class OpenAIStub(ProviderStub):
    name = "openai"
    token = OPENAI_TOKEN

    def error_body(self, status: int, message: str) -> Any:
        kind, code = _TYPES.get(status, ("invalid_request_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def auth_error(self) -> Response:
        return openai_error(401, "Incorrect API key provided: re***ed.", "invalid_api_key")

    def handle(self, request: RecordedRequest) -> Response:
        route = (request.method, request.path)
        if route == ("POST", "/v1/chat/completions"):
            return self._chat(request.json or {})
        if route == ("POST", "/v1/embeddings"):
            body = request.json or {}
            return JSONResponse({"object": "list", "model": body.get("model"), "data": [
                {"object": "embedding", "index": 0, "embedding": [0.25, -0.5, 0.125]}],
                "usage": {"prompt_tokens": 4, "total_tokens": 4}})
        if route == ("POST", "/v1/images/generations"):
            return self._image(request.json or {})
        if route == ("POST", "/v1/audio/transcriptions"):
            fields = multipart_fields(request)
            if "file" not in fields or not fields["file"][2]:
                return openai_error(400, "No file was sent.", param="file")
            model = fields["model"][2].decode()
            used = ({"type": "duration", "seconds": 3} if model == "whisper-1" else
                    {"type": "tokens", "input_tokens": 30, "output_tokens": 6, "total_tokens": 36})
            return JSONResponse({"text": f"heard {len(fields['file'][2])} bytes", "usage": used})
        if route == ("POST", "/v1/audio/speech"):
            body = request.json or {}
            if not body.get("voice") or not body.get("input"):
                return openai_error(400, "voice and input are required", param="voice")
            return Response(SPEECH, media_type="audio/mpeg")
        if route == ("GET", "/v1/models"):
            return JSONResponse({"object": "list", "data": [
                {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
                {"id": "text-embedding-3-small", "object": "model", "created": 1705948997, "owned_by": "system"}]})
        return openai_error(404, f"Invalid URL ({request.method} {request.path})", "unknown_url")

    def _chat(self, body: dict[str, Any]) -> Response:
        if body.get("stream") is not False:
            return openai_error(400, "this stub answers only stream: false", param="stream")
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            return openai_error(400, "model and messages are required", param="messages")
        text = " ".join(str(m.get("content")) for m in messages if isinstance(m, dict))
        if "TOO LONG" in text:
            return openai_error(400, "This model's maximum context length is 128000 tokens. However, your messages "
                                     "resulted in 250000 tokens.", "context_length_exceeded", param="messages")
        last = str(messages[-1].get("content"))
        if (body.get("response_format") or {}).get("type") == "json_object":
            content = "sorry" if "NOT JSON" in last else json.dumps({"answer": last, "ok": True})
        else:
            content = f"Echo: {last}"
        return JSONResponse({
            "id": "chatcmpl-stub1", "object": "chat.completion", "created": 1733212800, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
        })

    def _image(self, body: dict[str, Any]) -> Response:
        n = int(body.get("n") or 1)
        if str(body.get("model", "")).startswith("gpt-image"):
            return JSONResponse({"created": 1733212800, "data": [{"b64_json": "iVBORw0KGgo="}] * n,
                                 "usage": {"input_tokens": 10, "output_tokens": 4160, "total_tokens": 4170}})
        return JSONResponse({"created": 1733212800, "data": [
            {"url": f"https://images.example/{i}.png", "revised_prompt": body.get("prompt")} for i in range(n)]})
