"""Claude: every catalog action executed through the engine (alias -> connection -> the Anthropic stub), asserting
what Anthropic received (``x-api-key``, ``anthropic-version``, the Messages body with ``stream: false``) and the
mapped output with its token usage; a rate limit, a prompt past the context window and a refused key;
custom_api_call."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integrations.ai_suite import assert_context_length, assert_rate_limit, assert_refused_key, assert_usage
from tests.integrations.provider_suite import REFUSED_TOKEN, AliasedEngine, provider_fixtures
from tests.stubs.claude import CLAUDE_TOKEN, ClaudeStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(ClaudeStub, "claude", CLAUDE_TOKEN, "/v1")
MODEL = "claude-sonnet-4-5"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PDF = b"%PDF-1.4\n%fake\n"


@pytest.fixture
def claude(provider_engine: AliasedEngine, stub: ClaudeStub) -> AliasedEngine:
    return provider_engine


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assert_anthropic_headers(stub: ClaudeStub) -> None:
    headers = stub.last.headers
    assert headers["x-api-key"] == CLAUDE_TOKEN and headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in headers  # the key goes in x-api-key only


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["claude"].actions) == set(sdk_catalog.integration("claude").actions)


def test_ask_claude_sends_one_unstreamed_message(claude: AliasedEngine, stub: ClaudeStub) -> None:
    out = claude.run("ask_claude", {"model": MODEL, "prompt": "Why is the sky blue?", "systemPrompt": "Be brief.",
                                    "temperature": 0.3})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1/messages")
    assert_anthropic_headers(stub)
    assert stub.last.json == {"model": MODEL, "max_tokens": 4096, "stream": False, "system": "Be brief.",
                              "temperature": 0.3, "messages": [
                                  {"role": "user", "content": [{"type": "text", "text": "Why is the sky blue?"}]}]}
    assert out == {"id": "msg_stub1", "model": MODEL, "content": "Echo: Why is the sky blue?", "thinking": None,
                   "stop_reason": "end_turn", "usage": {"inputTokens": 20, "outputTokens": 7, "totalTokens": 27}}


def test_ask_claude_with_earlier_turns_and_an_image(claude: AliasedEngine, stub: ClaudeStub) -> None:
    claude.run("ask_claude", {
        "model": MODEL, "prompt": "And this one?", "maxTokens": 500, "systemPrompt": "You rate photos.",
        "image": "data:image/png;base64," + b64(PNG),
        "roles": [{"role": "system", "content": "Score 1 to 5."}, {"role": "user", "content": "Rate a cat"},
                  {"role": "assistant", "content": "5"}],
    })
    body = stub.last.json
    assert body["max_tokens"] == 500 and body["system"] == "You rate photos.\n\nScore 1 to 5."
    assert body["messages"] == [
        {"role": "user", "content": "Rate a cat"}, {"role": "assistant", "content": "5"},
        {"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(PNG)}},
            {"type": "text", "text": "And this one?"}]}]
    # A type the image block cannot take is refused before anything is sent.
    stub.requests.clear()
    error = claude.error("ask_claude", {"model": MODEL, "prompt": "x", "image": {"base64": b64(PDF)}})
    assert error.code == ErrorCode.VALIDATION_ERROR and "application/pdf" in error.message and stub.requests == []


def test_ask_claude_thinking_mode(claude: AliasedEngine, stub: ClaudeStub) -> None:
    out = claude.run("ask_claude", {"model": MODEL, "prompt": "Prove it", "thinkingMode": True, "maxTokens": 3000,
                                    "thinkingModeParams": {"budgetTokens": 2000}})
    assert stub.last.json["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert "temperature" not in stub.last.json
    assert out["thinking"] == "Let me think." and out["content"] == "Echo: Prove it"
    stub.requests.clear()
    for bad in ({"temperature": 0.5}, {"thinkingModeParams": {"budgetTokens": 5000}}):
        error = claude.error("ask_claude", {"model": MODEL, "prompt": "x", "thinkingMode": True, "maxTokens": 3000,
                                            **bad})
        assert error.code == ErrorCode.VALIDATION_ERROR
    assert stub.requests == []


def extract(claude: AliasedEngine, **values: Any) -> Any:
    return claude.run("extract-structured-data", {"model": MODEL, **values})


def test_extract_structured_data_forces_the_tool_of_the_simple_schema(claude: AliasedEngine,
                                                                      stub: ClaudeStub) -> None:
    out = extract(claude, mode="simple", text="Invoice 42, total 9.5", prompt="Read the invoice.", schema={
        "fields": [{"name": "invoice", "description": "its number", "type": "string", "isRequired": True},
                   {"propName": "total", "propDataType": "number", "propIsRequired": False}]})
    body = stub.last.json
    assert_anthropic_headers(stub)
    assert body["stream"] is False and body["max_tokens"] == 4096
    assert body["tools"] == [{"name": "extract_structured_data", "description": "Record the data extracted from "
                              "the input.", "input_schema": {"type": "object", "properties": {
                                  "invoice": {"type": "string", "description": "its number"},
                                  "total": {"type": "number"}}, "required": ["invoice"]}}]
    assert body["tool_choice"] == {"type": "tool", "name": "extract_structured_data"}
    assert body["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "Read the invoice.\n\nInvoice 42, total 9.5"}]}]
    assert out["data"] == {"invoice": "sample", "total": 1.5} and out["stop_reason"] == "tool_use"
    assert_usage(out, 20, 7, 27)


def test_extract_structured_data_from_a_pdf_with_a_json_schema(claude: AliasedEngine, stub: ClaudeStub) -> None:
    out = extract(claude, mode="advanced", image={"base64": b64(PDF), "filename": "bill.pdf"}, maxTokens=800,
                  schema={"fields": {"type": "object", "properties": {"paid": {"type": "boolean"}}}})
    body = stub.last.json
    assert body["max_tokens"] == 800
    assert body["tools"][0]["input_schema"] == {"type": "object", "properties": {"paid": {"type": "boolean"}}}
    assert body["messages"][0]["content"][0] == {"type": "document", "source": {
        "type": "base64", "media_type": "application/pdf", "data": b64(PDF)}}
    assert out["data"] == {"paid": True}


def test_extract_structured_data_checks_what_the_catalog_cannot(claude: AliasedEngine, stub: ClaudeStub) -> None:
    for values in ({"mode": "simple", "schema": {"fields": [{"name": "a"}]}},  # neither text nor image
                   {"mode": "fancy", "text": "x", "schema": {}},
                   {"mode": "simple", "text": "x", "schema": {"fields": [{"name": "a", "type": "date"}]}},
                   {"mode": "advanced", "text": "x", "schema": {"fields": {"type": "array"}}}):
        assert claude.error("extract-structured-data", {"model": MODEL, **values}).code == ErrorCode.VALIDATION_ERROR
    assert stub.requests == []


def test_custom_api_call_sends_the_key_and_version(claude: AliasedEngine, stub: ClaudeStub) -> None:
    out = claude.run("custom_api_call", {"url": "/models", "method": "GET",
                                         "headers": {"Authorization": "Bearer not-mine", "x-trace": "t1"}})
    assert (stub.last.method, stub.last.path) == ("GET", "/v1/models")
    assert_anthropic_headers(stub)
    assert stub.last.headers["x-trace"] == "t1"
    assert out["status"] == 200 and out["body"]["data"][0]["id"] == MODEL


def test_a_rate_limit_is_retried_then_fails_with_retry_after(claude: AliasedEngine, stub: ClaudeStub) -> None:
    details = assert_rate_limit(claude, stub, "ask_claude", {"model": MODEL, "prompt": "Hi"}, "rate_limit_error",
                                CLAUDE_TOKEN)
    assert details["requestId"] == "req_stub0001"


def test_an_overloaded_answer_is_retried(claude: AliasedEngine, stub: ClaudeStub) -> None:
    stub.fail_next(529)
    out = claude.run("ask_claude", {"model": MODEL, "prompt": "Hi"})
    assert out["content"] == "Echo: Hi" and [r.path for r in stub.requests] == ["/v1/messages"] * 2


def test_a_prompt_past_the_context_window(claude: AliasedEngine, stub: ClaudeStub) -> None:
    assert_context_length(claude, "ask_claude", {"model": MODEL, "prompt": "TOO LONG"}, "invalid_request_error",
                          "prompt is too long", CLAUDE_TOKEN)


def test_a_refused_key_is_an_auth_failure_without_the_key(claude: AliasedEngine, stub: ClaudeStub) -> None:
    assert_refused_key(claude, stub.url + "/v1", "ask_claude", {"model": MODEL, "prompt": "Hi"}, "invalid x-api-key",
                       "authentication_error")
    assert stub.last.headers["x-api-key"] == REFUSED_TOKEN
