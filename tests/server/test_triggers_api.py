"""The triggers API through ``serve`` under uvicorn (SQLite and PostgreSQL), with the official Python SDK, the items
stub as the provider and a real receiver on 127.0.0.1 (issue 18, "The API" acceptance line).

Enable baselines (existing items are never delivered); each new item is delivered once, signed, with the callback
headers and metadata; a receiver down for three deliveries gets everything afterwards, in order of occurrence, none
twice; disable stops deliveries; ``test`` answers the sample; inbound webhooks need no API key and a bad secret
stores nothing. Time is driven by passing ``now`` to ``poll_due`` / ``deliver_due``, except in the test of serve's
own sweep, which waits for the receiver.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from weavz_sdk import WeavzClient
from weavz_sdk.errors import WeavzError

from tests.engine.trigger_integration import ITEMS, ITEMS_INTEGRATION
from tests.server.accounts import SERVICE_KEY, LiveServer, bootstrap_account, connection_at, unique
from tests.server.approval_receiver import ApprovalReceiver
from tests.server.live_server import serve_in_thread
from tests.stubs.base import running
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.items import ITEMS_TOKEN, ItemsStub
from weavz_flow.engine import tables as t
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.integrations.webhook_auth import hmac_sha256_signature
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import ServerSettings
from weavz_flow.wire.approval_webhooks import verify

RECEIVER_HEADER = "X-Receiver-Token"
# Small waits between attempts, and a minimum polling interval of two minutes (so one minute is refused with 403).
SETTINGS = TriggerSettings(backoff_s=(0.01,), delivery_timeout_s=5.0, min_polling_interval_s=120.0)


@pytest.fixture(scope="module")
def trigger_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engine = _engine(database_url, tmp_path_factory.mktemp("triggers-key") / "secret.key")
    try:
        with serve_in_thread(create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))) as url:
            yield LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
    finally:
        engine.close()


def _engine(database_url: str, key_file: Path) -> Engine:
    return Engine.open(database_url, key_file=key_file, natives={**NATIVE_INTEGRATIONS, ITEMS: ITEMS_INTEGRATION},
                       trigger_settings=SETTINGS)


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[ApprovalReceiver]:
    with running(ApprovalReceiver()) as served:
        yield served  # type: ignore[misc]


class Scene:
    """An organization on the trigger server with a workspace whose ``items-test`` alias is connected to the stub."""

    def __init__(self, server: LiveServer, items: ItemsStub, receiver: ApprovalReceiver) -> None:
        self.server = server
        self.items = items
        self.receiver = receiver
        self.account = bootstrap_account(server, unique("triggers"))
        self.sdk = WeavzClient(self.account.api_key, base_url=self.account.url, max_retries=0)
        self.api = self.account.client()
        self.workspace_id = self.sdk.workspaces.create(name="Triggers", slug=unique("trg"))["workspace"]["id"]
        connection = connection_at(self.account, items.url, externalId=unique("items"), displayName="Items",
                                   integrationName=ITEMS, secretText=ITEMS_TOKEN)
        alias = self.api.post(f"/api/v1/workspaces/{self.workspace_id}/integrations", json={
            "integrationName": ITEMS, "connectionStrategy": "fixed", "connectionId": connection["id"]})
        assert alias.status_code == 201, alias.text

    def enable(self, **kw: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"integration_name": ITEMS, "trigger_name": "new_item",
                                  "callback_url": self.receiver.hook_url, "workspace_id": self.workspace_id,
                                  "input": {"label": "L"}}
        values.update(kw)
        return dict(self.sdk.triggers.enable(**values)["triggerSource"])

    def poll(self, hours: float = 1) -> int:
        return self.server.engine.triggers.poll_due(datetime.now(UTC) + timedelta(hours=hours))

    def deliver_all(self, rounds: int = 20) -> None:
        moment = datetime.now(UTC)
        for _ in range(rounds):
            moment += timedelta(seconds=1)  # past any backoff of SETTINGS
            if self.server.engine.triggers.deliver_due(moment) == 0:
                return

    def bodies(self, source_id: str) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.receiver.requests
                if json.loads(r.body).get("triggerSourceId") == source_id]

    def close(self) -> None:
        # Sources of this test must not be polled by the next one (the server and its database are the module's).
        with self.server.engine.store.write() as conn:
            conn.execute(sa.update(t.trigger_sources).values(enabled=False))
        self.sdk.close()
        self.api.close()


@pytest.fixture
def scene(trigger_server: LiveServer, items_stub: ItemsStub, receiver_server: ApprovalReceiver) -> Iterator[Scene]:
    receiver_server.reset()
    made = Scene(trigger_server, items_stub, receiver_server)
    try:
        yield made
    finally:
        made.close()


def test_each_new_item_is_delivered_once_signed_and_disable_stops_deliveries(scene: Scene) -> None:
    source = scene.enable(callback_headers={RECEIVER_HEADER: "rcv-secret-9f2"}, callback_metadata={"team": "a"})
    secret = source["signingSecret"]
    assert source["triggerType"] == "POLLING" and source["integrationName"] == ITEMS
    assert source["webhookUrl"] is None and source["pollingIntervalMinutes"] == 5
    assert scene.poll() == 0  # the baseline: existing items are never delivered
    scene.items.add("first")
    scene.items.add("second")
    assert scene.poll(2) == 2
    scene.deliver_all()
    bodies = scene.bodies(source["id"])
    assert [(b["data"]["title"], b["integrationName"], b["triggerName"], b["metadata"]) for b in bodies] == [
        ("first", ITEMS, "new_item", {"team": "a"}), ("second", ITEMS, "new_item", {"team": "a"})]
    for request, body in zip(scene.receiver.requests, bodies, strict=True):
        assert verify(secret, request.headers, request.body)
        assert request.headers["x-weavz-event-id"] == body["eventId"] and body["eventId"].startswith("evt_")
        assert request.headers[RECEIVER_HEADER.lower()] == "rcv-secret-9f2"
        assert body["timestamp"] and set(body) == {"triggerSourceId", "integrationName", "triggerName", "data",
                                                   "metadata", "timestamp", "eventId"}
    assert not verify("whsec_not-the-secret", scene.receiver.requests[0].headers, scene.receiver.requests[0].body)

    listed = scene.sdk.triggers.list(workspace_id=scene.workspace_id)
    assert listed["total"] == 1 and [s["id"] for s in listed["triggers"]] == [source["id"]]
    shown = json.dumps(listed)
    assert secret not in shown and "rcv-secret-9f2" not in shown and ITEMS_TOKEN not in shown

    assert scene.sdk.triggers.disable(source["id"]) == {"disabled": True, "triggerSourceId": source["id"]}
    scene.items.add("after disable")
    assert scene.poll(3) == 0
    scene.deliver_all()
    assert len(scene.bodies(source["id"])) == 2
    assert scene.sdk.triggers.list(workspace_id=scene.workspace_id)["total"] == 0
    with pytest.raises(WeavzError) as gone:
        scene.sdk.triggers.disable(source["id"])
    assert gone.value.status == 404


def test_github_new_issue_each_issue_once_in_order_through_an_outage(scene: Scene, github_stub: GitHubStub) -> None:
    """The issue's acceptance line: github.new_issue on a local receiver."""
    connection = connection_at(scene.account, github_stub.url, externalId=unique("gh"), displayName="GitHub",
                               integrationName="github", secretText=GITHUB_TOKEN)
    alias = scene.api.post(f"/api/v1/workspaces/{scene.workspace_id}/integrations", json={
        "integrationName": "github", "connectionStrategy": "fixed", "connectionId": connection["id"]})
    assert alias.status_code == 201, alias.text
    github_stub.open_issue("there before")
    source = scene.enable(integration_name="github", trigger_name="new_issue", input={"repository": "acme/api"})
    assert scene.poll() == 0  # baseline: no delivery for the existing issues
    scene.deliver_all()
    assert scene.bodies(source["id"]) == []
    scene.receiver.fail_next(500, n=3)
    titles = ["first issue", "second issue", "third issue"]
    for title in titles:
        github_stub.open_issue(title)
    assert scene.poll(2) == 3
    scene.deliver_all()
    received = scene.bodies(source["id"])
    assert [b["data"]["title"] for b in received] == ["first issue"] * 4 + titles[1:]
    delivered = received[3:]
    assert [b["data"]["title"] for b in delivered] == titles and len({b["eventId"] for b in delivered}) == 3
    assert all(verify(source["signingSecret"], r.headers, r.body) for r in scene.receiver.requests)
    assert GITHUB_TOKEN not in json.dumps(received)
    scene.sdk.triggers.disable(source["id"])
    github_stub.open_issue("after disable")
    assert scene.poll(3) == 0
    scene.deliver_all()
    assert len(scene.bodies(source["id"])) == len(received)


