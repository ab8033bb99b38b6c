"""OpenAI (https://platform.openai.com/docs/api-reference): chat, JSON answers, embeddings, images, speech and
transcription over ``https://api.openai.com/v1`` with the API key as ``Authorization: Bearer`` (the profile in
``custom_api_profiles.yaml``; https://platform.openai.com/docs/api-reference/authentication).

Endpoints (https://platform.openai.com/docs/api-reference/...):

- ``POST /chat/completions`` (``chat/create``) with ``model``, ``messages`` (``{role, content}``; a system message
  first), ``temperature``, ``max_completion_tokens`` (the successor of the deprecated ``max_tokens``, which reasoning
  models refuse) and ``stream: false`` (the whole answer in one JSON body). It answers ``choices[].message.content``,
  ``choices[].finish_reason`` and ``usage.prompt_tokens`` / ``completion_tokens`` / ``total_tokens``.
- JSON mode: ``response_format: {"type": "json_object"}`` makes the message content one JSON object; the
  messages must ask for JSON (https://platform.openai.com/docs/guides/structured-outputs, "JSON mode").
- ``POST /embeddings`` (``embeddings/create``) with ``model``, ``input``, ``encoding_format: "float"``: ``data[0]
  .embedding`` and ``usage.prompt_tokens`` / ``total_tokens``.
- ``POST /images/generations`` (``images/create``) with ``prompt``, ``model``, ``size``, ``n``: ``created`` and
  ``data[]`` of ``url`` or ``b64_json`` (with ``revised_prompt``); GPT image models add ``usage.input_tokens`` /
  ``output_tokens`` / ``total_tokens``.
- ``POST /audio/transcriptions`` (``audio/createTranscription``), ``multipart/form-data`` with ``file``, ``model``,
  ``language``, ``response_format: json``: ``text``, and ``usage`` (``type: tokens`` with ``input_tokens`` /
  ``output_tokens`` / ``total_tokens``; ``type: duration`` with ``seconds``). Files are at most 25 MB
  (https://platform.openai.com/docs/guides/speech-to-text).
- ``POST /audio/speech`` (``audio/createSpeech``) with ``model``, ``input``, ``voice``, ``response_format``: the
  audio bytes (mp3 unless asked otherwise); no usage is reported.
- ``GET /models`` (``models/list``): ``{"object": "list", "data": [{id, object, created, owned_by}]}``, one page.

Errors are ``{"error": {"message", "type", "param", "code"}}`` with HTTP 401 for a refused key (``code``
``invalid_api_key``), 429 for a rate limit (``code`` ``rate_limit_exceeded``; a spent quota is
``insufficient_quota``) and 400 ``context_length_exceeded`` for an input past the model's context window
(https://platform.openai.com/docs/guides/error-codes/api-errors). ``code`` (else ``type``) becomes
``providerError``; ``errorKind`` is read from those codes (see :mod:`ai_models`).
"""

from __future__ import annotations

import json
from typing import Any

from weavz_flow.catalog.model import AuthForm
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.ai_models import ErrorKind, ai_fault, ai_profile, message_list, usage
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import path_custom_api_call
from weavz_flow.integrations.file_values import file_input, file_output
from weavz_flow.integrations.http_spec import call, json_value, spec_actions
from weavz_flow.integrations.provider import ProviderFault, ProviderRequest

NAME = "openai"
TRANSCRIPTION_MODEL = "whisper-1"
SPEECH_MODEL = "tts-1"
AUDIO_LIMIT = 25 * 1024 * 1024  # bytes of an audio file OpenAI transcribes
_KINDS: dict[str, ErrorKind] = {"rate_limit_exceeded": "rate_limit", "context_length_exceeded": "context_length",
                                "invalid_api_key": "invalid_key"}


def openai_fault(body: Any) -> ProviderFault | None:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = error.get("code") or error.get("type")
    return ai_fault(str(error.get("message") or ""), code, _KINDS.get(str(code)), providerErrorType=error.get("type"),
                    param=error.get("param"))


OPENAI = ai_profile(NAME, "OpenAI", openai_fault)


def _post(ctx: ActionContext, path: str, body: dict[str, Any]) -> Any:
    sent = {k: v for k, v in body.items() if v is not None}
    return call(ctx, OPENAI, ProviderRequest("POST", path, json=sent, has_json=True)).body


def _completion(ctx: ActionContext, values: dict[str, Any], messages: list[Any], **extra: Any) -> dict[str, Any]:
    body = _post(ctx, "/chat/completions", {
        "model": values["model"], "messages": messages, "temperature": values.get("temperature"),
        "max_completion_tokens": values.get("max_tokens"), "stream": False, **extra,
    })
    body = body if isinstance(body, dict) else {}
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    found = body.get("usage") or {}
    return {
        "id": body.get("id"), "model": body.get("model"), "content": message.get("content"),
        "role": message.get("role"), "finish_reason": choice.get("finish_reason"),
        "usage": usage(found.get("prompt_tokens"), found.get("completion_tokens"), found.get("total_tokens")),
    }


