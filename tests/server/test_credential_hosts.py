"""A credential goes only to its connection's own host or the integration's default host (README "Security model").

The attacker holds a key scoped to workspace W1 and runs a server of their own (``evil``, a Slack stub that accepts
any token and records the Authorization header it got). The organization's credentials live in connections it
cannot read: an org-wide Slack connection without a baseUrl (so: slack.com), and end users' connections. Every way
a base URL reaches a call is tried, through the API and with an alias stored before the rule existed; the evil
server must never see a token it was not given.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.server.accounts import Account, LiveServer, unique
from tests.stubs.base import running
from tests.stubs.slack import SlackStub
from weavz_flow.engine import tables as t

ORG_TOKEN = "xoxb-org-wide-token-never-to-leave-0001"
ALICE_TOKEN = "xoxp-alice-own-token-never-to-leave-02"
ATTACKER_TOKEN = "xoxb-attacker-own-token-0003"
MESSAGE = {"channel": "C0GENERAL", "text": "hello"}


@pytest.fixture(scope="module")
def evil_server() -> Iterator[SlackStub]:
    stub = SlackStub()
    stub.token = None
    with running(stub) as served:
        yield served


@pytest.fixture
def evil(evil_server: SlackStub) -> SlackStub:
    evil_server.reset()
    return evil_server


@dataclass
class Setup:
    admin: httpx.Client
    w1: httpx.Client  # the attacker: a key scoped to W1
    ws: str
    org_connection: dict[str, Any]  # org-wide, no baseUrl: its credential may go to slack.com only


@pytest.fixture
def setup(account: Account) -> Iterator[Setup]:
    with account.client() as admin:
        ws = admin.post("/api/v1/workspaces", json={"name": "W1", "slug": unique("w1")}).json()["workspace"]["id"]
        org_connection = admin.post("/api/v1/connections", json={
            "type": "SECRET_TEXT", "externalId": unique("org-slack"), "displayName": "Org bot",
            "integrationName": "slack", "secretText": ORG_TOKEN}).json()["connection"]
        key = admin.post("/api/v1/api-keys", json={
            "name": "w1", "permissions": {"scope": "workspace", "workspaceIds": [ws]}}).json()["plainKey"]
        with account.client(key) as w1:
            yield Setup(admin, w1, ws, org_connection)


def _alias(api: httpx.Client, ws: str, **body: Any) -> httpx.Response:
    return api.post(f"/api/v1/workspaces/{ws}/integrations", json={"integrationName": "slack", **body})


def _execute(api: httpx.Client, ws: str, **body: Any) -> httpx.Response:
    return api.post("/api/v1/actions/execute", json={
        "integrationName": "slack", "actionName": "send_channel_message", "workspaceId": ws, "input": MESSAGE,
        **body})


def _denied(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "CREDENTIAL_HOST_DENIED"
    assert "a credential is only sent to the host of its connection's own baseUrl" in body["error"]


def _leaked(evil: SlackStub) -> list[str | None]:
    return [r.bearer for r in evil.requests]


def test_an_alias_cannot_point_an_org_credential_at_another_host_on_create(setup: Setup, evil: SlackStub) -> None:
    _denied(_alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed",
                   connectionId=setup.org_connection["id"], settings={"baseUrl": evil.url}))
    assert setup.admin.get(f"/api/v1/workspaces/{setup.ws}/integrations").json()["total"] == 0
    # Not on the integration's default host either: the credential would go to evil.
    _denied(_alias(setup.w1, setup.ws, alias="slack", connectionStrategy="per_user", settings={"baseUrl": evil.url}))


def test_an_alias_cannot_point_an_org_credential_at_another_host_on_patch(setup: Setup, evil: SlackStub) -> None:
    created = _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed",
                     connectionId=setup.org_connection["id"])
    assert created.status_code == 201, created.text
    alias_id = created.json()["integration"]["id"]
    patched = setup.w1.patch(f"/api/v1/workspaces/{setup.ws}/integrations/{alias_id}",
                             json={"settings": {"baseUrl": evil.url}})
    _denied(patched)
    listed = setup.admin.get(f"/api/v1/workspaces/{setup.ws}/integrations").json()["integrations"]
    assert listed[0]["settings"] == {}


@pytest.mark.parametrize(("base_url", "code"), [
    ("https://slack.com.evil.test/api", "CREDENTIAL_HOST_DENIED"),  # a longer name is another host
    ("https://evil.test/slack.com/api", "CREDENTIAL_HOST_DENIED"),
    ("https://api.slack.com/api", "CREDENTIAL_HOST_DENIED"),  # a subdomain is another host
    ("http://slack.com/api", "CREDENTIAL_HOST_DENIED"),  # another scheme (and port)
    ("https://slack.com:8443/api", "CREDENTIAL_HOST_DENIED"),
    ("https://slack.com./api", "CREDENTIAL_HOST_DENIED"),
    ("https://xn--slck-loa.com/api", "CREDENTIAL_HOST_DENIED"),
    ("https://slack.com@evil.test/api", "VALIDATION_ERROR"),  # userinfo: the host is evil.test
    ("https://evil.test#@slack.com", "VALIDATION_ERROR"),
    ("https://evil.test?@slack.com", "VALIDATION_ERROR"),
    ("https://evil.test\\@slack.com", "VALIDATION_ERROR"),
    ("//slack.com/api", "VALIDATION_ERROR"),
    ("ftp://slack.com/api", "VALIDATION_ERROR"),
])
def test_host_lookalikes_are_other_hosts(setup: Setup, base_url: str, code: str) -> None:
    refused = _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed",
                     connectionId=setup.org_connection["id"], settings={"baseUrl": base_url})
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == code
    assert setup.admin.get(f"/api/v1/workspaces/{setup.ws}/integrations").json()["total"] == 0


@pytest.mark.parametrize("base_url", ["https://slack.com/api", "HTTPS://SLACK.COM/api", "https://slack.com:443/v2"])
def test_the_default_host_in_any_spelling_is_allowed(setup: Setup, base_url: str) -> None:
    created = _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed",
                     connectionId=setup.org_connection["id"], settings={"baseUrl": base_url})
    assert created.status_code == 201, created.text


def test_the_connections_own_host_is_allowed_and_used(
    setup: Setup, evil: SlackStub, any_token_slack: SlackStub,
) -> None:
    own = setup.admin.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("hosted-slack"), "displayName": "Self-hosted",
        "integrationName": "slack", "secretText": ORG_TOKEN, "baseUrl": any_token_slack.url}).json()["connection"]
    _denied(_alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed", connectionId=own["id"],
                   settings={"baseUrl": evil.url}))
    created = _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed", connectionId=own["id"],
                     settings={"baseUrl": any_token_slack.url + "/api"})
    assert created.status_code == 201, created.text
    done = _execute(setup.w1, setup.ws, integrationAlias="slack")
    assert done.status_code == 200, done.text
    assert [r.bearer for r in any_token_slack.requests] == [ORG_TOKEN]
    assert _leaked(evil) == []


def test_an_explicit_connection_cannot_borrow_an_aliases_host(setup: Setup, evil: SlackStub) -> None:
    """The attacker's own connection on their own host makes an alias the write path accepts; naming the org's
    connection in the request must not send the org's token there."""
    mine = setup.w1.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("mine"), "displayName": "Mine", "integrationName": "slack",
        "workspaceId": setup.ws, "secretText": ATTACKER_TOKEN, "baseUrl": evil.url}).json()["connection"]
    created = _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed", connectionId=mine["id"],
                     settings={"baseUrl": evil.url})
    assert created.status_code == 201, created.text
    _denied(_execute(setup.w1, setup.ws, integrationAlias="slack",
                     connectionExternalId=setup.org_connection["externalId"]))
    assert _leaked(evil) == []
    # Their own credential on their own host is theirs to send.
    assert _execute(setup.w1, setup.ws, integrationAlias="slack").status_code == 200
    assert _leaked(evil) == [ATTACKER_TOKEN]


