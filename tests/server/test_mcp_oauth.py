"""MCP's OAuth authorization flow against the live server (uvicorn on loopback), weavz-flow as the authorization
server: the official ``mcp`` client's OAuth provider discovers it from the 401, registers, sends the person to
/authorize (whose pages are driven with httpx here, and in headless Chromium, JavaScript off, for the consent page:
``build/screenshots/mcp-oauth-consent.png``), exchanges the code with PKCE, and lists and calls tools as the end
user whose portal link said who they are; then the refusals."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import httpx2
import mcp_types as types
import pytest
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from playwright.sync_api import Page
from pydantic import AnyUrl

from tests.browser import screenshot
from tests.server.accounts import Account, LiveServer
from tests.server.mcp_client import Servers, add_alias, add_connection, new_workspace, run_async, text_of
from tests.stubs.slack import SlackStub
from weavz_flow.wire.mcp import McpServerUpdate
from weavz_flow.wire.vocabulary import McpAuthMode

CLIENT_NAME = "Test Agent"
CALLBACK = "http://127.0.0.1:9/callback"  # never reached: the test reads the code off the redirect


@pytest.fixture
def servers(live_server: LiveServer, account: Account) -> Servers:
    return Servers(live_server, account)


@dataclass(frozen=True, slots=True)
class OAuthWorkspace:
    workspace_id: str
    server_id: str
    portal_link: str  # Alice's
    user_token: str  # what her Slack connection holds


def _end_user(api: httpx.Client, ws: str, external_id: str, display: str) -> str:
    made = api.post("/api/v1/end-users", json={"workspaceId": ws, "externalId": external_id, "displayName": display})
    assert made.status_code == 201, made.text
    return str(made.json()["endUser"]["id"])


def _portal_link(api: httpx.Client, end_user_id: str) -> str:
    link = api.post(f"/api/v1/end-users/{end_user_id}/connect-token", json={})
    assert link.status_code == 200, link.text
    return str(link.json()["connectUrl"])


def _oauth_workspace(api: httpx.Client, servers: Servers, slack: SlackStub,
                     auth_mode: McpAuthMode = McpAuthMode.OAUTH) -> OAuthWorkspace:
    ws = new_workspace(api)
    alice = _end_user(api, ws, "alice", "Alice Example")
    add_connection(api, ws, "xoxp-alice-0000", slack.url, end_user="alice")
    server, _ = servers.create(ws, auth_mode)  # before the strict per_user alias, which blocks a new bearer
    add_alias(api, ws, {"integrationName": "slack", "alias": "slack_me", "connectionStrategy": "per_user"})
    return OAuthWorkspace(ws, server.id, _portal_link(api, alice), "xoxp-alice-0000")


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


class Person:
    """Someone at the browser, driving the authorization pages with plain HTTP (the pages need no script)."""

    def __init__(self, base_url: str, portal: str) -> None:
        self.base_url = base_url
        self.portal = portal
        self.consent_html = ""

    async def authorize(self, authorization_url: str) -> AuthorizationCodeResult:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            sent = await http.get(authorization_url)
            assert sent.status_code == 302, sent.text
            asked = await http.get(sent.headers["location"])
            assert asked.status_code == 200 and "Who are you?" in asked.text, asked.text
            assert asked.headers["content-security-policy"].startswith("default-src 'none'")
            consent = await http.post("/oauth/consent", data={"request": _hidden(asked.text, "request"),
                                                              "portal": self.portal})
            assert consent.status_code == 200, consent.text
            self.consent_html = consent.text
            assert "eut_" not in consent.text  # the consent page never holds the portal token
            decided = await http.post("/oauth/consent/decision", data={"step": _hidden(consent.text, "step"),
                                                                       "decision": "approve"})
        assert decided.status_code == 303, decided.text
        location = decided.headers["location"]
        assert location.startswith(CALLBACK + "?")
        query = parse_qs(urlsplit(location).query)
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0])


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def _client_metadata(redirect_uri: str = CALLBACK) -> OAuthClientMetadata:
    return OAuthClientMetadata(client_name=CLIENT_NAME, redirect_uris=[AnyUrl(redirect_uri)],
                               grant_types=["authorization_code"], response_types=["code"],
                               token_endpoint_auth_method="none")


def test_the_official_client_signs_in_as_the_end_user_and_calls_her_connection(
    api: httpx.Client, live_server: LiveServer, servers: Servers, any_token_slack: SlackStub,
) -> None:
    setup = _oauth_workspace(api, servers, any_token_slack)
    person = Person(live_server.url, setup.portal_link)
    storage = MemoryStorage()
    seen: list[str] = []

    async def redirect(url: str) -> None:
        seen.append(url)

    async def callback() -> AuthorizationCodeResult:
        return await person.authorize(seen[-1])

    server_url = f"{live_server.url}/mcp/{setup.server_id}"
    auth = OAuthClientProvider(server_url, _client_metadata(), storage, redirect_handler=redirect,
                               callback_handler=callback)

    sent_paths: list[str] = []

    async def note(request: httpx2.Request) -> None:
        sent_paths.append(f"{request.method} {request.url.path}")

    async def agent() -> tuple[list[str], types.CallToolResult]:
        async with (httpx2.AsyncClient(auth=auth, timeout=httpx2.Timeout(30, read=60),
                                       event_hooks={"request": [note]}) as http,
                    streamable_http_client(server_url, http_client=http) as (read, write),
                    ClientSession(read, write) as session):
            await session.initialize()
            names = [t.name for t in (await session.list_tools()).tools]
            sent = await session.call_tool("slack_me__send_channel_message",
                                           {"channel": "C0GENERAL", "text": "signed in by OAuth"})
            return names, sent

    names, sent = run_async(agent)
    # Discovery as MCP's authorization spec has it: the 401 names the resource metadata, which names us.
    path = f"/mcp/{setup.server_id}"
    assert sent_paths[:5] == [f"POST {path}", f"GET /.well-known/oauth-protected-resource{path}",
                              "GET /.well-known/oauth-authorization-server", "POST /oauth/register",
                              "POST /oauth/token"], sent_paths
    assert sent_paths[5] == f"POST {path}"  # the first request again, now with the token
    assert "slack_me__send_channel_message" in names
    assert not sent.is_error, text_of(sent)
    assert any_token_slack.last.bearer == setup.user_token  # Alice's own connection
    assert f"<strong>{CLIENT_NAME}</strong> wants to use the tools of" in person.consent_html
    assert "<strong>Alice Example</strong>" in person.consent_html and "mcp:tools" in person.consent_html
    # What the client discovered and was given: a resource-bound authorization request, an mcpo_ token.
    authorization = parse_qs(urlsplit(seen[0]).query)
    assert authorization["resource"] == [server_url] and authorization["code_challenge_method"] == ["S256"]
    assert storage.tokens is not None and storage.tokens.access_token.startswith("mcpo_")
    assert storage.tokens.refresh_token is None and storage.tokens.scope == "mcp:tools"
    assert storage.client is not None and storage.client.client_secret is None

    # The token is one of the server's, for Alice; revoked, it is refused at once.
    listed = api.get(f"/api/v1/mcp/servers/{setup.server_id}/access-tokens")
    assert listed.status_code == 200, listed.text
    [info] = listed.json()["tokens"]
    assert info["endUserId"] == "alice" and info["authMethod"] == "oauth"
    assert api.delete(f"/api/v1/mcp/servers/{setup.server_id}/access-tokens/{info['id']}").status_code == 200
    refused = _initialize(server_url, storage.tokens.access_token)
    assert refused.status_code == 401 and refused.json()["code"] == "MCP_TOKEN_REVOKED"


def _initialize(server_url: str, token: str) -> httpx.Response:
    return httpx.post(server_url, headers={"Authorization": f"Bearer {token}",
                                           "Accept": "application/json, text/event-stream"},
                      json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                          "protocolVersion": "2025-11-25", "capabilities": {},
                          "clientInfo": {"name": "raw", "version": "0"}}})


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).decode().rstrip("="))


def _register(base_url: str, redirect_uri: str, **extra: Any) -> httpx.Response:
    body = {**_client_metadata(redirect_uri).model_dump(mode="json", exclude_none=True), **extra}
    return httpx.post(f"{base_url}/oauth/register", json=body)


def _client_id(base_url: str, redirect_uri: str) -> str:
    registered = _register(base_url, redirect_uri)
    assert registered.status_code == 201, registered.text
    return str(registered.json()["client_id"])


def _authorize(base_url: str, client_id: str, server_url: str, pkce: Pkce, redirect_uri: str,
               **extra: str) -> httpx.Response:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": "st-1",
             "code_challenge": pkce.challenge, "code_challenge_method": "S256", "resource": server_url,
             "scope": "mcp:tools", **extra}
    return httpx.get(f"{base_url}/oauth/authorize?{urlencode(query)}")


def _token(base_url: str, client_id: str, code: str, verifier: str, redirect_uri: str) -> httpx.Response:
    return httpx.post(f"{base_url}/oauth/token", data={
        "grant_type": "authorization_code", "client_id": client_id, "code": code, "code_verifier": verifier,
        "redirect_uri": redirect_uri})


def test_the_consent_page_in_a_browser_and_the_code_checks(
    api: httpx.Client, live_server: LiveServer, servers: Servers, any_token_slack: SlackStub, page: Page,
) -> None:
    setup = _oauth_workspace(api, servers, any_token_slack, McpAuthMode.OAUTH_AND_BEARER)
    base = live_server.url
    redirect_uri = f"{base}/oauth-test-callback"  # this server's origin: the browser lands on a 404, code in URL
    server_url = f"{base}/mcp/{setup.server_id}"
    client_id = _client_id(base, redirect_uri)
    pkce = Pkce.new()
    started = _authorize(base, client_id, server_url, pkce, redirect_uri)
    assert started.status_code == 302, started.text

    page.goto(urljoin(base, started.headers["location"]))
    page.get_by_label("Your connections link or token").fill(setup.portal_link)
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name=f"Allow {CLIENT_NAME}?").is_visible()
    said = page.locator("#consent-what").inner_text()
    assert said.startswith(f"{CLIENT_NAME} wants to use the tools of ") and said.endswith(" as Alice Example.")
    assert screenshot(page, "mcp-oauth-consent").stat().st_size > 0
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{redirect_uri}?*")
    landed = parse_qs(urlsplit(page.url).query)
    code, state = landed["code"][0], landed["state"][0]
    assert state == "st-1"

    wrong_verifier = _token(base, client_id, code, Pkce.new().verifier, redirect_uri)
    assert wrong_verifier.status_code == 400
    assert wrong_verifier.json() == {"error": "invalid_grant", "error_description": "incorrect code_verifier"}
    wrong_redirect = _token(base, client_id, code, pkce.verifier, redirect_uri + "/other")
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_request"
    assert "redirect_uri" in wrong_redirect.json()["error_description"]
    other_client = _token(base, _client_id(base, redirect_uri), code, pkce.verifier, redirect_uri)
    assert other_client.status_code == 400 and other_client.json()["error"] == "invalid_grant"

    issued = _token(base, client_id, code, pkce.verifier, redirect_uri)
    assert issued.status_code == 200, issued.text
    assert issued.headers["cache-control"] == "no-store"
    token = issued.json()["access_token"]
    assert token.startswith("mcpo_") and issued.json()["token_type"] == "Bearer"
    assert _initialize(server_url, token).status_code == 200

    # The code again: refused, and the token it was exchanged for is revoked (it may have been stolen).
    reused = _token(base, client_id, code, pkce.verifier, redirect_uri)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert _initialize(server_url, token).json()["code"] == "MCP_TOKEN_REVOKED"


def test_portal_links_that_do_not_identify_an_end_user_of_the_server(
    api: httpx.Client, live_server: LiveServer, account: Account, servers: Servers, any_token_slack: SlackStub,
) -> None:
    setup = _oauth_workspace(api, servers, any_token_slack)
    other = _oauth_workspace(api, servers, any_token_slack)  # another workspace, with its own Alice
    base = live_server.url
    server_url = f"{base}/mcp/{setup.server_id}"
    client_id = _client_id(base, CALLBACK)

    def request_value() -> str:
        started = _authorize(base, client_id, server_url, Pkce.new(), CALLBACK)
        assert started.status_code == 302, started.text
        return parse_qs(urlsplit(started.headers["location"]).query)["request"][0]

    def identify(portal: str, request: str | None = None) -> httpx.Response:
        return httpx.post(f"{base}/oauth/consent", data={"request": request or request_value(), "portal": portal})

    foreign = identify(other.portal_link)
    assert foreign.status_code == 403 and "another workspace" in foreign.text
    unknown = identify("eut_" + "x" * 43)
    assert unknown.status_code == 404 and "not valid" in unknown.text
    empty = identify("my name is Alice")
    assert empty.status_code == 400 and "starts with eut_" in empty.text and 'aria-invalid="true"' in empty.text

    portal = live_server.engine.portal_tokens
    clock = portal.clock
    portal.clock = lambda: clock() + timedelta(days=30)
    try:
        expired = identify(setup.portal_link)
    finally:
        portal.clock = clock
    assert expired.status_code == 410 and "expired" in expired.text

    # A request link is spent once the person is identified; a login_hint does that step at once.
    request = request_value()
    assert identify(setup.portal_link, request).status_code == 200
    again = identify(setup.portal_link, request)
    assert again.status_code == 404 and "Start again" in again.text
    hinted = _authorize(base, client_id, server_url, Pkce.new(), CALLBACK, login_hint=setup.portal_link)
    consent = httpx.get(urljoin(base, hinted.headers["location"]))
    assert consent.status_code == 200 and "Alice Example" in consent.text and "eut_" not in consent.text
    denied = httpx.post(f"{base}/oauth/consent/decision", data={"step": _hidden(consent.text, "step"),
                                                                "decision": "deny"})
    assert denied.status_code == 303
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    # Nothing of all this minted a token.
    assert api.get(f"/api/v1/mcp/servers/{setup.server_id}/access-tokens").json()["tokens"] == []


def test_a_bearer_server_offers_no_oauth_and_bad_clients_are_refused(
    api: httpx.Client, live_server: LiveServer, servers: Servers, any_token_slack: SlackStub,
) -> None:
    base = live_server.url
    ws = new_workspace(api)
    bearer_server, _ = servers.create(ws, McpAuthMode.BEARER)
    bearer_url = f"{base}/mcp/{bearer_server.id}"
    assert httpx.get(f"{base}/.well-known/oauth-protected-resource/mcp/{bearer_server.id}").status_code == 404
    assert httpx.get(f"{base}/.well-known/oauth-protected-resource/mcp/no-such-server").status_code == 404
    challenge = _initialize(bearer_url, "mcp_" + "x" * 43).headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and "resource_metadata" not in challenge

    client_id = _client_id(base, CALLBACK)
    refused = _authorize(base, client_id, bearer_url, Pkce.new(), CALLBACK)
    assert refused.status_code == 302
    error = parse_qs(urlsplit(refused.headers["location"]).query)
    assert error["error"] == ["invalid_target"] and "bearer" in error["error_description"][0]
    no_resource = _authorize(base, client_id, "", Pkce.new(), CALLBACK)
    assert parse_qs(urlsplit(no_resource.headers["location"]).query)["error"] == ["invalid_request"]

    # Redirect URIs are checked exactly, before anything is redirected anywhere.
    setup = _oauth_workspace(api, servers, any_token_slack)
    server_url = f"{base}/mcp/{setup.server_id}"
    for unregistered in (CALLBACK + "/", CALLBACK + "?x=1", "http://127.0.0.1:9/other"):
        answer = _authorize(base, client_id, server_url, Pkce.new(), unregistered)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request", unregistered
    for unsafe in ("http://agent.example/callback", "myapp://callback"):
        answer = _register(base, unsafe)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_redirect_uri", unsafe
    confidential = _register(base, CALLBACK, token_endpoint_auth_method="client_secret_post")
    assert confidential.status_code == 400 and confidential.json()["error"] == "invalid_client_metadata"
    metadata = httpx.get(f"{base}/.well-known/oauth-authorization-server").json()
    assert metadata["grant_types_supported"] == ["authorization_code"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["none"]
    assert metadata["code_challenge_methods_supported"] == ["S256"] and metadata["scopes_supported"] == ["mcp:tools"]
    assert "revocation_endpoint" not in metadata


def test_expired_steps_and_codes_and_a_server_that_stopped_offering_oauth(
    api: httpx.Client, live_server: LiveServer, servers: Servers, any_token_slack: SlackStub,
) -> None:
    setup = _oauth_workspace(api, servers, any_token_slack)
    base = live_server.url
    server_url = f"{base}/mcp/{setup.server_id}"
    client_id = _client_id(base, CALLBACK)
    oauth = live_server.engine.mcp_oauth
    clock = oauth.clock

    def consent_step(pkce: Pkce) -> str:
        started = _authorize(base, client_id, server_url, pkce, CALLBACK, login_hint=setup.portal_link)
        consent = httpx.get(urljoin(base, started.headers["location"]))
        assert consent.status_code == 200, consent.text
        return _hidden(consent.text, "step")

    def approve(step: str) -> httpx.Response:
        return httpx.post(f"{base}/oauth/consent/decision", data={"step": step, "decision": "approve"})

    # A consent left open past its time.
    step = consent_step(Pkce.new())
    oauth.clock = lambda: clock() + timedelta(hours=1)
    try:
        late = approve(step)
    finally:
        oauth.clock = clock
    assert late.status_code == 410 and "expired" in late.text

    # A code whose two minutes are over when it is exchanged (approved, as it were, an hour ago).
    pkce = Pkce.new()
    step = consent_step(pkce)
    oauth.clock = lambda: clock() - timedelta(hours=1)
    try:
        old = approve(step)
    finally:
        oauth.clock = clock
    code = parse_qs(urlsplit(old.headers["location"]).query)["code"][0]
    expired = _token(base, client_id, code, pkce.verifier, CALLBACK)
    assert expired.status_code == 400
    assert expired.json() == {"error": "invalid_grant", "error_description": "authorization code has expired"}

    # Approved, then the server is switched to bearer mode before the code is exchanged.
    pkce = Pkce.new()
    code = parse_qs(urlsplit(approve(consent_step(pkce)).headers["location"]).query)["code"][0]
    servers.service.update(servers.caller, setup.server_id, McpServerUpdate(auth_mode=McpAuthMode.BEARER,
                                                                            end_user_id="alice"))
    refused = _token(base, client_id, code, pkce.verifier, CALLBACK)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert "no longer offers OAuth" in refused.json()["error_description"]
    assert api.get(f"/api/v1/mcp/servers/{setup.server_id}/access-tokens").json()["tokens"] == []
