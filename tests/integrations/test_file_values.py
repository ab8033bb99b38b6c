"""File inputs and outputs (integrations/file_values.py): each input form to bytes, URLs fetched from a stub on
127.0.0.1 without a credential, the byte bound, and the output's text-or-base64 rule."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.integrations.context import context
from tests.stubs.echo import BINARY, EchoStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.file_values import FileBytes, file_input, file_output

TOKEN = "dropbox-token-never-sent-to-a-file-host"


def read(http: httpx.Client, value: object, max_bytes: int = 1024) -> FileBytes:
    return file_input(context(http, "dropbox", "upload_dropbox_file", token=TOKEN), "file", value,
                      max_bytes=max_bytes)


def refused(http: httpx.Client, value: object, max_bytes: int = 1024) -> ApiError:
    with pytest.raises(ApiError) as caught:
        read(http, value, max_bytes)
    return caught.value


def test_text_forms(http: httpx.Client) -> None:
    assert read(http, base64.b64encode(b"\x00\xff").decode()) == FileBytes(b"\x00\xff")
    assert read(http, "aGVs\nbG8=") == FileBytes(b"hello")  # line-wrapped base64
    assert read(http, "data:text/plain;base64,aGk=") == FileBytes(b"hi", None, "text/plain")
    assert read(http, "data:,hello%20world") == FileBytes(b"hello world")


def test_object_forms(http: httpx.Client) -> None:
    assert read(http, {"content": "héllo", "encoding": "utf-8", "name": "a.txt", "contentType": "text/plain"}) == (
        FileBytes("héllo".encode(), "a.txt", "text/plain"))
    assert read(http, {"content": "AAE=", "encoding": "base64"}) == FileBytes(b"\x00\x01")
    assert read(http, {"base64": "AAE=", "filename": "b.bin", "mimeType": "application/x-b"}) == (
        FileBytes(b"\x00\x01", "b.bin", "application/x-b"))


def test_a_url_is_fetched_without_the_credential(http: httpx.Client, echo_stub: EchoStub) -> None:
    fetched = read(http, f"{echo_stub.url}/bytes")
    assert fetched == FileBytes(BINARY, "bytes", "application/octet-stream")
    assert "authorization" not in echo_stub.last.headers
    assert read(http, f"{echo_stub.url}/redirect?to=/bytes").content == BINARY  # a file host may redirect
    named = read(http, {"url": f"{echo_stub.url}/text", "filename": "greeting.txt"})
    assert (named.content, named.filename, named.content_type) == (b"hello", "greeting.txt", "text/plain")


def test_a_url_that_fails_is_an_action_failure(http: httpx.Client, echo_stub: EchoStub) -> None:
    error = refused(http, f"{echo_stub.url}/status/404")
    assert error.code == ErrorCode.ACTION_FAILED and error.details["providerStatus"] == 404
    assert error.details["provider"] == "file-url"


def test_what_is_no_file_or_too_large_is_refused(http: httpx.Client, echo_stub: EchoStub) -> None:
    for value in ("", "not base64!", 42, {"name": "x"}, {"content": "x", "encoding": "latin-1"}, "data:text/plain"):
        error = refused(http, value)
        assert error.code == ErrorCode.VALIDATION_ERROR and error.details["fields"][0]["field"] == "file"
    assert refused(http, base64.b64encode(b"12345").decode(), max_bytes=4).code == ErrorCode.VALIDATION_ERROR
    too_big = refused(http, f"{echo_stub.url}/bytes", max_bytes=2)  # the body is abandoned once past the bound
    assert too_big.code == ErrorCode.ACTION_FAILED and too_big.details["reason"] == "too_large"


def test_output_is_text_when_it_can_be() -> None:
    assert file_output("é".encode()) == {"content": "é", "encoding": "utf-8"}
    assert file_output(b"\xff\x00") == {"content": "/wA=", "encoding": "base64"}
    assert file_output(b"hi", force_base64=True) == {"content": "aGk=", "encoding": "base64"}
