"""OpenAI: every catalog action executed through the engine (alias -> connection -> the OpenAI stub), asserting what
OpenAI received (method, path, bearer key, body with ``stream: false``) and the mapped output with its token usage; a
rate limit, an input past the context window and a refused key; custom_api_call."""

from __future__ import annotations

import base64
import json

import pytest

from tests.integrations.ai_suite import assert_context_length, assert_rate_limit, assert_refused_key, assert_usage
from tests.integrations.provider_suite import REFUSED_TOKEN, AliasedEngine, provider_fixtures
from tests.stubs.openai import OPENAI_TOKEN, SPEECH, OpenAIStub, multipart_fields
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(OpenAIStub, "openai", OPENAI_TOKEN, "/v1")
MODEL = "gpt-4o-mini"


@pytest.fixture
def openai(provider_engine: AliasedEngine, stub: OpenAIStub) -> AliasedEngine:
    return provider_engine


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["openai"].actions) == set(sdk_catalog.integration("openai").actions)


def test_chat_completion_sends_the_conversation_unstreamed(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("chat_completion", {
        "model": MODEL, "system_message": "Be brief.", "temperature": 0.2, "max_tokens": 50,
        "messages": json.dumps([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                {"role": "user", "content": "Weather?"}]),
    })
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("POST", "/v1/chat/completions", OPENAI_TOKEN)
    assert req.headers["content-type"] == "application/json"
    assert req.json == {"model": MODEL, "temperature": 0.2, "max_completion_tokens": 50, "stream": False,
                        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                     {"role": "assistant", "content": "Hello"},
                                     {"role": "user", "content": "Weather?"}]}
    assert out == {"id": "chatcmpl-stub1", "model": MODEL, "content": "Echo: Weather?", "role": "assistant",
                   "finish_reason": "stop", "usage": {"inputTokens": 12, "outputTokens": 5, "totalTokens": 17}}


def test_chat_completion_takes_plain_text_as_one_user_message(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("chat_completion", {"model": MODEL, "messages": "Hello"})
    assert stub.last.json == {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}], "stream": False}
    assert out["content"] == "Echo: Hello"
    refused = openai.error("chat_completion", {"model": MODEL, "messages": []})
    assert refused.code == ErrorCode.VALIDATION_ERROR and "messages" in refused.message