def chat_completion(ctx: ActionContext, values: dict[str, Any]) -> Any:
    messages = message_list(ctx, "messages", values["messages"], lambda text: {"role": "user", "content": text})
    if values.get("system_message"):
        messages = [{"role": "system", "content": values["system_message"]}, *messages]
    return _completion(ctx, values, messages)


def ask_json(ctx: ActionContext, values: dict[str, Any]) -> Any:
    # JSON mode needs the word JSON in the messages; the system message says it and carries the wanted shape.
    system = ["Answer with one JSON object and nothing else."]
    schema = json_value(values.get("schema"))
    if schema not in (None, "", {}):
        system.append("Its shape: " + (schema if isinstance(schema, str) else json.dumps(schema)))
    if values.get("instructions"):
        system.append(str(values["instructions"]))
    out = _completion(ctx, values, [{"role": "system", "content": "\n".join(system)},
                                    {"role": "user", "content": values["prompt"]}],
                      response_format={"type": "json_object"})
    try:
        answer = json.loads(out["content"] or "")
    except ValueError:
        raise ApiError(ErrorCode.ACTION_FAILED, "OpenAI answered text that is not JSON"
                       + (" (the answer was cut at max_tokens)" if out["finish_reason"] == "length" else ""),
                       details={"provider": NAME, "providerError": "invalid_json",
                                "finishReason": out["finish_reason"], "usage": out["usage"]}) from None
    return {"json": answer, **out}


def create_embedding(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = _post(ctx, "/embeddings", {"model": values["model"], "input": values["input"], "encoding_format": "float"})
    body = body if isinstance(body, dict) else {}
    found = body.get("usage") or {}
    return {"embedding": ((body.get("data") or [{}])[0]).get("embedding"), "model": body.get("model"),
            "usage": usage(found.get("prompt_tokens"), None, found.get("total_tokens"))}


def _usage_of(body: dict[str, Any]) -> dict[str, int | None] | None:
    found = body.get("usage")
    if not isinstance(found, dict) or "input_tokens" not in found:
        return None
    return usage(found.get("input_tokens"), found.get("output_tokens"), found.get("total_tokens"))


def generate_image(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = _post(ctx, "/images/generations", {"prompt": values["prompt"], "model": values.get("model"),
                                              "size": values.get("size"), "n": values.get("n")})
    body = body if isinstance(body, dict) else {}
    return {"created": body.get("created"), "data": body.get("data") or [], "usage": _usage_of(body)}


def transcribe_audio(ctx: ActionContext, values: dict[str, Any]) -> Any:
    import httpx  # only to encode the multipart body; provider_http sends it

    audio = file_input(ctx, "file_url", values["file_url"], max_bytes=AUDIO_LIMIT)
    fields = {"model": values.get("model") or TRANSCRIPTION_MODEL, "response_format": "json",
              **({"language": values["language"]} if values.get("language") else {})}
    encoded = httpx.Request("POST", "http://multipart.invalid", data=fields, files={"file": (
        audio.filename or "audio", audio.content, audio.content_type or "application/octet-stream")})
    request = ProviderRequest("POST", "/audio/transcriptions", content=encoded.read(),
                              headers={"Content-Type": encoded.headers["content-type"]})
    body = call(ctx, OPENAI, request).body
    body = body if isinstance(body, dict) else {"text": body}
    found = body.get("usage")
    return {"text": body.get("text"), "language": body.get("language"), "duration": body.get("duration"),
            "usage": _usage_of(body), "seconds": found.get("seconds") if isinstance(found, dict) else None}


def text_to_speech(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = {"model": values.get("model") or SPEECH_MODEL, "input": values["input"], "voice": values["voice"],
            "response_format": values.get("response_format")}
    response = call(ctx, OPENAI, ProviderRequest(
        "POST", "/audio/speech", json={k: v for k, v in body.items() if v is not None}, has_json=True))
    kind = response.headers.get("content-type", "audio/mpeg").split(";")[0].strip()
    return {**file_output(response.content, force_base64=True), "contentType": kind,
            "format": values.get("response_format") or "mp3", "usage": None}


def list_models(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = call(ctx, OPENAI, ProviderRequest("GET", "/models")).body
    return {"models": body.get("data") or [] if isinstance(body, dict) else []}


ACTIONS = spec_actions(OPENAI, {
    "chat_completion": chat_completion,
    "ask_json": ask_json,
    "create_embedding": create_embedding,
    "generate_image": generate_image,
    "transcribe_audio": transcribe_audio,
    "text_to_speech": text_to_speech,
    "list_models": list_models,
})
ACTIONS["custom_api_call"] = path_custom_api_call(OPENAI)

INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="OpenAI",
    description="Chat with OpenAI models, get JSON answers, embeddings, images, speech and transcriptions.",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT",),
    default_base_url=OPENAI.default_base_url,
    auth_form=AuthForm(secret_label="API key",
                       secret_description="A secret key from platform.openai.com (API keys), sent as a bearer token."),
)