@pytest.mark.parametrize("strategy", ["per_user_with_fallback", "per_user"])
def test_an_end_users_credential_cannot_borrow_an_aliases_host(setup: Setup, evil: SlackStub, strategy: str) -> None:
    setup.admin.post("/api/v1/end-users", json={"workspaceId": setup.ws, "externalId": "alice"})
    alice = setup.admin.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("alice-slack"), "displayName": "Alice", "integrationName": "slack",
        "workspaceId": setup.ws, "endUserId": "alice", "secretText": ALICE_TOKEN})
    assert alice.status_code == 201, alice.text
    mine = setup.w1.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("mine"), "displayName": "Mine", "integrationName": "slack",
        "workspaceId": setup.ws, "secretText": ATTACKER_TOKEN, "baseUrl": evil.url}).json()["connection"]
    created = _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="per_user_with_fallback",
                     connectionId=mine["id"], settings={"baseUrl": evil.url})
    assert created.status_code == 201, created.text
    if strategy == "per_user":  # the pinned connection keeps the host allowed on the write path
        alias_id = created.json()["integration"]["id"]
        patched = setup.w1.patch(f"/api/v1/workspaces/{setup.ws}/integrations/{alias_id}",
                                 json={"connectionStrategy": "per_user"})
        assert patched.status_code == 200, patched.text
    _denied(_execute(setup.w1, setup.ws, integrationAlias="slack", endUserId="alice"))
    assert _leaked(evil) == []


