"""The shared provider boundary, through a small profile of its own against the echo stub."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from tests.integrations.context import SleepRecorder, context
from tests.stubs.base import running
from tests.stubs.echo import EchoStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, comma_list, json_value, pick, wire
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest
from weavz_flow.integrations.retry import RetryPolicy
from weavz_flow.redact import Redactor

ECHO = ProviderProfile(name="echo", display_name="Echo", default_base_url="http://127.0.0.1:9/never-used")


def test_base_url_override_and_bearer_from_the_connection(http: httpx.Client, echo_stub: EchoStub) -> None:
    ctx = context(http, "echo", "x", base_url=echo_stub.url + "/prefix/", token="tok-abc")
    out = call_spec(ctx, ECHO, HttpSpec("GET", "/items/{id}", query=wire("q")), {"id": "a b/c", "q": "x"})
    assert out["path"] == "/prefix/items/a b/c"
    assert echo_stub.last.headers["authorization"] == "Bearer tok-abc"
    assert echo_stub.last.raw_path == "/prefix/items/a%20b%2Fc"


def test_a_bearer_profile_without_a_token_needs_a_connection(http: httpx.Client, echo_stub: EchoStub) -> None:
    ctx = context(http, "echo", "x", base_url=echo_stub.url)
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/"))
    assert caught.value.code == ErrorCode.CONNECTION_REQUIRED
    assert echo_stub.requests == []


def test_spec_renders_body_constants_and_skips_unset_fields() -> None:
    spec = HttpSpec("POST", "/x/{id}", query=wire(page="p"), body=wire("a", b="bee"), constants={"kind": "k"},
                    encoders={"bee": comma_list})
    request = spec.render({"id": 5, "a": 1, "bee": "x, y", "unused": True})
    assert (request.path, dict(request.query), request.json) == ("/x/5", {}, {"kind": "k", "a": 1, "b": ["x", "y"]})
    with pytest.raises(ApiError):
        spec.render({"a": 1})


def test_selectors_and_encoders() -> None:
    assert pick("a", 0, "b")({"a": [{"b": 2}]}) == 2
    assert pick("a", 3)({"a": []}) is None
    assert json_value('[{"type": "divider"}]') == [{"type": "divider"}]
    assert json_value("[not json") == "[not json"
    assert comma_list(["a", 1]) == ["a", "1"]


def test_the_context_redactor_and_request_secrets_apply(http: httpx.Client, echo_stub: EchoStub) -> None:
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok-abc")
    ctx.redactor = Redactor(["workspace-secret-xyz"])
    echo_stub.fail_next(400, body={"message": "bad workspace-secret-xyz and request-secret-123 and tok-abc"})
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/", secrets=("request-secret-123",)))
    text = f"{caught.value} {caught.value.to_body()}"
    for secret in ("workspace-secret-xyz", "request-secret-123", "tok-abc"):
        assert secret not in text
    assert caught.value.details is not None and caught.value.details["providerStatus"] == 400


def test_non_json_error_bodies_are_quoted_briefly(http: httpx.Client, echo_stub: EchoStub) -> None:
    echo_stub.fail_next(500, n=10, body="x" * 5000)
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="t0k3n", sleep=SleepRecorder())
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/"))
    assert caught.value.details is not None
    assert len(caught.value.details["providerMessage"]) == 500


def test_retries_are_logged_without_secrets(
    http: httpx.Client, echo_stub: EchoStub, caplog: pytest.LogCaptureFixture
) -> None:
    echo_stub.fail_next(503)
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok-secret-zz")
    with caplog.at_level(logging.WARNING, logger="weavz_flow.integrations"):
        call(ctx, ECHO, ProviderRequest("GET", "/path?key=tok-secret-zz"))
    assert len(caplog.records) == 1
    assert "tok-secret-zz" not in caplog.text


# -- the execute deadline (ActionContext.deadline) -----------------------------------------------------------------


def test_a_retry_wait_that_would_pass_the_deadline_is_not_started(http: httpx.Client, echo_stub: EchoStub) -> None:
    sleep = SleepRecorder()
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok",
                  retry=RetryPolicy(max_total_wait=300, sleep=sleep))
    ctx.deadline = time.monotonic() + 60
    echo_stub.fail_next(503, n=1, retry_after=90)  # within the policy's own bound, beyond the deadline
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/"))
    assert caught.value.details["providerStatus"] == 503
    assert sleep.waits == [] and len(echo_stub.requests) == 1
    echo_stub.fail_next(503, n=1, retry_after=1)  # one that ends before it still runs
    assert call(ctx, ECHO, ProviderRequest("GET", "/")).status == 200
    assert sleep.waits == [1.0]


def test_no_request_starts_once_the_deadline_has_passed(http: httpx.Client, echo_stub: EchoStub) -> None:
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok")
    ctx.deadline = time.monotonic() - 1
    with pytest.raises(ApiError) as caught:
        call(ctx, ECHO, ProviderRequest("GET", "/"))
    assert caught.value.code == ErrorCode.ACTION_FAILED and caught.value.details["reason"] == "deadline"
    assert echo_stub.requests == []


def test_each_network_operation_times_out_by_the_deadline(http: httpx.Client, echo_stub: EchoStub) -> None:
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok", timeout=60.0)
    ctx.deadline = time.monotonic() + 0.3
    with pytest.raises(ApiError) as caught:  # answered in 2 s: within the timeout, not within the deadline
        call(ctx, ECHO, ProviderRequest("GET", "/slow", query={"seconds": "2"}))
    assert caught.value.details["reason"] in {"timeout", "deadline"}


def test_a_body_read_under_a_deadline_is_the_same_as_without_one(http: httpx.Client, echo_stub: EchoStub) -> None:
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok")
    plain = [call(ctx, ECHO, ProviderRequest("GET", path)) for path in ("/text", "/bytes", "/json")]
    ctx.deadline = time.monotonic() + 60
    chunked = [call(ctx, ECHO, ProviderRequest("GET", path)) for path in ("/text", "/bytes", "/json")]
    assert [(r.status, r.body, r.content) for r in chunked] == [(r.status, r.body, r.content) for r in plain]
    assert chunked[0].body == "hello" and chunked[2].body["path"] == "/json"


def test_a_credential_never_follows_an_absolute_url_to_another_host(http: httpx.Client, echo_stub: EchoStub) -> None:
    # An action may build an absolute URL from a provider's answer (a next-page link, an upload URL); a bearer header
    # goes with it only to the connection's or the profile's hosts, as a query-parameter credential does.
    ctx = context(http, "echo", "x", base_url=echo_stub.url, token="tok-abc")
    with running(EchoStub()) as elsewhere:
        with pytest.raises(ApiError) as caught:
            call(ctx, ECHO, ProviderRequest("GET", f"{elsewhere.url}/next?page=2"))
        assert caught.value.code == ErrorCode.CREDENTIAL_HOST_DENIED
        assert elsewhere.requests == [] and "tok-abc" not in str(caught.value.to_body())
        anonymous = ProviderProfile(name="open", display_name="Open", default_base_url=None, auth="none")
        call(ctx, anonymous, ProviderRequest("GET", f"{elsewhere.url}/public"))  # no credential: any host
        assert "authorization" not in elsewhere.last.headers
    call(ctx, ECHO, ProviderRequest("GET", f"{echo_stub.url}/next?page=2"))  # the connection's own host
    assert echo_stub.last.headers["authorization"] == "Bearer tok-abc"