def test_a_receiver_down_for_three_deliveries_gets_everything_in_order_none_twice(scene: Scene) -> None:
    source = scene.enable()
    scene.receiver.fail_next(503, n=3)
    for title in ("one", "two", "three"):
        scene.items.add(title)
    assert scene.poll() == 3
    scene.deliver_all()
    statuses = [json.loads(r.body)["data"]["title"] for r in scene.receiver.requests]
    assert statuses == ["one", "one", "one", "one", "two", "three"]  # the head blocks the later events
    delivered = scene.bodies(source["id"])[3:]
    assert [b["data"]["title"] for b in delivered] == ["one", "two", "three"]
    assert len({b["eventId"] for b in delivered}) == 3
    shown = scene.api.get(f"/api/v1/triggers/{source['id']}/events")  # the delivery log, newest event first
    assert shown.status_code == 200, shown.text
    events = shown.json()["events"]
    assert shown.json()["total"] == 3 and [e["data"]["title"] for e in events] == ["three", "two", "one"]
    assert [(e["delivery"]["status"], e["delivery"]["attempts"]) for e in events] == [
        ("delivered", 1), ("delivered", 1), ("delivered", 4)]
    assert [a.get("statusCode") for a in events[2]["delivery"]["log"]] == [503, 503, 503, 200]
    assert [e["id"] for e in events] == [b["eventId"] for b in reversed(delivered)]

    replayed = scene.api.post(f"/api/v1/triggers/events/{delivered[1]['eventId']}/replay")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json() == {"replayed": True, "eventId": delivered[1]["eventId"]}
    scene.deliver_all()
    assert scene.bodies(source["id"])[-1]["eventId"] == delivered[1]["eventId"]


