"""Portal links through the official SDK (``end_users.create_connect_token`` / ``invite``) against the live server,
on SQLite and PostgreSQL: the answer shape, the bounds of ``expiresIn``, scoped keys, the invite record, expiry."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from weavz_sdk import WeavzClient, WeavzError

from tests.server.accounts import Account, LiveServer
from tests.server.portal_setup import PortalWorkspace, portal_workspace
from weavz_flow.engine import tables as t
from weavz_flow.engine.stamps import parse_time


@pytest.fixture
def portal(account: Account) -> PortalWorkspace:
    return portal_workspace(account)


def _count(server: LiveServer, table: sa.Table) -> int:
    with server.engine.store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_an_empty_body_gives_a_week_long_portal_link_on_this_server(
    sdk: WeavzClient, account: Account, portal: PortalWorkspace, live_server: LiveServer,
) -> None:
    before = datetime.now(UTC)
    link = sdk.end_users.create_connect_token(portal.user_a["id"])
    after = datetime.now(UTC)
    assert set(link) == {"connectUrl", "token", "expiresAt"}
    assert link["token"].startswith("eut_")
    url = urlsplit(link["connectUrl"])
    assert f"{url.scheme}://{url.netloc}" == account.url and url.path == "/connect/portal"
    assert parse_qs(url.query) == {"token": [link["token"]]}
    expires = parse_time(link["expiresAt"])
    assert before + timedelta(seconds=604_800) - timedelta(seconds=1) <= expires <= after + timedelta(seconds=604_800)
    with live_server.engine.store.read() as conn:  # the store keeps the hash, never the token
        row = conn.execute(sa.select(t.portal_tokens).where(
            t.portal_tokens.c.token_hash == hashlib.sha256(link["token"].encode()).hexdigest())).one()
    assert link["token"] not in str(tuple(row))
    assert row.end_user_id == portal.user_a["id"] and row.workspace_id == portal.workspace_id
    assert httpx.get(link["connectUrl"]).status_code == 200


def test_a_link_may_name_an_integration_or_an_alias(sdk: WeavzClient, portal: PortalWorkspace) -> None:
    by_name = sdk.end_users.create_connect_token(portal.user_a["id"], integration_name="github", expires_in=3_600)
    by_alias = sdk.end_users.create_connect_token(
        portal.user_a["id"], workspace_integration_id=portal.aliases["slack"]["id"], expires_in=2_592_000)
    assert by_name["token"] != by_alias["token"]
    page = httpx.get(by_name["connectUrl"]).text
    assert "github alias" in page and "slack alias" not in page
    page = httpx.get(by_alias["connectUrl"]).text
    assert "slack alias" in page and "github alias" not in page


@pytest.mark.parametrize("expires_in", [3_599, 2_592_001, 0, -5])
def test_expires_in_outside_an_hour_to_thirty_days_is_refused_and_nothing_is_stored(
    sdk: WeavzClient, portal: PortalWorkspace, live_server: LiveServer, expires_in: int,
) -> None:
    tokens = _count(live_server, t.portal_tokens)
    with pytest.raises(WeavzError) as refused:
        sdk.end_users.create_connect_token(portal.user_a["id"], expires_in=expires_in)
    assert refused.value.status == 400 and refused.value.code == "VALIDATION_ERROR"
    assert "expiresIn" in str(refused.value)
    with pytest.raises(WeavzError) as invited:
        sdk.end_users.invite(portal.user_a["id"], email="alice@example.com", expires_in=expires_in)
    assert invited.value.status == 400 and invited.value.code == "VALIDATION_ERROR"
    assert _count(live_server, t.portal_tokens) == tokens


def test_a_non_integer_expires_in_is_a_validation_error(account: Account, portal: PortalWorkspace) -> None:
    with account.client() as api:
        for bad in ("soon", 3600.5, True, None):
            answer = api.post(f"/api/v1/end-users/{portal.user_a['id']}/connect-token", json={"expiresIn": bad})
            if bad is None:  # an explicit null is the default
                assert answer.status_code == 200, answer.text
                continue
            assert answer.status_code == 400, (bad, answer.text)
            assert answer.json()["code"] == "VALIDATION_ERROR"


def test_the_invite_is_recorded_and_says_no_email_was_sent(
    sdk: WeavzClient, portal: PortalWorkspace, live_server: LiveServer,
) -> None:
    invite = sdk.end_users.invite(portal.user_b["id"], email="bob@example.com", integration_name="slack")
    assert invite["emailSent"] is False and invite["email"] == "bob@example.com"
    assert invite["token"].startswith("eut_") and "/connect/portal?token=" in invite["connectUrl"]
    with live_server.engine.store.read() as conn:
        row = conn.execute(sa.select(t.end_user_invites, t.portal_tokens.c.token_hash).join(
            t.portal_tokens, t.portal_tokens.c.id == t.end_user_invites.c.portal_token_id,
        ).where(t.end_user_invites.c.id == invite["inviteId"])).one()
        admin_key = conn.execute(sa.select(t.api_keys.c.id).where(t.api_keys.c.org_id == row.org_id)).scalar_one()
    assert row.email == "bob@example.com" and row.end_user_id == portal.user_b["id"]
    assert row.token_hash == hashlib.sha256(invite["token"].encode()).hexdigest()
    assert row.invited_by_api_key_id == admin_key and row.email_sent is False and row.created_at


@pytest.mark.parametrize("body", [{}, {"email": "not-an-address"}, {"email": ""}])
def test_an_invite_needs_an_email_address(
    account: Account, portal: PortalWorkspace, live_server: LiveServer, body: dict[str, str],
) -> None:
    invites, tokens = _count(live_server, t.end_user_invites), _count(live_server, t.portal_tokens)
    with account.client() as api:
        answer = api.post(f"/api/v1/end-users/{portal.user_a['id']}/invite", json=body)
    assert answer.status_code == 400 and answer.json()["code"] == "VALIDATION_ERROR"
    assert (_count(live_server, t.end_user_invites), _count(live_server, t.portal_tokens)) == (invites, tokens)


def test_unknown_end_users_integrations_and_aliases_are_404(
    sdk: WeavzClient, account: Account, portal: PortalWorkspace,
) -> None:
    with pytest.raises(WeavzError) as missing:
        sdk.end_users.create_connect_token("00000000-0000-0000-0000-000000000000")
    assert missing.value.status == 404 and missing.value.code == "END_USER_NOT_FOUND"
    with pytest.raises(WeavzError) as no_alias:
        sdk.end_users.create_connect_token(portal.user_a["id"], integration_name="google-sheets")
    assert no_alias.value.status == 404 and no_alias.value.code == "INTEGRATION_NOT_FOUND"
    other = portal_workspace(account, slug="other")
    with pytest.raises(WeavzError) as foreign_alias:
        sdk.end_users.create_connect_token(portal.user_a["id"],
                                           workspace_integration_id=other.aliases["slack"]["id"])
    assert foreign_alias.value.status == 404
    with pytest.raises(WeavzError) as mismatch:
        sdk.end_users.create_connect_token(portal.user_a["id"], integration_name="github",
                                           workspace_integration_id=portal.aliases["slack"]["id"])
    assert mismatch.value.status == 400 and mismatch.value.code == "VALIDATION_ERROR"


def test_a_scoped_key_links_only_end_users_of_its_workspaces(account: Account, portal: PortalWorkspace) -> None:
    other = portal_workspace(account, slug="other")
    with account.client() as admin:
        key = admin.post("/api/v1/api-keys", json={
            "name": "scoped", "permissions": {"scope": "workspace", "workspaceIds": [portal.workspace_id]}})
    assert key.status_code == 201, key.text
    scoped = WeavzClient(key.json()["plainKey"], base_url=account.url, max_retries=0)
    try:
        assert scoped.end_users.create_connect_token(portal.user_a["id"])["token"].startswith("eut_")
        for call in (lambda: scoped.end_users.create_connect_token(other.user_a["id"]),
                     lambda: scoped.end_users.invite(other.user_a["id"], email="a@example.com")):
            with pytest.raises(WeavzError) as refused:
                call()
            # the same answer as an end user that does not exist: nothing learnt about the other workspace
            assert refused.value.status == 404 and refused.value.code == "END_USER_NOT_FOUND"
    finally:
        scoped.close()


def test_a_link_expires(
    sdk: WeavzClient, portal: PortalWorkspace, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = sdk.end_users.create_connect_token(portal.user_a["id"], expires_in=3_600)
    assert httpx.get(link["connectUrl"]).status_code == 200
    expires = parse_time(link["expiresAt"])
    service = live_server.engine.portal_tokens
    monkeypatch.setattr(service, "clock", lambda: expires - timedelta(seconds=1))
    assert httpx.get(link["connectUrl"]).status_code == 200
    monkeypatch.setattr(service, "clock", lambda: expires)
    gone = httpx.get(link["connectUrl"])
    assert gone.status_code == 410 and "expired" in gone.text and link["token"] not in gone.text
    refused = httpx.post(link["connectUrl"].replace("/connect/portal?", "/connect/portal/disconnect?"),
                         data={"token": link["token"], "connection_id": portal.connection_a["id"]})
    assert refused.status_code == 410
    with live_server.engine.store.read() as conn:
        assert conn.execute(sa.select(t.connections.c.id).where(
            t.connections.c.id == portal.connection_a["id"])).first() is not None


def test_an_unknown_token_gets_a_message_page(live_server: LiveServer) -> None:
    for query in ("?token=eut_nope", "?token=wvz_not_a_portal_token", ""):
        answer = httpx.get(f"{live_server.url}/connect/portal{query}")
        assert answer.status_code == 404 and "not valid" in answer.text
        assert answer.headers["content-type"].startswith("text/html") and "Traceback" not in answer.text


def test_an_alias_setting_other_than_portal_is_refused(account: Account, portal: PortalWorkspace) -> None:
    with account.client() as api:
        answer = api.patch(f"/api/v1/workspaces/{portal.workspace_id}/integrations/{portal.aliases['slack']['id']}",
                           json={"settings": {"endUserConnect": "email"}})
        assert answer.status_code == 400 and answer.json()["code"] == "VALIDATION_ERROR", answer.text
        kept = api.patch(f"/api/v1/workspaces/{portal.workspace_id}/integrations/{portal.aliases['slack']['id']}",
                         json={"settings": {"endUserConnect": "portal"}})
        assert kept.status_code == 200 and kept.json()["integration"]["settings"] == {"endUserConnect": "portal"}


def test_deleting_the_end_user_withdraws_their_links(
    sdk: WeavzClient, portal: PortalWorkspace, live_server: LiveServer,
) -> None:
    link = sdk.end_users.invite(portal.user_a["id"], email="alice@example.com")
    sdk.end_users.delete(portal.user_a["id"])
    answer = httpx.get(link["connectUrl"])
    assert answer.status_code == 404 and "not valid" in answer.text
    with live_server.engine.store.read() as conn:
        for table in (t.portal_tokens, t.end_user_invites):
            assert conn.execute(sa.select(table.c.id).where(
                table.c.end_user_id == portal.user_a["id"])).first() is None
