"""The OAuth2 connect flow end to end in a real browser (headless chromium, JavaScript off): the connect page's
Continue link, the provider stub's consent page, the callback's code exchange with PKCE, the SDK's connect.wait;
then actions run with the new token, and after the provider expires it, with a refreshed one."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page
from weavz_sdk import WeavzClient

from tests.browser import screenshot
from tests.engine.oauth_world import READ, READ_VALUES, SHEETS
from tests.server.oauth_setup import (
    connect_token,
    oauth_app,
    workspace_with_per_user_sheets,
)
from tests.stubs import oauth2
from tests.stubs.oauth2 import OAuth2Stub, s256


def test_an_end_user_connects_with_oauth2_in_the_browser_and_the_token_refreshes(
        page: Page, sdk: WeavzClient, api: httpx.Client, oauth2_stub: OAuth2Stub) -> None:
    workspace = workspace_with_per_user_sheets(sdk)
    app_id = oauth_app(api, oauth2_stub)
    created = connect_token(sdk, workspace, app_id)

    page.goto(created["connectUrl"])
    assert page.get_by_role("heading", name="Connect Google Sheets").is_visible()
    screenshot(page, "oauth-connect-page")
    page.get_by_role("link", name="Continue to Google Sheets").click()

    page.wait_for_url(oauth2_stub.authorize_url + "?*")  # the provider's consent page
    assert page.get_by_role("heading", name="Stub Provider").is_visible()
    screenshot(page, "oauth-consent")
    page.get_by_role("button", name="Approve").click()

    assert page.get_by_role("heading", name="Google Sheets is connected").is_visible()
    screenshot(page, "oauth-connected")
    done = sdk.connect.wait(created["token"], timeout=10, interval=0.1)
    assert done["status"] == "COMPLETED" and done["connectionId"]

    # The authorization carried an S256 challenge, the exchange the verifier it was made from.
    [authorize] = [r for r in oauth2_stub.requests if r.path == "/authorize"]
    assert authorize.query["code_challenge_method"] == "S256" and authorize.query["client_id"] == oauth2.CLIENT_ID
    [exchange] = oauth2_stub.token_requests("authorization_code")
    assert s256(exchange.form["code_verifier"]) == authorize.query["code_challenge"]
    assert exchange.form["redirect_uri"] == authorize.query["redirect_uri"]
    connection = sdk.connections.get(done["connectionId"])["connection"]
    assert (connection["type"], connection["endUserId"], connection["scope"]) == ("OAUTH2", "alice", "USER")
    issued = [t for t, valid in oauth2_stub.access_tokens.items() if valid]
    assert len(issued) == 1 and issued[0] not in page.content() and issued[0] not in str(connection)

    def read() -> dict[str, object]:
        return sdk.actions.execute(SHEETS, "read_range", workspace_id=workspace, end_user_id="alice", input=READ)

    first = read()
    assert first["success"] is True and first["output"]["values"] == READ_VALUES
    assert oauth2_stub.api_requests()[-1].bearer == issued[0]

    oauth2_stub.expire_tokens()  # the provider ends the token early: the next call gets a 401, refreshes, retries
    second = read()
    assert second["output"]["values"] == READ_VALUES
    [refresh] = oauth2_stub.token_requests("refresh_token")
    assert refresh.form["refresh_token"] == exchange_refresh(oauth2_stub)
    refused, retried = oauth2_stub.api_requests()[-2:]
    assert refused.bearer == issued[0] and retried.bearer != issued[0]
    assert oauth2_stub.access_tokens[retried.bearer]


def exchange_refresh(stub: OAuth2Stub) -> str:
    """The refresh token the code exchange issued (the stub rotates it on use)."""
    used = [t for t, valid in stub.refresh_tokens.items() if not valid]
    assert len(used) == 1
    return used[0]
