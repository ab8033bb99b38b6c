"""Google Gemini (https://ai.google.dev/api): content generation, embeddings, token counts and the model list over
``https://generativelanguage.googleapis.com/v1beta`` with the API key in ``x-goog-api-key`` (the profile in
``custom_api_profiles.yaml``; https://ai.google.dev/api#authentication).

Endpoints (https://ai.google.dev/api/...):

- ``POST /models/{model}:generateContent`` (``generate-content``) with ``contents`` (``[{role, parts: [{text}]}]``),
  ``systemInstruction`` (``{parts: [{text}]}``) and ``generationConfig`` (``temperature``, ``maxOutputTokens``). It
  answers the whole response at once (streaming is the separate ``:streamGenerateContent``): ``candidates[]
  .content.parts[].text``, ``candidates[].finishReason``, ``promptFeedback.blockReason`` when the prompt was
  blocked, ``modelVersion``, and ``usageMetadata.promptTokenCount`` / ``candidatesTokenCount`` /
  ``totalTokenCount``.
- ``POST /models/{model}:embedContent`` (``embeddings``) with ``content: {parts: [{text}]}``: ``embedding.values``.
- ``POST /models/{model}:countTokens`` (``tokens``) with ``contents``: ``totalTokens``.
- ``GET /models`` (``models#method:-models.list``) with ``pageSize`` (at most 1000) and ``pageToken``: ``models[]``
  and ``nextPageToken`` while there are more.

A model is named ``models/{id}`` by the API; the ``model`` inputs take either form. Errors are Google's
``{"error": {"code", "message", "status", "details"}}`` (https://ai.google.dev/gemini-api/docs/troubleshooting,
https://cloud.google.com/apis/design/errors): 429 ``RESOURCE_EXHAUSTED`` for a rate limit or quota (a
``google.rpc.RetryInfo`` detail's ``retryDelay`` becomes ``retryAfter``), 400 ``INVALID_ARGUMENT`` with a
``google.rpc.ErrorInfo`` reason ``API_KEY_INVALID`` for a refused key, and 400 ``INVALID_ARGUMENT`` saying the input
token count exceeds the maximum number of tokens allowed for an input past the context window. ``status`` becomes
``providerError``, the ErrorInfo ``reason`` ``providerReason``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from weavz_flow.catalog.model import AuthForm
from weavz_flow.integrations.ai_models import ErrorKind, ai_fault, ai_profile, message_list, usage
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import path_custom_api_call
from weavz_flow.integrations.http_spec import call, spec_actions
from weavz_flow.integrations.provider import ProviderFault, ProviderRequest

NAME = "google-gemini"
PAGE_SIZE = 1000  # the most models.list answers at once
MAX_PAGES = 20
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)s$")
_CONTEXT = re.compile(r"exceeds the maximum number of tokens", re.IGNORECASE)


def _detail(details: Any, kind: str) -> dict[str, Any]:
    return next((d for d in details or () if isinstance(d, dict) and str(d.get("@type", "")).endswith(kind)), {})


def gemini_fault(body: Any) -> ProviderFault | None:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    status, message = str(error.get("status") or ""), str(error.get("message") or "")
    reason = _detail(error.get("details"), "google.rpc.ErrorInfo").get("reason")
    delay = _SECONDS.match(str(_detail(error.get("details"), "google.rpc.RetryInfo").get("retryDelay") or ""))
    kind: ErrorKind | None = None
    if status == "RESOURCE_EXHAUSTED":
        kind = "rate_limit"
    elif reason == "API_KEY_INVALID" or status == "UNAUTHENTICATED":
        kind = "invalid_key"
    elif _CONTEXT.search(message):
        kind = "context_length"
    return ai_fault(message, status, kind, providerReason=reason,
                    retryAfter=float(delay.group(1)) if delay else None)


GEMINI = ai_profile(NAME, "Google Gemini", gemini_fault)


def _model_path(model: Any, method: str) -> str:
    name = str(model).strip().removeprefix("models/")
    return f"/models/{quote(name, safe='')}:{method}"


def _post(ctx: ActionContext, model: Any, method: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(ctx, GEMINI, ProviderRequest("POST", _model_path(model, method), json=body, has_json=True)).body
    return answer if isinstance(answer, dict) else {}


def _text(text: Any) -> dict[str, Any]:
    return {"parts": [{"text": str(text)}]}


def generate_content(ctx: ActionContext, values: dict[str, Any]) -> Any:
    contents = message_list(ctx, "contents", values["contents"], lambda text: {"role": "user", **_text(text)})
    body: dict[str, Any] = {"contents": contents}
    if values.get("systemInstruction"):
        body["systemInstruction"] = _text(values["systemInstruction"])
    config = {k: values[k] for k in ("temperature", "maxOutputTokens") if values.get(k) is not None}
    if config:
        body["generationConfig"] = config
    answer = _post(ctx, values["model"], "generateContent", body)
    candidate = (answer.get("candidates") or [{}])[0]
    parts = (candidate.get("content") or {}).get("parts") or []
    found = answer.get("usageMetadata") or {}
    return {
        "text": "".join(str(p.get("text") or "") for p in parts if isinstance(p, dict) and not p.get("thought")),
        "finishReason": candidate.get("finishReason"),
        "blockReason": (answer.get("promptFeedback") or {}).get("blockReason"),
        "modelVersion": answer.get("modelVersion"),
        "usage": usage(found.get("promptTokenCount"), found.get("candidatesTokenCount"), found.get("totalTokenCount")),
    }


def generate_embedding(ctx: ActionContext, values: dict[str, Any]) -> Any:
    answer = _post(ctx, values["model"], "embedContent", {"content": _text(values["text"])})
    return {"embedding": (answer.get("embedding") or {}).get("values"), "usage": None}


def count_tokens(ctx: ActionContext, values: dict[str, Any]) -> Any:
    answer = _post(ctx, values["model"], "countTokens", {"contents": [_text(values["text"])]})
    return {"totalTokens": answer.get("totalTokens")}


def list_models(ctx: ActionContext, values: dict[str, Any]) -> Any:
    models: list[Any] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        query: dict[str, Any] = {"pageSize": PAGE_SIZE, **({"pageToken": token} if token else {})}
        page = call(ctx, GEMINI, ProviderRequest("GET", "/models", query=query)).body
        page = page if isinstance(page, dict) else {}
        models.extend(page.get("models") or ())
        token = page.get("nextPageToken")
        if not token:
            break
    return {"models": models}


ACTIONS = spec_actions(GEMINI, {
    "generate_content": generate_content,
    "generate_embedding": generate_embedding,
    "count_tokens": count_tokens,
    "list_models": list_models,
})
ACTIONS["custom_api_call"] = path_custom_api_call(GEMINI)

INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Google Gemini",
    description="Generate content with Gemini models, embed text, count tokens and list the models.",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT",),
    default_base_url=GEMINI.default_base_url,
    auth_form=AuthForm(secret_label="API key",
                       secret_description="A Gemini API key from aistudio.google.com, sent as x-goog-api-key."),
)
