"""Google Gemini: every catalog action executed through the engine (alias -> connection -> the Gemini stub),
asserting what Gemini received (``x-goog-api-key``, ``models/{model}:method`` paths, bodies) and the mapped output
with its token usage; the model list's pages; a rate limit, an input past the context window and a refused key;
custom_api_call."""

from __future__ import annotations

import json

import pytest

from tests.integrations.ai_suite import assert_context_length, assert_rate_limit, assert_refused_key
from tests.integrations.provider_suite import REFUSED_TOKEN, AliasedEngine, provider_fixtures
from tests.stubs.gemini import GEMINI_TOKEN, MODELS, GeminiStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.google_gemini import gemini_fault
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(GeminiStub, "google-gemini", GEMINI_TOKEN, "/v1beta")
MODEL = "gemini-2.0-flash"


@pytest.fixture
def gemini(provider_engine: AliasedEngine, stub: GeminiStub) -> AliasedEngine:
    return provider_engine


def assert_key_header(stub: GeminiStub) -> None:
    assert stub.last.headers["x-goog-api-key"] == GEMINI_TOKEN
    assert "authorization" not in stub.last.headers and "key" not in stub.last.query  # never in the URL


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["google-gemini"].actions) == set(sdk_catalog.integration("google-gemini").actions)


def test_generate_content_from_text(gemini: AliasedEngine, stub: GeminiStub) -> None:
    out = gemini.run("generate_content", {"model": MODEL, "contents": "Hello", "temperature": 0.4,
                                          "maxOutputTokens": 64, "systemInstruction": "Be brief."})
    assert (stub.last.method, stub.last.path) == ("POST", f"/v1beta/models/{MODEL}:generateContent")
    assert_key_header(stub)
    assert stub.last.json == {"contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
                              "systemInstruction": {"parts": [{"text": "Be brief."}]},
                              "generationConfig": {"temperature": 0.4, "maxOutputTokens": 64}}
    assert out == {"text": "Echo: Hello", "finishReason": "STOP", "blockReason": None, "modelVersion": MODEL,
                   "usage": {"inputTokens": 8, "outputTokens": 3, "totalTokens": 11}}


def test_generate_content_from_a_json_conversation(gemini: AliasedEngine, stub: GeminiStub) -> None:
    turns = [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]},
             {"role": "user", "parts": [{"text": "More"}]}]
    out = gemini.run("generate_content", {"model": f"models/{MODEL}", "contents": json.dumps(turns)})
    assert stub.last.path == f"/v1beta/models/{MODEL}:generateContent"  # "models/" is not doubled
    assert stub.last.json == {"contents": turns}
    assert out["text"] == "Echo: Hi Hello More"


def test_generate_embedding(gemini: AliasedEngine, stub: GeminiStub) -> None:
    out = gemini.run("generate_embedding", {"model": "text-embedding-004", "text": "a cat"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1beta/models/text-embedding-004:embedContent")
    assert_key_header(stub)
    assert stub.last.json == {"content": {"parts": [{"text": "a cat"}]}}
    assert out == {"embedding": [0.5, 0.25, -1.0], "usage": None}


def test_count_tokens(gemini: AliasedEngine, stub: GeminiStub) -> None:
    out = gemini.run("count_tokens", {"model": MODEL, "text": "one two three"})
    assert (stub.last.method, stub.last.path) == ("POST", f"/v1beta/models/{MODEL}:countTokens")
    assert stub.last.json == {"contents": [{"parts": [{"text": "one two three"}]}]}
    assert out == {"totalTokens": 3}


def test_list_models_follows_the_page_tokens(gemini: AliasedEngine, stub: GeminiStub) -> None:
    out = gemini.run("list_models", {})
    assert [(r.method, r.path, r.query) for r in stub.requests] == [
        ("GET", "/v1beta/models", {"pageSize": "1000"}),
        ("GET", "/v1beta/models", {"pageSize": "1000", "pageToken": "2"})]
    assert out["models"] == MODELS
    assert_key_header(stub)


def test_custom_api_call_sends_the_path_with_the_key(gemini: AliasedEngine, stub: GeminiStub) -> None:
    out = gemini.run("custom_api_call", {"method": "POST", "path": f"/models/{MODEL}:countTokens",
                                         "body": json.dumps({"contents": [{"parts": [{"text": "a b"}]}]})})
    assert (stub.last.method, stub.last.path) == ("POST", f"/v1beta/models/{MODEL}:countTokens")
    assert_key_header(stub)
    assert out["status"] == 200 and out["body"] == {"totalTokens": 2}
    stub.requests.clear()
    refused = gemini.error("custom_api_call", {"method": "GET", "path": "https://evil.example/v1beta/models"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


def test_a_rate_limit_is_retried_then_fails_with_retry_after(gemini: AliasedEngine, stub: GeminiStub) -> None:
    assert_rate_limit(gemini, stub, "count_tokens", {"model": MODEL, "text": "x"}, "RESOURCE_EXHAUSTED",
                      GEMINI_TOKEN)


def test_gemini_says_when_to_retry_in_its_body() -> None:
    fault = gemini_fault({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED",
                                    "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                 "retryDelay": "45s"}]}})
    assert fault is not None and fault.message == "Quota exceeded"
    assert dict(fault.details) == {"providerError": "RESOURCE_EXHAUSTED", "errorKind": "rate_limit",
                                   "retryAfter": 45.0}


def test_an_input_past_the_context_window(gemini: AliasedEngine, stub: GeminiStub) -> None:
    assert_context_length(gemini, "generate_content", {"model": MODEL, "contents": "TOO LONG"}, "INVALID_ARGUMENT",
                          "exceeds the maximum number of tokens", GEMINI_TOKEN)


def test_a_refused_key_is_an_auth_failure_without_the_key(gemini: AliasedEngine, stub: GeminiStub) -> None:
    details = assert_refused_key(gemini, stub.url + "/v1beta", "count_tokens", {"model": MODEL, "text": "x"},
                                 "API key not valid", "INVALID_ARGUMENT", status=400)
    assert details["providerReason"] == "API_KEY_INVALID"
    assert stub.last.headers["x-goog-api-key"] == REFUSED_TOKEN
