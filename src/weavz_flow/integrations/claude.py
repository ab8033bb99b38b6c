"""Anthropic Claude (https://docs.anthropic.com/en/api/messages): questions and structured extraction over the
Messages API, ``POST https://api.anthropic.com/v1/messages``, with the API key in ``x-api-key`` and
``anthropic-version: 2023-06-01`` on every request (the profile in ``custom_api_profiles.yaml``;
https://docs.anthropic.com/en/api/getting-started, https://docs.anthropic.com/en/api/versioning).

The request (https://docs.anthropic.com/en/api/messages): ``model``, ``max_tokens`` (required; 4096 here unless
``maxTokens`` says otherwise, the output limit of the smallest current models), ``system``, ``temperature``,
``messages`` of ``{role: user|assistant, content}``, ``stream: false`` (one JSON body). An image is a content block
``{"type": "image", "source": {"type": "base64", "media_type", "data"}}`` (JPEG, PNG, GIF or WebP:
https://docs.anthropic.com/en/docs/build-with-claude/vision), a PDF a ``{"type": "document", ...}`` block of the same
source form (https://docs.anthropic.com/en/docs/build-with-claude/pdf-support). Extended thinking is ``thinking:
{"type": "enabled", "budget_tokens"}`` with a budget of at least 1024 and below ``max_tokens``, and no temperature
(https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking). The answer: ``content`` blocks (``text``,
``thinking``, ``tool_use``), ``stop_reason``, ``usage.input_tokens`` / ``output_tokens``.

Structured extraction forces one tool (``tools: [{name, description, input_schema}]``, ``tool_choice: {"type":
"tool", "name"}``) whose ``input`` is the data (https://docs.anthropic.com/en/docs/build-with-claude/tool-use,
"JSON mode"). ``schema`` in ``simple`` mode is ``{"fields": [{name, description, type, isRequired}]}`` (type one of
string, number, boolean; ``propName``/``propDescription``/``propDataType``/``propIsRequired`` are read too); in
``advanced`` mode ``{"fields": <JSON Schema>}`` or the JSON Schema itself.

Errors are ``{"type": "error", "error": {"type", "message"}, "request_id"}``
(https://docs.anthropic.com/en/api/errors): 401 ``authentication_error`` (a refused key), 429 ``rate_limit_error``
with ``retry-after`` (https://docs.anthropic.com/en/api/rate-limits), 400 ``invalid_request_error`` whose message
begins ``prompt is too long`` when the input passes the context window, 529 ``overloaded_error`` (retried here like
a 503). ``error.type`` becomes ``providerError``, ``request_id`` ``requestId``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from weavz_flow.catalog.model import AuthForm
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.ai_models import ErrorKind, ai_fault, ai_profile, message_list, usage
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import custom_api_call
from weavz_flow.integrations.file_values import file_input
from weavz_flow.integrations.http_spec import call, json_value, spec_actions
from weavz_flow.integrations.native_action import choice, invalid_input, require_value
from weavz_flow.integrations.provider import ProviderFault, ProviderRequest
from weavz_flow.integrations.retry import DEFAULT_RETRY_STATUSES, RetryPolicy

NAME = "claude"
DEFAULT_MAX_TOKENS = 4096
MIN_THINKING_BUDGET = 1024
FILE_LIMIT = 32 * 1024 * 1024  # bytes of a Messages request (https://docs.anthropic.com/en/api/overview)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
PDF = "application/pdf"
TOOL = "extract_structured_data"
OVERLOADED = 529
_KINDS: dict[str, ErrorKind] = {"rate_limit_error": "rate_limit", "authentication_error": "invalid_key"}


def claude_fault(body: Any) -> ProviderFault | None:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    kind, message = str(error.get("type") or ""), str(error.get("message") or "")
    found = _KINDS.get(kind) or ("context_length" if message.lower().startswith("prompt is too long") else None)
    return ai_fault(message, kind, found, requestId=body.get("request_id"))


# 529 overloaded_error is Anthropic's "try again shortly", retried like a 503.
CLAUDE = ai_profile(NAME, "Anthropic Claude", claude_fault,
                    retry=RetryPolicy(retry_statuses=DEFAULT_RETRY_STATUSES | {OVERLOADED}))


def _media_block(ctx: ActionContext, field: str, value: Any, *, pdf: bool) -> dict[str, Any]:
    found = file_input(ctx, field, value, max_bytes=FILE_LIMIT)
    kind = (found.content_type or _sniff(found.content) or "").lower()
    if kind not in IMAGE_TYPES and not (pdf and kind == PDF):
        allowed = ", ".join(IMAGE_TYPES + ((PDF,) if pdf else ()))
        raise invalid_input(ctx, field, f"must be one of {allowed} (it is {kind or 'of an unknown type'})")
    source = {"type": "base64", "media_type": kind, "data": base64.b64encode(found.content).decode("ascii")}
    return {"type": "document" if kind == PDF else "image", "source": source}


_MAGIC = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
          (b"%PDF", PDF))


def _sniff(content: bytes) -> str | None:
    """The type of a file given without one (plain base64), by its first bytes."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC if content.startswith(magic)), None)


