"""What the AI model integrations (``openai``, ``claude``, ``google-gemini``) share.

- **Token usage** in one compact shape, whatever the provider calls it: ``{"inputTokens", "outputTokens",
  "totalTokens"}`` (integers; a count the provider did not report is null; total is input + output when the provider
  gives no total). An action whose provider reports no usage answers ``usage: null``.
- **Provider errors a flow handles differently.** Besides the provider's own code (``providerError``) and message
  (``providerMessage``), a failure names its ``errorKind`` when it is one of: ``rate_limit`` (wait ``retryAfter``
  seconds, when the provider said, and try again), ``context_length`` (the input is too long for the model: shorten
  it), ``invalid_key`` (the connection's key is refused: fix the connection). Each provider module says how it
  recognizes them.
- **The profile**: base URL, default headers and where the key goes are the provider's entry in
  ``custom_api_profiles.yaml`` (which names their sources), with the provider's error reader added here, so the facts
  stay in one place for the actions and ``custom_api_call`` alike.
- Conversation inputs the SDK types loosely (a JSON array, or JSON text of one, or plain text) are read by
  :func:`message_list`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Literal

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import json_value
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile

ErrorKind = Literal["rate_limit", "context_length", "invalid_key"]


def usage(input_tokens: Any, output_tokens: Any, total_tokens: Any = None) -> dict[str, int | None]:
    """The compact usage shape; counts that are not integers (absent, null) become null."""
    given = [_count(input_tokens), _count(output_tokens)]
    total = _count(total_tokens)
    if total is None and given[0] is not None:
        total = given[0] + (given[1] or 0)
    return {"inputTokens": given[0], "outputTokens": given[1], "totalTokens": total}


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def ai_fault(message: str, provider_error: Any, kind: ErrorKind | None, **extra: Any) -> ProviderFault:
    """A provider failure's details: ``providerError`` (the provider's code), ``errorKind`` when known, and any
    further provider facts that are set."""
    details: dict[str, Any] = {"providerError": provider_error} if provider_error else {}
    if kind is not None:
        details["errorKind"] = kind
    details.update({k: v for k, v in extra.items() if v not in (None, "", [], {})})
    return ProviderFault(message or str(provider_error or "error"), details)


def ai_profile(name: str, display_name: str, error_fault: Callable[[Any], ProviderFault | None],
               **changes: Any) -> ProviderProfile:
    """The provider's ``custom_api_profiles.yaml`` entry as a profile, reading failures with ``error_fault`` (and
    any further ``changes`` of the profile's fields)."""
    from weavz_flow.integrations.custom_api_natives import provider_profile
    from weavz_flow.integrations.custom_api_profiles import api_profiles

    return dataclasses.replace(provider_profile(api_profiles()[name], display_name), error_fault=error_fault,
                               **changes)


def message_list(ctx: ActionContext, field: str, value: Any, text: Callable[[str], Any]) -> list[Any]:
    """A conversation input: a JSON array (or its JSON text) as it is, an object as a one-item list, other text as
    ``[text(value)]`` (the provider's form of one user turn)."""
    parsed = json_value(value)
    if isinstance(parsed, list):
        if not parsed:
            raise invalid_input(ctx, field, "is an empty list")
        return parsed
    if isinstance(parsed, Mapping):
        return [dict(parsed)]
    if isinstance(parsed, str) and parsed.strip():
        return [text(parsed)]
    raise invalid_input(ctx, field, "must be a list of messages or text")
