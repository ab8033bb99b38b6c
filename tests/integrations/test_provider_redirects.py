"""A provider's redirect is a failure, never a success and never followed with the connection's token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integrations.context import context
from tests.stubs.base import running
from tests.stubs.echo import EchoStub
from tests.stubs.redirect import RedirectStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import github, google_sheets, http, slack
from weavz_flow.integrations.github_api import GITHUB
from weavz_flow.integrations.provider import ProviderRequest
from weavz_flow.integrations.provider_http import send

REDIRECTS = (301, 302, 303, 307, 308)
TOKEN = "tok-connection-secret-789"

# (integration, actions, an input the action accepts)
CALLS: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("slack", slack.ACTIONS, "send_channel_message", {"channel": "C0ALERTS", "text": "deploy done"}),
    ("github", github.ACTIONS, "create_issue", {"repository": "acme/api", "title": "t"}),
    ("google-sheets", google_sheets.ACTIONS, "read_range",
     {"spreadsheetId": "s1", "range": "Sheet1!A1:B2"}),
]


@pytest.fixture(scope="module")
def redirect_server() -> Iterator[RedirectStub]:
    with running(RedirectStub()) as stub:
        yield stub


@pytest.fixture
def redirector(redirect_server: RedirectStub) -> RedirectStub:
    redirect_server.reset()
    return redirect_server


def assert_redirect_failure(error: ApiError, status: int) -> None:
    assert error.code == ErrorCode.ACTION_FAILED
    assert f"HTTP {status}" in error.message
    assert "login.elsewhere.example:8443" in error.message
    text = f"{error.message} {error.to_body()}"
    for secret in ("tok-in-path-123", "tok-in-query-456", "/sso", TOKEN):
        assert secret not in text
    assert error.details is not None
    assert error.details["providerStatus"] == status
    assert error.details["redirectHost"] == "login.elsewhere.example:8443"


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize(("integration", "actions", "action", "values"), CALLS, ids=[c[0] for c in CALLS])
def test_a_provider_redirect_is_action_failed(http_client: httpx.Client, redirector: RedirectStub, status: int,
                                             integration: str, actions: Any, action: str,
                                             values: dict[str, Any]) -> None:
    redirector.status = status
    ctx = context(http_client, integration, action, base_url=redirector.url, token=TOKEN)
    with pytest.raises(ApiError) as caught:
        actions[action].run(ctx, values)
    assert_redirect_failure(caught.value, status)
    assert len(redirector.requests) == 1, "a redirect is neither followed nor retried"


def test_a_redirect_to_the_same_host_names_that_host(http_client: httpx.Client, redirector: RedirectStub) -> None:
    redirector.location = "/elsewhere?token=tok-relative-1"
    ctx = context(http_client, "slack", "send_channel_message", base_url=redirector.url, token=TOKEN)
    with pytest.raises(ApiError) as caught:
        slack.ACTIONS["send_channel_message"].run(ctx, {"channel": "C0", "text": "x"})
    host = redirector.url.removeprefix("http://")
    assert caught.value.details is not None and caught.value.details["redirectHost"] == host
    assert "tok-relative-1" not in str(caught.value.to_body())


def send_http(client: httpx.Client, **values: Any) -> Any:
    full = {"headers": {}, "queryParams": {}, "authType": "NONE", **values}
    return http.ACTIONS["send_request"].run(context(client, "http", "send_request"), full)


@pytest.mark.parametrize("mode", ["continue_none", "continue_all", "retry_all"])
@pytest.mark.parametrize("status", REDIRECTS)
def test_http_fails_on_a_redirect_it_was_not_asked_to_follow(http_client: httpx.Client, redirector: RedirectStub,
                                                            status: int, mode: str) -> None:
    redirector.status = status
    with pytest.raises(ApiError) as caught:
        send_http(http_client, method="GET", url=f"{redirector.url}/x", failureMode=mode)
    assert_redirect_failure(caught.value, status)


@pytest.mark.parametrize("status", REDIRECTS)
def test_http_follows_when_asked_without_its_authorization_off_origin(
        http_client: httpx.Client, redirector: RedirectStub, echo_stub: EchoStub, status: int) -> None:
    redirector.status = status
    redirector.location = f"{echo_stub.url}/landed"  # another port: another origin
    out = send_http(http_client, method="GET", url=f"{redirector.url}/start", followRedirects=True,
                    authType="BEARER_TOKEN", authFields={"token": TOKEN})
    assert out["status"] == 200 and out["body"]["path"] == "/landed"
    assert redirector.last.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in echo_stub.last.headers


@pytest.fixture(scope="module")
def http_client() -> Iterator[httpx.Client]:
    # The engine's client: redirects are never followed unless a request asks.
    with httpx.Client(follow_redirects=False) as client:
        yield client


def test_a_304_answers_the_conditional_request_that_asked_for_it(http_client: httpx.Client,
                                                                 redirector: RedirectStub) -> None:
    """304 Not Modified is in the 3xx range but is no redirect: the caller that sent If-None-Match reads it."""
    redirector.status = 304
    ctx = context(http_client, "github", "new_issue", base_url=redirector.url, token=TOKEN)
    response = send(ctx, GITHUB, ProviderRequest("GET", "/repos/acme/api/issues", headers={"If-None-Match": '"e1"'}))
    assert response.status == 304 and response.body is None
    assert redirector.last.headers["if-none-match"] == '"e1"' and len(redirector.requests) == 1
