"""What the AI model integration tests (OpenAI, Claude, Gemini) check alike, over :mod:`provider_suite`: a rate limit
is retried, then fails at once past the retry bound naming ``retryAfter``; an input too long for the model and a
refused key fail with the provider's code and the ``errorKind`` a flow can branch on; token usage has the one
compact shape."""

from __future__ import annotations

from typing import Any

from tests.integrations.provider_suite import AliasedEngine, assert_provider_failure, refused_token_failure
from tests.stubs.base import ProviderStub


def assert_usage(output: Any, input_tokens: int | None, output_tokens: int | None, total: int | None) -> None:
    assert output["usage"] == {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": total}


def assert_rate_limit(engine: AliasedEngine, stub: ProviderStub, action: str, input: dict[str, Any],
                      provider_error: str, token: str) -> dict[str, Any]:
    stub.fail_next(429, retry_after=0)
    engine.run(action, input)
    assert [r.path for r in stub.requests][:1] * 2 == [r.path for r in stub.requests]  # the same call, twice
    stub.fail_next(429, n=5, retry_after=120)
    error = engine.error(action, input)
    details = assert_provider_failure(error, 429, "rate limited", token)
    assert details["retryAfter"] == 120.0 and details["providerError"] == provider_error
    assert details["errorKind"] == "rate_limit"
    assert "retry after 120 s" in error.message
    return details


def assert_context_length(engine: AliasedEngine, action: str, input: dict[str, Any], provider_error: str,
                          message: str, token: str) -> dict[str, Any]:
    details = assert_provider_failure(engine.error(action, input), 400, message, token)
    assert details["providerError"] == provider_error and details["errorKind"] == "context_length"
    return details


def assert_refused_key(engine: AliasedEngine, base_url: str, action: str, input: dict[str, Any], message: str,
                       provider_error: str, status: int = 401) -> dict[str, Any]:
    details = refused_token_failure(engine, base_url, action, input, message, status)
    assert details["providerError"] == provider_error and details["errorKind"] == "invalid_key"
    return details
