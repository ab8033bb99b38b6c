"""The OAuth2 connect routes over real HTTP, the ways they end other than success: the provider refuses, the code
does not exchange, the state is unknown or replayed, no OAuth app is registered, the link was used. The state is
kept only as a hash and the token and verifier only encrypted."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import LiveServer
from tests.server.oauth_setup import (
    connect_token,
    oauth_app,
    workspace_with_per_user_sheets,
)
from tests.stubs.oauth2 import OAuth2Stub
from weavz_flow.engine import tables as t

DONE = "https://app.example/oauth/done"
FAILED = "https://app.example/oauth/failed"


def _start(connect_url: str) -> tuple[httpx.Response, dict[str, str]]:
    token = parse_qs(urlsplit(connect_url).query)["token"][0]
    base = connect_url.split("/connect?")[0]
    started = httpx.get(f"{base}/connect/oauth2/start", params={"token": token}, follow_redirects=False)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(started.headers.get("location", "")).query).items()}
    return started, query


def _callback(base: str, **params: str) -> httpx.Response:
    return httpx.get(f"{base}/connect/oauth2/callback", params=params, follow_redirects=False)


def test_start_sends_the_person_to_the_provider_with_state_and_pkce_and_keeps_neither_in_clear(
        live_server: LiveServer, sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    created = connect_token(sdk, workspace, oauth_app(api, oauth2_stub))
    started, query = _start(created["connectUrl"])
    assert started.status_code == 303 and started.headers["location"].startswith(oauth2_stub.authorize_url + "?")
    assert started.headers["referrer-policy"] == "no-referrer"  # the start URL holds the cst_ token
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == f"{live_server.url}/connect/oauth2/callback"
    assert query["scope"] == ("https://www.googleapis.com/auth/spreadsheets "
                              "https://www.googleapis.com/auth/drive.metadata.readonly")
    assert query["access_type"] == "offline"  # Google's default authorize parameters
    with live_server.engine.store.read() as conn:
        row = conn.execute(sa.select(t.oauth_states).where(
            t.oauth_states.c.connect_session_id == created["sessionId"])).one()
    assert row.state_hash == hashlib.sha256(query["state"].encode()).hexdigest()
    assert created["token"].encode() not in row.sealed and query["state"].encode() not in row.sealed


def test_a_refusal_at_the_provider_fails_the_session_and_goes_to_the_error_redirect(
        live_server: LiveServer, sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    created = connect_token(sdk, workspace, oauth_app(api, oauth2_stub), success_redirect_uri=DONE,
                            error_redirect_uri=FAILED)
    _, query = _start(created["connectUrl"])
    refused = _callback(live_server.url, state=query["state"], error="access_denied",
                        error_description="The user said no")
    assert refused.status_code == 303
    location = urlsplit(refused.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == FAILED
    assert parse_qs(location.query) == {"status": ["FAILED"], "error": ["OAUTH_ERROR"],
                                        "sessionId": [created["sessionId"]]}
    polled = sdk.connect.wait(created["token"], timeout=5, interval=0.1)
    assert polled["status"] == "FAILED" and "access_denied" in polled["error"]

    replayed = _callback(live_server.url, state=query["state"], code="anything")
    assert replayed.status_code == 400 and "This sign-in cannot be used" in replayed.text
    assert sdk.connections.list()["connections"] == []


def test_a_code_the_provider_will_not_exchange_fails_the_session(
        live_server: LiveServer, sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    created = connect_token(sdk, workspace, oauth_app(api, oauth2_stub))
    _, query = _start(created["connectUrl"])
    answer = _callback(live_server.url, state=query["state"], code="not-a-code-the-provider-issued")
    assert answer.status_code == 409 and "Could not connect" in answer.text
    assert [r.form["grant_type"] for r in oauth2_stub.token_requests("authorization_code")] == ["authorization_code"]
    polled = sdk.connect.poll(created["token"])
    assert polled["status"] == "FAILED" and polled["errorCode"] == "TOKEN_EXCHANGE_FAILED"
    assert "invalid_grant" in polled["error"] and "not-a-code" not in polled["error"]


def test_an_unknown_state_changes_nothing(
        live_server: LiveServer, sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    created = connect_token(sdk, workspace, oauth_app(api, oauth2_stub))
    _start(created["connectUrl"])
    forged = _callback(live_server.url, state="forged-state", code="x")
    assert forged.status_code == 400 and "This sign-in cannot be used" in forged.text
    assert _callback(live_server.url).status_code == 400
    assert sdk.connect.poll(created["token"])["status"] == "PENDING"
    assert oauth2_stub.token_requests("authorization_code") == []


def test_a_link_made_without_an_oauth_app_is_refused_and_one_whose_app_went_away_says_so(
        sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    with pytest.raises(WeavzError) as refused:  # the docs' NO_OAUTH_APP, before anyone opens a page
        sdk.connect.create_token(integration_name="google-sheets", connection_name="Sheets",
                                 external_id="sheets-no-app", workspace_id=workspace)
    assert (refused.value.status, refused.value.code) == (400, "NO_OAUTH_APP")
    app_id = oauth_app(api, oauth2_stub)
    created = sdk.connect.create_token(integration_name="google-sheets", connection_name="Sheets",
                                       external_id="sheets-no-app", workspace_id=workspace)
    assert api.delete(f"/api/v1/oauth-apps/{app_id}").status_code == 200
    started, _ = _start(created["connectUrl"])
    assert started.status_code == 400 and "Signing in is not set up" in started.text
    assert started.headers["content-security-policy"].startswith("default-src 'none'")
    assert sdk.connect.poll(created["token"])["status"] == "PENDING"


def test_a_used_link_cannot_start_again(
        live_server: LiveServer, sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    created = connect_token(sdk, workspace, oauth_app(api, oauth2_stub), success_redirect_uri=DONE)
    _, query = _start(created["connectUrl"])
    approved = httpx.post(f"{oauth2_stub.url}/authorize/decision", data={**query, "decision": "approve"},
                          follow_redirects=False)
    back = urlsplit(approved.headers["location"])
    done = _callback(live_server.url, **{k: v[-1] for k, v in parse_qs(back.query).items()})
    assert done.status_code == 303 and done.headers["location"].startswith(DONE + "?status=COMPLETED")
    again, _ = _start(created["connectUrl"])
    assert again.status_code == 410 and "This link has been used" in again.text
