from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.integrations.context import SleepRecorder, context
from tests.stubs.echo import BINARY, EchoStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.http import ACTIONS


def send(http: httpx.Client, sleep: SleepRecorder | None = None, **values: Any) -> Any:
    full = {"headers": {}, "queryParams": {}, "authType": "NONE", **values}
    return ACTIONS["send_request"].run(context(http, "http", "send_request", sleep=sleep), full)


def failure(http: httpx.Client, **values: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        send(http, **values)
    return caught.value


def test_get_with_headers_and_query(http: httpx.Client, echo_stub: EchoStub) -> None:
    out = send(http, method="get", url=f"{echo_stub.url}/things", headers={"X-Trace": "abc"},
               queryParams={"page": 2, "active": True})
    assert out["status"] == 200
    assert out["body"]["method"] == "GET" and out["body"]["path"] == "/things"
    assert echo_stub.last.query == {"page": "2", "active": "true"}
    assert echo_stub.last.headers["x-trace"] == "abc"
    assert out["headers"]["content-type"] == "application/json"


def test_json_body_nested_under_data(http: httpx.Client, echo_stub: EchoStub) -> None:
    send(http, method="POST", url=echo_stub.url, body_type="json", body={"data": {"a": [1, 2]}})
    assert echo_stub.last.json == {"a": [1, 2]}
    assert echo_stub.last.headers["content-type"] == "application/json"


def test_raw_and_form_bodies(http: httpx.Client, echo_stub: EchoStub) -> None:
    send(http, method="PUT", url=echo_stub.url, body_type="raw", body={"data": "plain text"})
    assert echo_stub.last.body == b"plain text"
    send(http, method="POST", url=echo_stub.url, body_type="form_data",
         body={"data": [{"fieldName": "name", "fieldType": "text", "textFieldValue": "Ada"}]})
    assert echo_stub.last.headers["content-type"].startswith("multipart/form-data")
    assert b'name="name"' in echo_stub.last.body and b"Ada" in echo_stub.last.body


def test_basic_and_bearer_auth(http: httpx.Client, echo_stub: EchoStub) -> None:
    send(http, method="GET", url=echo_stub.url, authType="BASIC", authFields={"username": "u", "password": "p"})
    assert echo_stub.last.headers["authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    send(http, method="GET", url=echo_stub.url, authType="BEARER_TOKEN", authFields={"token": "tok-123"})
    assert echo_stub.last.bearer == "tok-123"


def test_error_status_fails_by_default_without_leaking_auth(http: httpx.Client, echo_stub: EchoStub) -> None:
    canary = "bearer-canary-0001"
    err = failure(http, method="GET", url=f"{echo_stub.url}/status/404?api_key=secret-in-url",
                  authType="BEARER_TOKEN", authFields={"token": canary})
    assert err.code == ErrorCode.ACTION_FAILED
    assert err.details is not None
    assert err.details["providerStatus"] == 404 and err.details["providerMessage"] == "status 404"
    text = f"{err} {err.to_body()}"
    assert canary not in text and "secret-in-url" not in text
    assert len(echo_stub.requests) == 1


def test_continue_all_returns_the_error_as_output(http: httpx.Client, echo_stub: EchoStub) -> None:
    out = send(http, method="GET", url=f"{echo_stub.url}/status/500", failureMode="continue_all")
    assert out["status"] == 500 and out["body"] == {"message": "status 500"}
    assert len(echo_stub.requests) == 1


def test_retry_5xx_retries_server_errors_then_fails(http: httpx.Client, echo_stub: EchoStub) -> None:
    sleep = SleepRecorder()
    with pytest.raises(ApiError) as caught:
        send(http, sleep=sleep, method="GET", url=f"{echo_stub.url}/status/503", failureMode="retry_5xx")
    assert caught.value.details is not None and caught.value.details["attempts"] == 4
    assert len(sleep.waits) == 3
    assert send(http, method="GET", url=f"{echo_stub.url}/status/404", failureMode="retry_5xx")["status"] == 404


def test_429_is_retried_in_every_mode(http: httpx.Client, echo_stub: EchoStub) -> None:
    echo_stub.fail_next(429, retry_after=1)
    sleep = SleepRecorder()
    out = send(http, sleep=sleep, method="GET", url=echo_stub.url)
    assert out["status"] == 200 and sleep.waits == [1.0]


def test_binary_response_is_base64(http: httpx.Client, echo_stub: EchoStub) -> None:
    out = send(http, method="GET", url=f"{echo_stub.url}/bytes", response_is_binary=True)
    assert base64.b64decode(out["body"]) == BINARY


def test_redirects_are_followed_only_when_asked(http: httpx.Client, echo_stub: EchoStub) -> None:
    url = f"{echo_stub.url}/redirect?to=/landed"
    assert failure(http, method="GET", url=url).details["providerStatus"] == 302  # type: ignore[index]
    out = send(http, method="GET", url=url, followRedirects=True)
    assert out["status"] == 200 and out["body"]["path"] == "/landed"


def test_timeout_becomes_action_failed(http: httpx.Client, echo_stub: EchoStub) -> None:
    err = failure(http, method="GET", url=f"{echo_stub.url}/slow?seconds=1", timeout=0.2)
    assert err.code == ErrorCode.ACTION_FAILED
    assert err.details is not None and err.details["reason"] == "timeout"
    assert "did not answer in time" in err.message


def test_connection_refused_is_retried_then_action_failed(http: httpx.Client) -> None:
    with httpx.Client() as probe, pytest.raises(httpx.ConnectError):
        probe.get("http://127.0.0.1:9/")  # discard port: nothing listens there
    sleep = SleepRecorder()
    with pytest.raises(ApiError) as caught:
        send(http, sleep=sleep, method="GET", url="http://127.0.0.1:9/x")
    assert caught.value.details is not None and caught.value.details["reason"] == "connect"
    assert len(sleep.waits) == 3


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"method": "FETCH", "url": "http://127.0.0.1:9"}, "method"),
        ({"method": "GET", "url": "ftp://example"}, "url"),
        ({"method": "GET", "url": "http://127.0.0.1:9", "authType": "DIGEST"}, "authType"),
        ({"method": "GET", "url": "http://127.0.0.1:9", "failureMode": "explode"}, "failureMode"),
        ({"method": "POST", "url": "http://127.0.0.1:9", "body_type": "json", "body": {"data": "{nope"}}, "body"),
    ],
)
def test_invalid_inputs(http: httpx.Client, values: dict[str, Any], field: str) -> None:
    err = failure(http, **values)
    assert err.code == ErrorCode.VALIDATION_ERROR
    assert err.details is not None and err.details["fields"][0]["field"] == field