def test_test_answers_the_sample_and_bad_requests_are_weavz_errors(scene: Scene) -> None:
    assert scene.sdk.triggers.test(ITEMS, "new_item") == {"sampleData": ITEMS_INTEGRATION.triggers["new_item"]
                                                         .info.sample_data}
    for integration, trigger, code in ((ITEMS, "nope", "TRIGGER_NOT_FOUND"),
                                       ("no-such-integration", "x", "INTEGRATION_NOT_FOUND")):
        answer = scene.api.post("/api/v1/triggers/test", json={"integrationName": integration, "triggerName": trigger})
        assert (answer.status_code, answer.json()["code"]) == (404, code)
        assert set(answer.json()) >= {"error", "code"}
    base = {"integrationName": ITEMS, "triggerName": "new_item", "callbackUrl": scene.receiver.hook_url,
            "workspaceId": scene.workspace_id, "input": {"label": "L"}}
    for change, status, code in (({"pollingIntervalMinutes": 0}, 400, "VALIDATION_ERROR"),
                                 ({"pollingIntervalMinutes": 1441}, 400, "VALIDATION_ERROR"),
                                 ({"pollingIntervalMinutes": 1}, 403, "POLLING_INTERVAL_TOO_SHORT"),
                                 ({"input": {}}, 400, "VALIDATION_ERROR"),
                                 ({"callbackUrl": "not a url"}, 400, "VALIDATION_ERROR"),
                                 ({"callbackHeaders": {"X-Key": "hdr-9a\r\nX-Injected: 1"}}, 400, "VALIDATION_ERROR"),
                                 ({"callbackHeaders": {"Bad Name": "hdr-9a"}}, 400, "VALIDATION_ERROR")):
        answer = scene.api.post("/api/v1/triggers/enable", json={**base, **change})
        assert (answer.status_code, answer.json()["code"]) == (status, code), (change, answer.text)
        assert "hdr-9a" not in answer.text  # a refused header's value is never quoted back
    assert scene.sdk.triggers.list(workspace_id=scene.workspace_id)["total"] == 0  # nothing was stored


def test_a_scoped_key_sees_and_disables_only_its_workspaces(scene: Scene) -> None:
    source = scene.enable()
    other = scene.sdk.workspaces.create(name="Other", slug=unique("other"))["workspace"]["id"]
    key = scene.api.post("/api/v1/api-keys", json={
        "name": "other only", "permissions": {"scope": "workspace", "workspaceIds": [other]}}).json()["plainKey"]
    with scene.account.client(key) as scoped:
        assert scoped.get("/api/v1/triggers").json() == {"triggers": [], "total": 0}
        denied = scoped.get("/api/v1/triggers", params={"workspaceId": scene.workspace_id})
        assert (denied.status_code, denied.json()["code"]) == (403, "SCOPE_DENIED")
        refused = scoped.post("/api/v1/triggers/disable", json={"triggerSourceId": source["id"]})
        assert (refused.status_code, refused.json()["code"]) == (404, "TRIGGER_SOURCE_NOT_FOUND")
        hidden = scoped.get(f"/api/v1/triggers/{source['id']}/events")
        assert (hidden.status_code, hidden.json()["code"]) == (404, "TRIGGER_SOURCE_NOT_FOUND")
    assert scene.sdk.triggers.list()["total"] == 1


