"""Through a real serve: a provider answering with a redirect fails the execute; the message was not sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.accounts import Account, unique
from tests.stubs.base import running
from tests.stubs.redirect import RedirectStub

TOKEN = "xoxb-redirect-test-secret"


@pytest.fixture(scope="module")
def redirector() -> Iterator[RedirectStub]:
    with running(RedirectStub()) as stub:
        yield stub


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_slack_redirect_is_action_failed(account: Account, redirector: RedirectStub, status: int) -> None:
    redirector.reset()
    redirector.status = status
    with account.client() as api:
        ws = api.post("/api/v1/workspaces", json={"name": "R", "slug": unique("redir")}).json()["workspace"]["id"]
        conn = api.post("/api/v1/connections", json={
            "type": "SECRET_TEXT", "externalId": unique("slack"), "displayName": "Bot", "integrationName": "slack",
            "secretText": TOKEN, "baseUrl": redirector.url}).json()["connection"]
        created = api.post(f"/api/v1/workspaces/{ws}/integrations", json={
            "integrationName": "slack", "alias": "slack_bot", "connectionStrategy": "fixed",
            "connectionId": conn["id"]})
        assert created.status_code == 201, created.text
        answer = api.post("/api/v1/actions/execute", json={
            "integrationName": "slack", "actionName": "send_channel_message", "workspaceId": ws,
            "integrationAlias": "slack_bot", "input": {"channel": "C0ALERTS", "text": "hello"}})
    body = answer.json()
    assert answer.status_code != 200 and body.get("success") is not True, body
    assert body["code"] == "ACTION_FAILED"
    assert f"HTTP {status}" in body["error"] and "login.elsewhere.example:8443" in body["error"]
    assert body["details"]["redirectHost"] == "login.elsewhere.example:8443"
    for secret in ("tok-in-path-123", "tok-in-query-456", TOKEN):
        assert secret not in answer.text
    assert [r.path for r in redirector.requests] == ["/chat.postMessage"]  # asked once, never followed
