"""The end-user portal in a real headless Chromium (JavaScript disabled, as the page must work without it).

End user A's link shows the per-user aliases with A's own connection and never B's; a disconnect form rewritten to
B's connection id is refused and B's connection stays; A's own disconnect works; an expired link gets a message
page. Screenshots: ``build/screenshots/portal.png`` and ``portal-expired.png``.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from tests.browser import screenshot
from tests.server.accounts import Account, LiveServer
from tests.server.portal_setup import PortalWorkspace, portal_workspace
from weavz_flow.engine import tables as t
from weavz_flow.engine.stamps import parse_time
from weavz_flow.server.routes.connect_pages import CONNECT_PATH


@pytest.fixture
def portal(account: Account) -> PortalWorkspace:
    return portal_workspace(account)


def _link(account: Account, end_user_id: str, **body: object) -> dict[str, str]:
    with account.client() as api:
        answer = api.post(f"/api/v1/end-users/{end_user_id}/connect-token", json=body)
    assert answer.status_code == 200, answer.text
    link: dict[str, str] = answer.json()
    return link


def _connection_exists(account: Account, connection_id: str) -> bool:
    with account.client() as api:
        return bool(api.get("/api/v1/connections", params={"id": connection_id}).status_code == 200)


def test_the_portal_lists_per_user_aliases_with_the_holders_own_connection_only(
    account: Account, portal: PortalWorkspace, page: Page,
) -> None:
    link = _link(account, portal.user_a["id"])
    page.goto(link["connectUrl"])
    assert page.get_by_role("heading", name="Your connections").is_visible()
    assert page.get_by_role("heading", name="slack alias").is_visible()
    assert page.get_by_role("heading", name="github alias").is_visible()
    assert page.get_by_role("heading", name="slack_bot alias").count() == 0  # fixed: nothing per user
    assert page.get_by_role("heading", name="kv alias").count() == 0  # takes no connection
    assert page.get_by_text("GitHub", exact=True).is_visible()  # the integration's display name
    content = page.content()
    assert "alice@slack" in content and "Alice A" in content
    assert "bob@slack" not in content and portal.connection_b["id"] not in content
    assert "token-of-" not in content  # no credential on the page
    assert page.get_by_role("button", name="Disconnect slack alias connection alice@slack").is_visible()
    assert page.locator("script").count() == 0
    assert screenshot(page, "portal").stat().st_size > 0


def test_a_disconnect_of_someone_elses_connection_is_refused_and_ones_own_works(
    account: Account, portal: PortalWorkspace, page: Page,
) -> None:
    link = _link(account, portal.user_a["id"])
    page.goto(link["connectUrl"])
    # What a curious end user can do with their own page: point its disconnect form at B's connection.
    form = page.locator("form", has=page.get_by_role("button", name="Disconnect slack alias connection alice@slack"))
    form.locator("input[name=connection_id]").evaluate("(el, id) => el.value = id", portal.connection_b["id"])
    with page.expect_navigation() as refused:
        form.get_by_role("button").click()
    response = refused.value
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Not one of your connections").is_visible()
    assert _connection_exists(account, portal.connection_b["id"])
    assert _connection_exists(account, portal.connection_a["id"])

    page.goto(link["connectUrl"])
    page.get_by_role("button", name="Disconnect slack alias connection alice@slack").click()
    assert page.get_by_role("status").inner_text() == "The connection was removed."
    assert "alice@slack" not in page.content()
    assert not _connection_exists(account, portal.connection_a["id"])
    assert _connection_exists(account, portal.connection_b["id"])


def test_a_token_of_one_end_user_cannot_disconnect_another_by_a_forged_post(
    account: Account, portal: PortalWorkspace,
) -> None:
    token = _link(account, portal.user_a["id"])["token"]
    for connection_id in (portal.connection_b["id"], portal.aliases["github"]["connectionId"], "no-such-id", ""):
        answer = httpx.post(f"{account.url}/connect/portal/disconnect",
                            data={"token": token, "connection_id": connection_id})
        assert answer.status_code == 404 and "Not one of your connections" in answer.text
    assert _connection_exists(account, portal.connection_b["id"])
    assert _connection_exists(account, portal.aliases["github"]["connectionId"])  # the shared fallback


def test_a_link_narrowed_to_an_integration_hides_the_others_connections_too(
    account: Account, portal: PortalWorkspace,
) -> None:
    token = _link(account, portal.user_a["id"], integrationName="github")["token"]
    answer = httpx.post(f"{account.url}/connect/portal/disconnect",
                        data={"token": token, "connection_id": portal.connection_a["id"]})
    assert answer.status_code == 404
    assert _connection_exists(account, portal.connection_a["id"])


def test_only_aliases_that_declare_the_portal_are_listed_when_one_does(account: Account, page: Page) -> None:
    declared = portal_workspace(account, settings={"github": {"endUserConnect": "portal"}})
    page.goto(_link(account, declared.user_a["id"])["connectUrl"])
    assert page.get_by_role("heading", name="github alias").is_visible()
    assert page.get_by_role("heading", name="slack alias").count() == 0


def test_an_expired_link_gets_a_message_page(
    account: Account, portal: PortalWorkspace, live_server: LiveServer, page: Page,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = _link(account, portal.user_a["id"], expiresIn=3_600)
    expires = parse_time(link["expiresAt"])
    monkeypatch.setattr(live_server.engine.portal_tokens, "clock", lambda: expires + timedelta(seconds=1))
    response = page.goto(link["connectUrl"])
    assert response is not None and response.status == 410
    assert page.get_by_role("heading", name="This link has expired").is_visible()
    assert "alice@slack" not in page.content()
    assert screenshot(page, "portal-expired").stat().st_size > 0


def _session_token(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == CONNECT_PATH, url
    token = parse_qs(parts.query)["token"][0]
    assert token.startswith("cst_")
    return token


def _fingerprint(server: LiveServer, connection_id: str) -> str:
    with server.engine.store.read() as conn:
        return str(conn.execute(sa.select(t.connections.c.credential_fingerprint)
                                .where(t.connections.c.id == connection_id)).scalar_one())


def test_connect_and_replace_go_through_the_connect_page_for_this_end_user(
    account: Account, portal: PortalWorkspace, live_server: LiveServer, page: Page,
) -> None:
    link = _link(account, portal.user_a["id"])
    sessions = live_server.engine.connect_sessions
    page.goto(link["connectUrl"])
    with page.expect_navigation():
        page.get_by_role("button", name="Connect github alias").click()
    session = sessions.open(_session_token(page.url))
    assert (session.integration_name, session.end_user_id, session.workspace_id) == (
        "github", portal.user_a["externalId"], portal.workspace_id)
    assert session.workspace_integration_id == portal.aliases["github"]["id"]
    assert link["token"] not in str(session.model_dump())  # the portal token is never kept in clear
    assert page.get_by_role("heading", name="Connect GitHub", exact=True).is_visible()
    page.get_by_label("Personal access token (required)", exact=True).fill("ghp_alice_own_token_0123456789")
    with page.expect_navigation():
        page.get_by_role("button", name="Connect GitHub").click()
    assert page.get_by_role("heading", name="Your account is connected").is_visible()
    page.goto(link["connectUrl"])
    assert page.get_by_role("button", name=f"Replace github alias connection {session.connection_name}").is_visible()
    assert "ghp_alice_own_token" not in page.content()

    with account.client() as api:
        before = api.get(f"/api/v1/end-users/{portal.user_a['id']}").json()["connections"]
    old = _fingerprint(live_server, portal.connection_a["id"])
    page.get_by_role("button", name="Replace slack alias connection alice@slack").click()
    replacing = sessions.open(_session_token(page.url))
    assert replacing.external_id == portal.connection_a["externalId"]
    page.get_by_label("Bot User OAuth Token (required)", exact=True).fill("xoxb-alice-new-token-0123456789")
    with page.expect_navigation():
        page.get_by_role("button", name="Connect Slack").click()
    assert page.get_by_role("heading", name="Your account is connected").is_visible()
    with account.client() as api:
        after = api.get(f"/api/v1/end-users/{portal.user_a['id']}").json()["connections"]
    assert sorted(c["id"] for c in after) == sorted(c["id"] for c in before)  # replaced in place, none added
    assert _fingerprint(live_server, portal.connection_a["id"]) != old  # the new credential, in the same row


def test_connect_refuses_aliases_and_connections_the_portal_does_not_list(
    account: Account, portal: PortalWorkspace,
) -> None:
    token = _link(account, portal.user_a["id"])["token"]
    for fields in ({"workspace_integration_id": portal.aliases["slack_bot"]["id"]},  # fixed: not listed
                   {"workspace_integration_id": portal.aliases["slack"]["id"],
                    "connection_id": portal.connection_b["id"]}):  # B's connection: never replaced through A
        answer = httpx.post(f"{account.url}/connect/portal/connect", data={"token": token, **fields},
                            follow_redirects=False)
        assert answer.status_code == 404, answer.text
    assert httpx.post(f"{account.url}/connect/portal/connect", data={"token": "eut_forged"}).status_code == 404


def test_the_return_page_after_connect_says_what_happened(account: Account, page: Page) -> None:
    page.goto(f"{account.url}/connect/portal/return?outcome=connected")
    assert page.get_by_role("heading", name="Your account is connected").is_visible()
    page.goto(f"{account.url}/connect/portal/return?outcome=failed")
    assert page.get_by_role("heading", name="Your account was not connected").is_visible()