def test_an_inbound_webhook_needs_no_key_and_a_bad_secret_stores_nothing(scene: Scene) -> None:
    source = scene.enable(trigger_name="caught", input={"secret": "hook-secret-1"})
    url = source["webhookUrl"]
    assert url and "/api/v1/webhooks/" in url and "hook-secret-1" not in url
    hook = f"{scene.account.url}/api/v1/webhooks/{url.split('/api/v1/webhooks/', 1)[1]}"  # this server's address
    with httpx.Client(timeout=30) as anonymous:
        bad = anonymous.post(hook, json={"id": 1}, headers={"X-Test-Secret": "wrong", "X-Event-Id": "e-1"})
        assert (bad.status_code, bad.json()["code"]) == (401, "WEBHOOK_SIGNATURE_INVALID")
        forged = anonymous.post(f"{scene.account.url}/api/v1/webhooks/{source['id']}.forged", json={"id": 1},
                                headers={"X-Test-Secret": "hook-secret-1"})
        assert (forged.status_code, forged.json()["code"]) == (404, "TRIGGER_SOURCE_NOT_FOUND")
        good = [anonymous.post(hook, json={"id": 1}, headers={"X-Test-Secret": "hook-secret-1", "X-Event-Id": "e-1"})
                for _ in range(2)]
    assert [(g.status_code, g.json()) for g in good] == [(202, {"received": 1}), (202, {"received": 0})]
    scene.deliver_all()
    assert [b["data"] for b in scene.bodies(source["id"])] == [{"body": {"id": 1}}]


def test_http_catch_webhook_checks_the_signature_and_keeps_its_secret_encrypted(scene: Scene) -> None:
    secret = "catch-secret-4d1"
    source = scene.enable(integration_name="http", trigger_name="catch_webhook",
                          input={"authType": "hmac_sha256", "secret": secret})
    hook = f"{scene.account.url}/api/v1/webhooks/{source['webhookUrl'].split('/api/v1/webhooks/', 1)[1]}"
    body = b'{"order": 42}'
    with httpx.Client(timeout=30) as anonymous:
        bad = anonymous.post(hook, content=body, headers={"Content-Type": "application/json",
                                                          "X-Signature-256": hmac_sha256_signature("nope", body)})
        assert (bad.status_code, bad.json()["code"]) == (401, "WEBHOOK_SIGNATURE_INVALID")
        good = anonymous.post(hook, content=body, headers={"Content-Type": "application/json", "X-Event-Id": "o-42",
                                                           "X-Signature-256": hmac_sha256_signature(secret, body)})
        assert (good.status_code, good.json()) == (202, {"received": 1})
    scene.deliver_all()
    [delivered] = scene.bodies(source["id"])
    assert delivered["data"]["body"] == {"order": 42} and delivered["data"]["method"] == "POST"
    with scene.server.engine.store.read() as conn:
        stored = conn.execute(sa.select(t.trigger_sources).where(t.trigger_sources.c.id == source["id"])).one()
    assert "secret" not in stored.input and secret.encode() not in bytes(stored.webhook_secret)
    assert secret not in json.dumps(scene.sdk.triggers.list())


def test_serves_sweep_delivers_on_its_own(database_url: str, tmp_path: Path, items_stub_server: ItemsStub,
                                          receiver_server: ApprovalReceiver) -> None:
    receiver_server.reset()
    engine = _engine(database_url, tmp_path / "secret.key")
    settings = ServerSettings(service_key=Sensitive(SERVICE_KEY), trigger_sweep_s=0.05)
    try:
        with serve_in_thread(create_app(engine, settings)) as url:
            server = LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
            scene = Scene(server, items_stub_server, receiver_server)
            try:
                source = scene.enable(simulate=True)
                deadline = time.monotonic() + 30
                while not scene.bodies(source["id"]) and time.monotonic() < deadline:
                    time.sleep(0.05)
                [body] = scene.bodies(source["id"])
                assert body["data"] == dict(ITEMS_INTEGRATION.triggers["new_item"].info.sample_data)
            finally:
                scene.close()
    finally:
        engine.close()