def _messages(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"model": values["model"], "max_tokens": values.get("maxTokens") or DEFAULT_MAX_TOKENS, "stream": False}


def _send(ctx: ActionContext, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(ctx, CLAUDE, ProviderRequest("POST", "/messages", json=body, has_json=True)).body
    return answer if isinstance(answer, dict) else {}


def _texts(answer: Mapping[str, Any], kind: str, key: str) -> str | None:
    parts = [str(b.get(key) or "") for b in answer.get("content") or ()
             if isinstance(b, dict) and b.get("type") == kind]
    return "".join(parts) if parts else None


def _usage(answer: Mapping[str, Any]) -> dict[str, int | None]:
    found = answer.get("usage") or {}
    return usage(found.get("input_tokens"), found.get("output_tokens"))


def _history(ctx: ActionContext, values: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    """``roles`` (earlier turns, ``{role, content}``): system turns join the system prompt, the others go first."""
    if values.get("roles") in (None, "", []):
        return [], []
    system: list[str] = []
    turns: list[Any] = []
    for turn in message_list(ctx, "roles", values["roles"], lambda text: {"role": "user", "content": text}):
        if not isinstance(turn, Mapping) or not turn.get("role"):
            raise invalid_input(ctx, "roles", "must be a list of {role, content} objects")
        if turn["role"] == "system":
            system.append(str(turn.get("content") or ""))
        else:
            turns.append({"role": turn["role"], "content": turn.get("content")})
    return system, turns


def _thinking(ctx: ActionContext, values: Mapping[str, Any], max_tokens: int) -> dict[str, Any]:
    params = values.get("thinkingModeParams") or {}
    budget = params.get("budgetTokens", params.get("budget_tokens")) if isinstance(params, Mapping) else None
    budget = int(budget) if isinstance(budget, int | float) and not isinstance(budget, bool) else MIN_THINKING_BUDGET
    if budget < MIN_THINKING_BUDGET or budget >= max_tokens:
        raise invalid_input(ctx, "thinkingModeParams", f"budgetTokens must be at least {MIN_THINKING_BUDGET} and "
                                                       f"below maxTokens ({max_tokens})")
    return {"type": "enabled", "budget_tokens": budget}


def ask_claude(ctx: ActionContext, values: dict[str, Any]) -> Any:
    system, turns = _history(ctx, values)
    if values.get("systemPrompt"):
        system.insert(0, values["systemPrompt"])
    content: list[dict[str, Any]] = []
    if values.get("image") not in (None, ""):
        content.append(_media_block(ctx, "image", values["image"], pdf=False))
    content.append({"type": "text", "text": values["prompt"]})
    body = _messages(values)
    body["messages"] = [*turns, {"role": "user", "content": content}]
    if system:
        body["system"] = "\n\n".join(system)
    if values.get("thinkingMode"):
        if values.get("temperature") is not None:
            raise invalid_input(ctx, "temperature", "cannot be set with thinkingMode (Claude thinks at its own)")
        body["thinking"] = _thinking(ctx, values, body["max_tokens"])
    elif values.get("temperature") is not None:
        body["temperature"] = values["temperature"]
    answer = _send(ctx, body)
    return {"id": answer.get("id"), "model": answer.get("model"), "content": _texts(answer, "text", "text") or "",
            "thinking": _texts(answer, "thinking", "thinking"), "stop_reason": answer.get("stop_reason"),
            "usage": _usage(answer)}


_TYPES = ("string", "number", "boolean")
MODES = ("simple", "advanced")


def _simple_schema(ctx: ActionContext, fields: Any) -> dict[str, Any]:
    if not isinstance(fields, list) or not fields:
        raise invalid_input(ctx, "schema", "needs fields: a list of {name, description, type, isRequired}")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for item in fields:
        name = item.get("name") or item.get("propName") if isinstance(item, Mapping) else None
        if not name:
            raise invalid_input(ctx, "schema", "has a field without a name")
        kind = str(item.get("type") or item.get("propDataType") or "string").lower()
        if kind not in _TYPES:
            raise invalid_input(ctx, "schema", f"gives {name!r} the type {kind!r}: use " + ", ".join(_TYPES))
        properties[name] = {"type": kind}
        description = item.get("description") or item.get("propDescription")
        if description:
            properties[name]["description"] = str(description)
        if item.get("isRequired", item.get("propIsRequired")):
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


def _advanced_schema(ctx: ActionContext, schema: Mapping[str, Any]) -> dict[str, Any]:
    found = json_value(schema.get("fields", schema))
    if not isinstance(found, Mapping) or found.get("type", "object") != "object":
        raise invalid_input(ctx, "schema", "must be a JSON Schema of an object (in advanced mode)")
    return {"type": "object", **found}


def extract_structured_data(ctx: ActionContext, values: dict[str, Any]) -> Any:
    require_value(ctx, values, "text", "image")
    mode = choice(ctx, values, "mode", MODES)
    schema = values["schema"]
    input_schema = (_simple_schema(ctx, json_value(schema.get("fields"))) if mode == "simple"
                    else _advanced_schema(ctx, schema))
    content: list[dict[str, Any]] = []
    if values.get("image") not in (None, ""):
        content.append(_media_block(ctx, "image", values["image"], pdf=True))
    prompt = values.get("prompt") or "Extract the data the tool asks for."
    content.append({"type": "text", "text": prompt + (f"\n\n{values['text']}" if values.get("text") else "")})
    body = _messages(values)
    body.update({
        "messages": [{"role": "user", "content": content}],
        "tools": [{"name": TOOL, "description": "Record the data extracted from the input.",
                   "input_schema": input_schema}],
        "tool_choice": {"type": "tool", "name": TOOL},
    })
    answer = _send(ctx, body)
    data = next((b.get("input") for b in answer.get("content") or ()
                 if isinstance(b, dict) and b.get("type") == "tool_use"), None)
    if data is None:
        raise ApiError(ErrorCode.ACTION_FAILED, "Claude answered without the extracted data"
                       + (" (the answer was cut at maxTokens)" if answer.get("stop_reason") == "max_tokens" else ""),
                       details={"provider": NAME, "providerError": "no_tool_use",
                                "stopReason": answer.get("stop_reason"), "usage": _usage(answer)})
    return {"data": data, "id": answer.get("id"), "model": answer.get("model"),
            "stop_reason": answer.get("stop_reason"), "usage": _usage(answer)}


ACTIONS = spec_actions(CLAUDE, {
    "ask_claude": ask_claude,
    "extract-structured-data": extract_structured_data,
})
ACTIONS["custom_api_call"] = custom_api_call(CLAUDE)

INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Anthropic Claude",
    description="Ask Claude models questions (with an image, earlier turns, extended thinking) and extract "
                "structured data from text, images and PDFs.",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT",),
    default_base_url=CLAUDE.default_base_url,
    auth_form=AuthForm(secret_label="API key", secret_description="A key from console.anthropic.com (Settings, "
                                                                  "API keys); it is sent as x-api-key."),
)
