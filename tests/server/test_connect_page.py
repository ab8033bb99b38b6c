"""The connect page in a real browser (Debian's chromium, JavaScript off): a person opens ``connectUrl``, enters a
Slack bot token with the keyboard, and the SDK's ``connect.wait`` sees the session COMPLETED; the connection then
acts for that end user through a ``per_user`` alias, against the Slack stub. The secret never shows in a page.
Screenshots: ``build/screenshots/connect-page.png``, ``connect-page-error.png``, ``connect-done.png``,
``connect-custom-auth.png``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page
from weavz_sdk import WeavzClient

from tests.browser import screenshot
from tests.server.accounts import SERVICE_KEY, Account, LiveServer, bootstrap_account, unique
from tests.server.live_server import serve_in_thread
from tests.stubs.slack import SlackStub
from weavz_flow.catalog.model import AuthForm, AuthProp
from weavz_flow.engine.engine import Engine
from weavz_flow.integrations.base import NativeIntegration
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import ServerSettings

BOT_TOKEN = "xoxb-typed-by-alice-9f3e1d7c"


def _token(account: Account, **body: Any) -> dict[str, Any]:
    """``baseUrl`` (where the connection's credential may go: the stub) is not a Weavz field, so the SDK cannot send
    it; the token is made over plain HTTP, everything after it through the SDK."""
    with account.client() as api:
        created = api.post("/api/v1/connect/token", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def _tab_to(page: Page, element_id: str, *, limit: int = 10) -> None:
    """Press Tab until the element with ``element_id`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def test_a_person_connects_slack_and_the_connection_acts_for_them(
    sdk: WeavzClient, account: Account, any_token_slack: SlackStub, page: Page,
) -> None:
    ws = sdk.workspaces.create(name="Acme Support", slug=unique("acme"))["workspace"]["id"]
    sdk.workspaces.add_integration(ws, integration_name="slack", integration_alias="slack_per_user",
                                   connection_strategy="per_user")
    created = _token(account, integrationName="slack", connectionName="Alice's Slack",
                     externalId=unique("alice-slack"), workspaceId=ws, endUserId="alice",
                     baseUrl=any_token_slack.url)

    page.goto(created["connectUrl"])
    assert page.get_by_role("heading", name="Connect Slack", exact=True).is_visible()
    assert page.get_by_text("Acme Support").first.is_visible()
    secret_input = page.get_by_label("Bot User OAuth Token (required)", exact=True)
    assert secret_input.get_attribute("type") == "password" and secret_input.get_attribute("required") is not None
    assert secret_input.get_attribute("aria-describedby") == "secret-text-secret-hint"
    oauth = page.get_by_role("link", name="Continue to Slack")
    assert oauth.get_attribute("href") == f"/connect/oauth2/start?token={created['token']}"
    screenshot(page, "connect-page")

    # A blank entry (spaces pass the browser's own check): the field says what is missing, tied to it for readers.
    secret_input.fill("   ")
    page.get_by_role("button", name="Connect Slack").click()
    assert page.get_by_role("alert").inner_text() == "Some fields need your attention."
    field = page.get_by_label("Bot User OAuth Token (required)", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "secret-text-secret-hint secret-text-secret-error"
    assert page.locator("#secret-text-secret-error").inner_text() == "Bot User OAuth Token is required"
    screenshot(page, "connect-page-error")

    # Too long for the store: refused by the server; the page shows why and never the typed secret.
    refused_secret = "xoxb-much-too-long-" + "q" * 70_000
    field.fill(refused_secret)
    with page.expect_navigation():
        field.press("Enter")
    assert page.get_by_role("alert").inner_text().startswith("credential is too large")
    assert "qqqqqqqq" not in page.content() and field.input_value() == ""
    assert sdk.connect.poll(created["token"])["status"] == "PENDING"

    # Keyboard only: Tab to the field, type, Enter.
    page.goto(created["connectUrl"])
    _tab_to(page, "secret-text-secret")
    page.keyboard.type(BOT_TOKEN)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Slack is connected").is_visible()
    assert BOT_TOKEN not in page.content()
    screenshot(page, "connect-done")

    done = sdk.connect.wait(created["token"], timeout=10, interval=0.1)
    assert done["status"] == "COMPLETED" and done["endUserId"] == "alice"
    connection = sdk.connections.get(done["connectionId"])["connection"]
    assert (connection["endUserId"], connection["workspaceId"]) == ("alice", ws)

    result = sdk.actions.execute("slack", "send_channel_message", workspace_id=ws, integration_alias="slack_per_user",
                                 end_user_id="alice", input={"channel": "C0GENERAL", "text": "hello from Alice"})
    assert result["success"] is True, result
    sent = [r for r in any_token_slack.requests if r.path.endswith("chat.postMessage")]
    assert [r.bearer for r in sent] == [BOT_TOKEN]
    assert BOT_TOKEN not in str(result) and BOT_TOKEN not in str(done) and BOT_TOKEN not in str(connection)

    page.goto(created["connectUrl"])  # the link worked once
    assert page.get_by_role("heading", name="This link has been used").is_visible()


# -- BASIC_AUTH and CUSTOM_AUTH: an integration of the test's own, laid over the catalog --------------------------

DESK = NativeIntegration(
    name="acme-desk", display_name="Acme Desk", description="test only: a help desk with two ways to connect",
    actions={}, auth_types=("CUSTOM_AUTH", "BASIC_AUTH"),
    auth_form=AuthForm(props=(
        AuthProp("subdomain", "Subdomain", "The part before .acme-desk.example", required=True),
        AuthProp("apiKey", "API key", "From Settings, API", required=True, secret=True),
        AuthProp("region", "Region", required=False),
    )),
)


@dataclass(frozen=True)
class DeskServer:
    url: str
    engine: Engine


@pytest.fixture(scope="module")
def desk_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskServer]:
    natives = {**dict(NATIVE_INTEGRATIONS), DESK.name: DESK}
    engine = Engine.open(database_url, natives=natives, key_file=tmp_path_factory.mktemp("desk-key") / "secret.key")
    app = create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))
    try:
        with serve_in_thread(app) as url:
            yield DeskServer(url, engine)
    finally:
        engine.close()


def test_custom_auth_and_basic_auth_forms(desk_server: DeskServer, page: Page) -> None:
    desk = bootstrap_account(LiveServer(desk_server.url, desk_server.engine, SERVICE_KEY), "desk-org")
    with desk.client() as api:
        ws = api.post("/api/v1/workspaces", json={"name": "Desk", "slug": unique("desk")}).json()["workspace"]["id"]
    created = _token(desk, integrationName="acme-desk", connectionName="Bob's desk", externalId=unique("bob-desk"),
                     workspaceId=ws, endUserId="bob")
    page.goto(created["connectUrl"])
    assert page.get_by_role("heading", name="Connect with your Acme Desk details").is_visible()
    assert page.get_by_role("heading", name="Connect with a username and password").is_visible()
    assert page.get_by_label("API key (required)", exact=True).get_attribute("type") == "password"
    assert page.get_by_label("Subdomain (required)", exact=True).get_attribute("type") == "text"
    assert page.get_by_label("Region", exact=True).get_attribute("required") is None
    assert page.get_by_label("Username (required)", exact=True).get_attribute("autocomplete") == "username"
    assert page.get_by_label("Password (required)", exact=True).get_attribute("type") == "password"
    screenshot(page, "connect-custom-auth")

    # A required prop left out: the form comes back with the subdomain kept and the API key empty.
    page.get_by_label("Subdomain (required)", exact=True).fill("bobs-team")
    page.get_by_label("API key (required)", exact=True).fill(" ")
    page.get_by_role("button", name="Connect Acme Desk").first.click()
    assert page.get_by_label("Subdomain (required)", exact=True).input_value() == "bobs-team"
    assert page.get_by_label("API key (required)", exact=True).input_value() == ""
    assert page.get_by_label("API key (required)", exact=True).get_attribute("aria-invalid") == "true"

    page.get_by_label("API key (required)", exact=True).fill("desk-key-0c11b2")
    with page.expect_navigation():
        page.get_by_label("API key (required)", exact=True).press("Enter")
    assert page.get_by_role("heading", name="Acme Desk is connected").is_visible()
    assert "desk-key-0c11b2" not in page.content()

    with desk.client() as api:
        done = api.post("/api/v1/connect/session/poll", json={"token": created["token"]}).json()
    assert done["status"] == "COMPLETED"
    with desk_server.engine.store.read() as conn:
        credential = desk_server.engine.connections.load_credentials(conn, done["connectionId"])
    assert credential.type == "CUSTOM_AUTH" and credential.props is not None
    assert credential.props.reveal() == {"subdomain": "bobs-team", "apiKey": "desk-key-0c11b2"}

    basic = _token(desk, integrationName="acme-desk", connectionName="Carol's desk", externalId=unique("carol"),
                   workspaceId=ws, endUserId="carol", authMethodKey="BASIC_AUTH")
    page.goto(basic["connectUrl"])
    assert page.get_by_role("heading", name="Connect with your Acme Desk details").count() == 0
    page.get_by_label("Username (required)", exact=True).fill("carol")
    page.get_by_label("Password (required)", exact=True).fill("carol-pass-7a")
    with page.expect_navigation():
        page.get_by_label("Password (required)", exact=True).press("Enter")
    assert page.get_by_role("heading", name="Acme Desk is connected").is_visible()
    with desk.client() as api:
        finished = api.post("/api/v1/connect/session/poll", json={"token": basic["token"]}).json()
    with desk_server.engine.store.read() as conn:
        basic_credential = desk_server.engine.connections.load_credentials(conn, finished["connectionId"])
    assert basic_credential.username == "carol" and basic_credential.password is not None
    assert basic_credential.password.reveal() == "carol-pass-7a"
    assert httpx.get(basic["connectUrl"]).status_code == 410
