"""Hosted connect through the official SDK (``connect.create_token / poll / get_session / wait``) against the live
server, with the connect page's form posted over real HTTP: tokens work once and expire, a scoped key sees only its
own workspaces' sessions, and the secret is in no answer and no page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, LiveServer, bootstrap_account, unique

SECRET = "xoxb-connect-canary-5e1f0c2a"


@pytest.fixture
def workspace(sdk: WeavzClient) -> str:
    return str(sdk.workspaces.create(name="Connect", slug=unique("connect"))["workspace"]["id"])


def _token(sdk: WeavzClient, workspace: str, **kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"integration_name": "slack", "connection_name": "Alice's Slack",
                              "external_id": unique("alice-slack"), "workspace_id": workspace, "end_user_id": "alice"}
    values.update(kw)
    return sdk.connect.create_token(**values)


def _submit(url: str, token: str, secret: str = SECRET, **form: str) -> httpx.Response:
    """What the browser sends when the person submits the SECRET_TEXT form."""
    return httpx.post(url + "/connect", data={"token": token, "type": "SECRET_TEXT", "secretText": secret, **form},
                      follow_redirects=False)


def test_sdk_connect_create_poll_wait_and_get_session(sdk: WeavzClient, account: Account, workspace: str) -> None:
    created = _token(sdk, workspace)
    token, session_id = created["token"], created["sessionId"]
    assert token.startswith("cst_") and created["expiresAt"]
    assert created["connectUrl"].startswith(f"{account.url}/connect?token=cst_")
    assert parse_qs(urlsplit(created["connectUrl"]).query)["token"] == [token]

    polled = sdk.connect.poll(token)
    assert (polled["status"], polled["id"], polled["integrationName"], polled["endUserId"]) == (
        "PENDING", session_id, "slack", "alice")
    assert polled["connectionId"] is None and polled["expiresAt"] == created["expiresAt"]

    page = httpx.get(created["connectUrl"])
    assert page.status_code == 200 and "Connect Slack" in page.text
    done_page = _submit(account.url, token)
    assert done_page.status_code == 200 and "Slack is connected" in done_page.text

    done = sdk.connect.wait(token, timeout=10, interval=0.1)
    assert done["status"] == "COMPLETED" and done["connectionId"] and done["completedAt"]
    session = sdk.connect.get_session(session_id)["session"]
    assert session["status"] == "COMPLETED" and session["connectionId"] == done["connectionId"]
    assert session["workspaceId"] == workspace and session["connectionName"] == "Alice's Slack"
    connection = sdk.connections.get(done["connectionId"])["connection"]
    assert (connection["endUserId"], connection["scope"], connection["type"]) == ("alice", "USER", "SECRET_TEXT")
    assert connection["externalId"] == session["externalId"] and connection["displayName"] == "Alice's Slack"
    # The end user did not exist: connect made it in the workspace.
    assert [u["externalId"] for u in sdk.end_users.list(workspace_id=workspace)["endUsers"]] == ["alice"]
    for answer in (created, polled, done, session, connection, page.text, done_page.text):
        assert SECRET not in str(answer)
    assert token not in done_page.text


def test_a_used_token_cannot_be_used_again(sdk: WeavzClient, account: Account, workspace: str) -> None:
    created = _token(sdk, workspace)
    assert _submit(account.url, created["token"]).status_code == 200
    first = sdk.connect.poll(created["token"])["connectionId"]
    again = _submit(account.url, created["token"], secret="xoxb-second-attempt-never-stored")
    assert again.status_code == 410 and "This link has been used" in again.text
    assert httpx.get(created["connectUrl"]).status_code == 410
    assert sdk.connect.poll(created["token"])["connectionId"] == first
    assert len(sdk.connections.list()["connections"]) == 1


def test_tokens_expire(sdk: WeavzClient, live_server: LiveServer, account: Account, workspace: str) -> None:
    created = _token(sdk, workspace)
    sessions = live_server.engine.connect_sessions
    later = datetime.now(UTC) + timedelta(seconds=sessions.ttl_s + 60)
    sessions.clock = lambda: later
    try:
        with pytest.raises(WeavzError) as expired:
            sdk.connect.wait(created["token"], timeout=5, interval=0.1)
        assert (expired.value.status, expired.value.code) == (401, "CONNECT_SESSION_EXPIRED")
        assert sdk.connect.get_session(created["sessionId"])["session"]["status"] == "EXPIRED"
        page = httpx.get(created["connectUrl"])
        assert page.status_code == 410 and "This link has expired" in page.text
        assert _submit(account.url, created["token"]).status_code == 410
    finally:
        sessions.clock = lambda: datetime.now(UTC)
    assert sdk.connections.list()["connections"] == []


def test_the_default_expiry_is_thirty_minutes(sdk: WeavzClient, workspace: str) -> None:
    created = _token(sdk, workspace)
    session = sdk.connect.get_session(created["sessionId"])["session"]
    lifetime = datetime.fromisoformat(session["expiresAt"]) - datetime.fromisoformat(session["createdAt"])
    assert lifetime == timedelta(minutes=30)


def test_scoped_keys_see_only_their_workspaces_sessions(sdk: WeavzClient, account: Account, workspace: str) -> None:
    own = str(sdk.workspaces.create(name="Own", slug=unique("own"))["workspace"]["id"])
    with account.client() as admin:
        key = admin.post("/api/v1/api-keys", json={
            "name": "scoped", "permissions": {"scope": "workspace", "workspaceIds": [own]}}).json()["plainKey"]
    other = _token(sdk, workspace)
    with WeavzClient(key, base_url=account.url, max_retries=0) as scoped:
        with pytest.raises(WeavzError) as poll:
            scoped.connect.poll(other["token"])
        assert (poll.value.status, poll.value.code) == (401, "INVALID_TOKEN")
        with pytest.raises(WeavzError) as get:
            scoped.connect.get_session(other["sessionId"])
        assert (get.value.status, get.value.code) == (404, "CONNECT_SESSION_NOT_FOUND")
        with pytest.raises(WeavzError) as create:
            _token(scoped, workspace)
        assert (create.value.status, create.value.code) == (403, "SCOPE_DENIED")
        mine = _token(scoped, own, end_user_id=None)
        assert scoped.connect.poll(mine["token"])["scope"] == "WORKSPACE"
        assert scoped.connect.get_session(mine["sessionId"])["session"]["workspaceId"] == own


def test_another_organization_cannot_read_a_session(
    sdk: WeavzClient, live_server: LiveServer, workspace: str,
) -> None:
    created = _token(sdk, workspace)
    other = bootstrap_account(live_server, "other-org")
    with WeavzClient(other.api_key, base_url=other.url, max_retries=0) as stranger:
        with pytest.raises(WeavzError) as poll:
            stranger.connect.poll(created["token"])
        assert poll.value.status == 401
        with pytest.raises(WeavzError) as get:
            stranger.connect.get_session(created["sessionId"])
        assert get.value.status == 404


def test_connecting_again_replaces_the_end_users_own_connection_in_place(
    sdk: WeavzClient, account: Account, workspace: str,
) -> None:
    external_id = unique("alice-slack")
    first = _token(sdk, workspace, external_id=external_id)
    _submit(account.url, first["token"])
    original = sdk.connect.poll(first["token"])["connectionId"]
    again = _token(sdk, workspace, external_id=external_id, connection_name="Alice's new Slack",
                   success_redirect_uri="https://app.example/connected?tab=slack")
    redirected = _submit(account.url, again["token"], secret="xoxb-replacement-token-77")
    assert redirected.status_code == 303
    location = urlsplit(redirected.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "app.example", "/connected")
    assert parse_qs(location.query) == {"tab": ["slack"], "status": ["COMPLETED"], "connectionId": [original],
                                        "sessionId": [again["sessionId"]]}
    assert sdk.connect.poll(again["token"])["connectionId"] == original
    assert sdk.connections.get(original)["connection"]["displayName"] == "Alice's new Slack"


def test_a_connection_of_someone_else_is_never_overwritten(sdk: WeavzClient, account: Account, workspace: str) -> None:
    external_id = unique("alice-slack")
    _submit(account.url, _token(sdk, workspace, external_id=external_id)["token"])
    bob = _token(sdk, workspace, external_id=external_id, end_user_id="bob",
                 error_redirect_uri="https://app.example/failed")
    refused = _submit(account.url, bob["token"], secret="xoxb-bob-would-overwrite")
    assert refused.status_code == 303
    location = urlsplit(refused.headers["location"])
    assert parse_qs(location.query) == {"status": ["FAILED"], "error": ["DUPLICATE"], "sessionId": [bob["sessionId"]]}
    failed = sdk.connect.wait(bob["token"], timeout=5, interval=0.1)
    assert (failed["status"], failed["errorCode"]) == ("FAILED", "DUPLICATE")
    assert "never overwritten" in failed["error"]
    # Without an error redirect the person sees why on a page (409), never the secret.
    nobody = _token(sdk, workspace, external_id=external_id, end_user_id=None)
    page = _submit(account.url, nobody["token"], secret="xoxb-org-would-overwrite")
    assert page.status_code == 409 and "xoxb-org-would-overwrite" not in page.text
    connections = sdk.connections.list()["connections"]
    assert [c["endUserId"] for c in connections] == ["alice"]


def test_a_cancelled_session_is_failed(sdk: WeavzClient, account: Account, workspace: str) -> None:
    created = _token(sdk, workspace)
    cancelled = httpx.post(account.url + "/connect/cancel", data={"token": created["token"]})
    assert cancelled.status_code == 200 and "Nothing was connected" in cancelled.text
    failed = sdk.connect.wait(created["token"], timeout=5, interval=0.1)
    assert (failed["status"], failed["errorCode"]) == ("FAILED", "CONNECT_CANCELLED")


def test_a_missing_field_shows_the_form_again_and_keeps_the_session(
    sdk: WeavzClient, account: Account, workspace: str,
) -> None:
    created = _token(sdk, workspace)
    again = _submit(account.url, created["token"], secret="   ")
    assert again.status_code == 400 and 'aria-invalid="true"' in again.text
    assert sdk.connect.poll(created["token"])["status"] == "PENDING"
    too_long = "xoxb-" + "z" * 70_000  # past the secret size limit: the store refuses it, the page must not echo it
    refused = _submit(account.url, created["token"], secret=too_long)
    assert refused.status_code == 400 and "zzzzzzzz" not in refused.text
    assert sdk.connect.poll(created["token"])["status"] == "PENDING"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"integrationName": "no-such-integration"}, 404, "INTEGRATION_NOT_FOUND"),
    ({"integrationName": "kv-store"}, 400, "VALIDATION_ERROR"),
    ({"successRedirectUri": "javascript:alert(1)"}, 400, "VALIDATION_ERROR"),
    ({"workspaceId": "00000000-0000-0000-0000-000000000000"}, 404, "NOT_FOUND"),
    ({"externalId": ""}, 400, "VALIDATION_ERROR"),
])
def test_bad_token_requests(account: Account, workspace: str, body: dict[str, Any], status: int, code: str) -> None:
    request = {"integrationName": "slack", "connectionName": "x", "externalId": "x", "workspaceId": workspace, **body}
    with account.client() as api:
        answer = api.post("/api/v1/connect/token", json=request)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text


def test_unknown_links_are_a_page_not_an_error(live_server: LiveServer) -> None:
    for url in ("/connect", "/connect?token=cst_nope", "/connect?token=wvz_not_a_connect_token"):
        answer = httpx.get(live_server.url + url)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        assert "This link is not valid" in answer.text
    posted = httpx.post(live_server.url + "/connect", data={"token": "cst_nope", "secretText": SECRET})
    assert posted.status_code == 404 and SECRET not in posted.text


def test_poll_needs_the_api_key_that_made_the_token(sdk: WeavzClient, account: Account, workspace: str) -> None:
    """The docs' example polls without a key; this server asks for one (the SDK always sends it), so that a leaked
    cst_ token alone tells nothing."""
    created = _token(sdk, workspace)
    answer = httpx.post(account.url + "/api/v1/connect/session/poll", json={"token": created["token"]})
    assert (answer.status_code, answer.json()["code"]) == (401, "UNAUTHORIZED")


def test_an_oauth2_only_integration_needs_an_oauth_app_before_a_link_is_made(
    sdk: WeavzClient, api: httpx.Client, workspace: str,
) -> None:
    with pytest.raises(WeavzError) as refused:
        _token(sdk, workspace, integration_name="google-sheets")
    assert (refused.value.status, refused.value.code) == (400, "NO_OAUTH_APP")
    assert "POST /api/v1/oauth-apps" in str(refused.value)
    with pytest.raises(WeavzError) as asked:  # asking for OAuth2 by authMethodKey is the same
        _token(sdk, workspace, integration_name="slack", auth_method_key="OAUTH2")
    assert asked.value.code == "NO_OAUTH_APP"


def test_an_oauth2_only_integration_offers_the_provider_button_only(
    sdk: WeavzClient, api: httpx.Client, workspace: str,
) -> None:
    app = api.post("/api/v1/oauth-apps", json={"integrationName": "google-sheets", "clientId": "client-1",
                                               "clientSecret": "s3cret", "scopes": []})
    assert app.status_code in (200, 201), app.text
    created = _token(sdk, workspace, integration_name="google-sheets")
    page = httpx.get(created["connectUrl"])
    assert page.status_code == 200 and "Continue to Google Sheets" in page.text
    assert 'type="password"' not in page.text
    assert f'href="/connect/oauth2/start?token={created["token"]}"' in page.text