def test_ask_json_uses_json_mode_and_parses_the_answer(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("ask_json", {"model": MODEL, "prompt": "Rate it", "schema": {"answer": "string", "ok": "boolean"},
                                  "instructions": "No prose.", "max_tokens": 100})
    body = stub.last.json
    assert stub.last.path == "/v1/chat/completions"
    assert body["response_format"] == {"type": "json_object"} and body["stream"] is False
    assert body["max_completion_tokens"] == 100
    system, user = body["messages"]
    assert system["role"] == "system" and "JSON" in system["content"]
    assert '{"answer": "string", "ok": "boolean"}' in system["content"] and "No prose." in system["content"]
    assert user == {"role": "user", "content": "Rate it"}
    assert out["json"] == {"answer": "Rate it", "ok": True}
    assert_usage(out, 12, 5, 17)

    error = openai.error("ask_json", {"model": MODEL, "prompt": "NOT JSON please"})
    assert error.code == ErrorCode.ACTION_FAILED and error.details["providerError"] == "invalid_json"
    assert error.details["usage"]["totalTokens"] == 17


def test_create_embedding(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("create_embedding", {"model": "text-embedding-3-small", "input": "a cat"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1/embeddings")
    assert stub.last.json == {"model": "text-embedding-3-small", "input": "a cat", "encoding_format": "float"}
    assert out["embedding"] == [0.25, -0.5, 0.125] and out["model"] == "text-embedding-3-small"
    assert_usage(out, 4, None, 4)


def test_generate_image_answers_urls_or_base64_with_usage(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("generate_image", {"prompt": "a red fox", "model": "dall-e-3", "size": "1024x1024", "n": 2})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1/images/generations")
    assert stub.last.json == {"prompt": "a red fox", "model": "dall-e-3", "size": "1024x1024", "n": 2}
    assert [d["url"] for d in out["data"]] == ["https://images.example/0.png", "https://images.example/1.png"]
    assert out["usage"] is None  # DALL-E reports none
    gpt = openai.run("generate_image", {"prompt": "a fox", "model": "gpt-image-1"})
    assert stub.last.json == {"prompt": "a fox", "model": "gpt-image-1"}
    assert gpt["data"] == [{"b64_json": "iVBORw0KGgo="}]
    assert_usage(gpt, 10, 4160, 4170)


AUDIO = b"ID3\x04\x00fake-audio-bytes"


def test_transcribe_audio_uploads_the_file_as_multipart(openai: AliasedEngine, stub: OpenAIStub) -> None:
    data_url = "data:audio/mpeg;base64," + base64.b64encode(AUDIO).decode()
    out = openai.run("transcribe_audio", {"file_url": data_url, "language": "en"})
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("POST", "/v1/audio/transcriptions", OPENAI_TOKEN)
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    fields = multipart_fields(req)
    assert fields["file"] == ("audio", "audio/mpeg", AUDIO)
    assert {k: v[2] for k, v in fields.items() if k != "file"} == {
        "model": b"whisper-1", "response_format": b"json", "language": b"en"}
    assert out["text"] == f"heard {len(AUDIO)} bytes" and out["seconds"] == 3 and out["usage"] is None

    # Plain base64 (the catalog types file_url as a string): no name or type to send, so generic ones.
    tokens = openai.run("transcribe_audio", {"file_url": base64.b64encode(AUDIO).decode(),
                                             "model": "gpt-4o-transcribe"})
    assert multipart_fields(stub.last)["file"] == ("audio", "application/octet-stream", AUDIO)
    assert multipart_fields(stub.last)["model"][2] == b"gpt-4o-transcribe"
    assert_usage(tokens, 30, 6, 36)


def test_text_to_speech_returns_the_audio_as_base64(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("text_to_speech", {"input": "Hello there", "voice": "alloy"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1/audio/speech")
    assert stub.last.json == {"model": "tts-1", "input": "Hello there", "voice": "alloy"}
    assert base64.b64decode(out["content"]) == SPEECH and out["encoding"] == "base64"
    assert out["contentType"] == "audio/mpeg" and out["format"] == "mp3" and out["usage"] is None
    openai.run("text_to_speech", {"input": "Hi", "voice": "nova", "model": "gpt-4o-mini-tts",
                                  "response_format": "wav"})
    assert stub.last.json == {"model": "gpt-4o-mini-tts", "input": "Hi", "voice": "nova", "response_format": "wav"}


def test_list_models(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("list_models", {})
    assert (stub.last.method, stub.last.path, stub.last.bearer) == ("GET", "/v1/models", OPENAI_TOKEN)
    assert [m["id"] for m in out["models"]] == ["gpt-4o-mini", "text-embedding-3-small"]


def test_custom_api_call_sends_the_path_with_the_key(openai: AliasedEngine, stub: OpenAIStub) -> None:
    out = openai.run("custom_api_call", {"method": "POST", "path": "/embeddings",
                                         "body": {"model": "m", "input": "x"}})
    assert (stub.last.method, stub.last.path, stub.last.bearer) == ("POST", "/v1/embeddings", OPENAI_TOKEN)
    assert stub.last.json == {"model": "m", "input": "x"}
    assert out["status"] == 200 and out["body"]["data"][0]["embedding"] == [0.25, -0.5, 0.125]
    stub.requests.clear()
    refused = openai.error("custom_api_call", {"method": "GET", "path": "https://evil.example/v1/models"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


def test_a_rate_limit_is_retried_then_fails_with_retry_after(openai: AliasedEngine, stub: OpenAIStub) -> None:
    assert_rate_limit(openai, stub, "chat_completion", {"model": MODEL, "messages": "Hi"}, "rate_limit_exceeded",
                      OPENAI_TOKEN)


def test_an_input_past_the_context_window(openai: AliasedEngine, stub: OpenAIStub) -> None:
    details = assert_context_length(openai, "chat_completion", {"model": MODEL, "messages": "TOO LONG"},
                                    "context_length_exceeded", "maximum context length", OPENAI_TOKEN)
    assert details["param"] == "messages" and details["providerErrorType"] == "invalid_request_error"


def test_a_refused_key_is_an_auth_failure_without_the_key(openai: AliasedEngine, stub: OpenAIStub) -> None:
    assert_refused_key(openai, stub.url + "/v1", "list_models", {}, "Incorrect API key", "invalid_api_key")
    assert stub.last.bearer == REFUSED_TOKEN