def _store_alias_before_the_rule(server: LiveServer, account: Account, ws: str, alias: str, strategy: str,
                                 connection_id: str | None, base_url: str) -> None:
    """An alias written by an older version, which accepted any settings.baseUrl."""
    now = "2026-01-01T00:00:00.000000Z"
    with server.engine.store.write() as conn:
        conn.execute(sa.insert(t.workspace_integrations).values(
            id=str(uuid.uuid4()), org_id=account.org_id, workspace_id=ws, integration_name="slack", alias=alias,
            connection_strategy=strategy, connection_id=connection_id, display_name=None, enabled_actions=None,
            settings={"baseUrl": base_url}, sort_order=0, created_at=now, updated_at=now))


def test_an_alias_stored_before_the_rule_cannot_move_a_credential(
    live_server: LiveServer, account: Account, setup: Setup, evil: SlackStub,
) -> None:
    setup.admin.post("/api/v1/end-users", json={"workspaceId": setup.ws, "externalId": "alice"})
    setup.admin.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("alice-slack"), "displayName": "Alice", "integrationName": "slack",
        "workspaceId": setup.ws, "endUserId": "alice", "secretText": ALICE_TOKEN})
    org_id = setup.org_connection["id"]
    for alias, strategy, pinned in [("old_fixed", "fixed", org_id), ("old_per_user", "per_user", None),
                                    ("old_fallback", "per_user_with_fallback", org_id)]:
        _store_alias_before_the_rule(live_server, account, setup.ws, alias, strategy, pinned, evil.url)
    _denied(_execute(setup.w1, setup.ws, integrationAlias="old_fixed"))
    _denied(_execute(setup.w1, setup.ws, integrationAlias="old_per_user", endUserId="alice"))
    _denied(_execute(setup.w1, setup.ws, integrationAlias="old_fallback", endUserId="alice"))
    _denied(_execute(setup.w1, setup.ws, integrationAlias="old_fallback"))
    _denied(_execute(setup.w1, setup.ws, integrationAlias="old_per_user",
                     connectionExternalId=setup.org_connection["externalId"]))
    assert _leaked(evil) == []


def test_an_alias_stored_before_the_rule_yields_to_the_connections_own_host(
    live_server: LiveServer, account: Account, setup: Setup, evil: SlackStub, any_token_slack: SlackStub,
) -> None:
    own = setup.admin.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("hosted-slack"), "displayName": "Self-hosted",
        "integrationName": "slack", "secretText": ORG_TOKEN, "baseUrl": any_token_slack.url}).json()["connection"]
    _store_alias_before_the_rule(live_server, account, setup.ws, "old", "fixed", own["id"], evil.url)
    assert _execute(setup.w1, setup.ws, integrationAlias="old").status_code == 200
    assert [r.bearer for r in any_token_slack.requests] == [ORG_TOKEN]
    assert _leaked(evil) == []


def test_an_integration_without_auth_takes_any_alias_host(setup: Setup, evil: SlackStub) -> None:
    created = setup.w1.post(f"/api/v1/workspaces/{setup.ws}/integrations", json={
        "integrationName": "http", "alias": "web", "connectionStrategy": "per_user", "settings": {"baseUrl": evil.url}})
    assert created.status_code == 201, created.text


def test_a_provider_redirect_does_not_carry_the_credential(
    setup: Setup, evil: SlackStub, any_token_slack: SlackStub,
) -> None:
    own = setup.admin.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("hosted-slack"), "displayName": "Self-hosted",
        "integrationName": "slack", "secretText": ORG_TOKEN, "baseUrl": any_token_slack.url}).json()["connection"]
    assert _alias(setup.w1, setup.ws, alias="slack", connectionStrategy="fixed",
                  connectionId=own["id"]).status_code == 201
    for status in (301, 302, 307, 308):
        any_token_slack.fail_next(status, body="", headers={"Location": f"{evil.url}/chat.postMessage"})
        _execute(setup.w1, setup.ws, integrationAlias="slack")
    assert _leaked(evil) == []
