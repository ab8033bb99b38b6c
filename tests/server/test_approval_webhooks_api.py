"""Webhook approvers through ``serve`` under uvicorn (SQLite and PostgreSQL), with a real receiver on 127.0.0.1: the
receiver gets a signed ``approval.requested`` that verifies and approves through the API, ``approval.approved``
follows; failed deliveries are retried with backoff and logged on the approval; two sweepers deliver each event
once; timeouts send ``approval.expired`` / ``approval.rejected``; and ``serve``'s background sweep delivers on its
own. Time is driven by passing ``now`` to ``deliver_due`` / ``expire_due``: nothing here waits for a backoff."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.server.accounts import Account, LiveServer
from tests.server.approval_receiver import ApprovalReceiver, payload
from tests.server.live_server import serve_in_thread
from tests.server.test_approvals_api import Gated
from tests.stubs.base import RecordedRequest, running
from tests.stubs.slack import SlackStub
from weavz_flow.engine.services.approval_webhooks import body_of
from weavz_flow.engine.stamps import format_time, parse_time, utc_now
from weavz_flow.redact import REDACTED
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import DEFAULT_APPROVAL_SWEEP_S, ServerSettings
from weavz_flow.wire.approval_webhooks import verify

REQUESTED, APPROVED = "approval.requested", "approval.approved"


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[ApprovalReceiver]:
    with running(ApprovalReceiver()) as served:
        yield served  # type: ignore[misc]


@pytest.fixture
def receiver(receiver_server: ApprovalReceiver) -> ApprovalReceiver:
    receiver_server.reset()
    return receiver_server


class Hooked(Gated):
    """:class:`Gated` whose policy's one approver is a webhook to ``receiver``."""

    def __init__(self, account: Account, api: httpx.Client, slack: SlackStub, receiver: ApprovalReceiver,
                 url: str | None = None, **policy: Any) -> None:
        super().__init__(account, api, slack, approvers=[{"type": "webhook", "webhookUrl": url or receiver.hook_url}],
                         **policy)
        self.secret = str(self.policy["approvers"][0]["webhookSecret"])  # shown once, by the create

    def pending(self, text: str, key: str) -> str:
        answer = self.execute(text, key=key)
        assert answer.status_code == 202, answer.text
        return str(answer.json()["approval"]["id"])

    def deliveries(self, approval_id: str) -> list[dict[str, Any]]:
        shown = self.api.get(f"/api/v1/approvals/{approval_id}")
        assert shown.status_code == 200, shown.text
        return list(shown.json()["approval"]["webhookDeliveries"])


@pytest.fixture
def hooked(account: Account, api: httpx.Client, any_token_slack: SlackStub, receiver: ApprovalReceiver) -> Any:
    made = Hooked(account, api, any_token_slack, receiver)
    yield made
    made.decider.close()


def _deliver_until(live_server: LiveServer, done: Any, rounds: int = 5) -> None:
    for _ in range(rounds):
        if done():
            return
        live_server.engine.approval_webhooks.deliver_due()
    assert done()


def test_a_webhook_approver_gets_a_signed_request_and_approves_through_the_api(
    hooked: Hooked, receiver: ApprovalReceiver, live_server: LiveServer,
) -> None:
    decisions: list[int] = []

    def approve_when_asked(request: RecordedRequest) -> None:  # what the approver's service does
        body = payload(request)
        if request.headers["x-weavz-event"] == REQUESTED and verify(hooked.secret, request.headers, request.body):
            decisions.append(hooked.decide(body["approval"]["id"], "approve", reason="hook says yes").status_code)

    receiver.on_event = approve_when_asked
    approval_id = hooked.pending("deploy now", key="hook-1")
    waiting = hooked.deliveries(approval_id)
    assert [(d["event"], d["status"], d["attempts"], d["url"]) for d in waiting] == \
        [(REQUESTED, "pending", 0, receiver.hook_url)]
    assert hooked.posts() == []

    _deliver_until(live_server, lambda: len(receiver.requests) >= 2)
    assert decisions == [200]
    assert receiver.events() == [REQUESTED, APPROVED]
    assert receiver.verified(hooked.secret)
    assert not any(verify("whsec_not-the-secret", r.headers, r.body) for r in receiver.requests)
    requested, approved = (payload(r) for r in receiver.requests)
    for request, body in zip(receiver.requests, (requested, approved), strict=True):
        assert request.method == "POST" and request.headers["content-type"] == "application/json"
        assert request.headers["x-weavz-delivery"] == body["id"]
        assert request.headers["x-weavz-event"] == body["type"] == body["event"]
        assert b"apl_" not in request.body and hooked.secret.encode() not in request.body
    assert requested["approval"]["id"] == approval_id and requested["approval"]["status"] == "pending"
    assert requested["approval"]["inputPreview"] == {"channel": REDACTED, "text": "deploy now"}  # the preview only
    assert "receipt" not in requested and "decision" not in requested
    assert approved["approval"]["status"] == "approved" and approved["receipt"]["id"].startswith("rcpt_")
    assert approved["decision"]["decidedVia"] == "api" and approved["decision"]["decisionReason"] == "hook says yes"

    ran = hooked.execute("deploy now", key="hook-1")  # the caller's retry runs the approved call once
    assert ran.status_code == 200 and ran.json()["success"] is True, ran.text
    assert [p["text"] for p in hooked.posts()] == ["deploy now"]
    shown = hooked.deliveries(approval_id)
    assert [(d["event"], d["status"], d["attempts"], d["lastStatusCode"]) for d in shown] == \
        [(REQUESTED, "delivered", 1, 200), (APPROVED, "delivered", 1, 200)]
    for delivery in shown:
        assert delivery["deliveredAt"] and delivery["nextAttemptAt"] is None and delivery["lastError"] is None
        [entry] = delivery["log"]
        assert entry["statusCode"] == 200 and isinstance(entry["durationMs"], int) and entry["error"] is None


def test_failed_deliveries_are_retried_with_backoff_and_logged(
    hooked: Hooked, receiver: ApprovalReceiver, live_server: LiveServer,
) -> None:
    receiver.fail_next(500, n=2, body={"message": f"receiver down, secret {hooked.secret}"})
    approval_id = hooked.pending("retry me", key="hook-retry")
    webhooks = live_server.engine.approval_webhooks
    start = utc_now()

    webhooks.deliver_due(now=start)
    [first] = hooked.deliveries(approval_id)
    assert (first["status"], first["attempts"], first["lastStatusCode"]) == ("pending", 1, 500)
    assert first["lastError"].startswith("HTTP 500") and REDACTED in first["lastError"]
    assert hooked.secret not in first["lastError"]
    wait = _seconds(start, first["nextAttemptAt"])
    assert 10 <= wait <= 12.5

    webhooks.deliver_due(now=_plus(first["nextAttemptAt"], -0.001))  # not due yet
    assert len(receiver.requests) == 1
    webhooks.deliver_due(now=first["nextAttemptAt"])
    [second] = hooked.deliveries(approval_id)
    assert (second["status"], second["attempts"], second["lastStatusCode"]) == ("pending", 2, 500)
    assert 30 <= _seconds(first["nextAttemptAt"], second["nextAttemptAt"]) <= 37.5

    webhooks.deliver_due(now=second["nextAttemptAt"])
    [third] = hooked.deliveries(approval_id)
    assert (third["status"], third["attempts"], third["lastStatusCode"], third["lastError"]) == \
        ("delivered", 3, 200, None)
    log = third["log"]
    assert [e.get("statusCode") for e in log] == [500, 500, 200]
    assert [e["at"] for e in log] == [start, first["nextAttemptAt"], second["nextAttemptAt"]]
    assert all(REDACTED in e["error"] for e in log[:2]) and log[2]["error"] is None
    assert third["deliveredAt"] == second["nextAttemptAt"]
    # Three attempts of one delivery: the same id and body each time, each signed afresh.
    assert len({r.headers["x-weavz-delivery"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1 and len(receiver.requests) == 3
    assert receiver.verified(hooked.secret)


def test_a_delivery_is_given_up_after_its_last_attempt(
    hooked: Hooked, receiver: ApprovalReceiver, live_server: LiveServer,
) -> None:
    receiver.fail_next(503, n=100)
    approval_id = hooked.pending("never delivered", key="hook-give-up")
    moment = utc_now()
    for _ in range(20):
        live_server.engine.approval_webhooks.deliver_due(now=moment)
        [delivery] = hooked.deliveries(approval_id)
        if delivery["status"] != "pending":
            break
        moment = delivery["nextAttemptAt"]
    assert (delivery["status"], delivery["attempts"], delivery["nextAttemptAt"]) == ("failed", 8, None)
    assert [e["statusCode"] for e in delivery["log"]] == [503] * 8 and len(receiver.requests) == 8


def test_urls_and_approvers_that_may_not_be_sent_to_fail_without_a_request(
    account: Account, api: httpx.Client, any_token_slack: SlackStub, receiver: ApprovalReceiver,
    live_server: LiveServer,
) -> None:
    # User info in the authority: not a plain host (the rule of provider base URLs), never requested.
    with_user = receiver.url.replace("http://", "http://user:pass@") + "/hooks/approvals"
    odd = Hooked(account, api, any_token_slack, receiver, url=with_user)
    deleted = Hooked(account, api, any_token_slack, receiver)
    try:
        odd_id = odd.pending("to a userinfo url", key="hook-odd")
        gone_id = deleted.pending("policy deleted", key="hook-gone")
        assert api.delete(f"/api/v1/approval-policies/{deleted.policy['id']}").status_code == 200
        live_server.engine.approval_webhooks.deliver_due()
        [refused] = odd.deliveries(odd_id)
        assert (refused["status"], refused["attempts"], refused["lastStatusCode"]) == ("failed", 1, None)
        assert "plain host" in refused["lastError"] and "pass" not in refused["lastError"]
        [orphan] = deleted.deliveries(gone_id)
        assert orphan["status"] == "failed" and "no longer a webhook approver" in orphan["lastError"]
        assert receiver.requests == []
    finally:
        odd.decider.close()
        deleted.decider.close()


def test_two_sweepers_deliver_each_event_once(
    hooked: Hooked, receiver: ApprovalReceiver, live_server: LiveServer,
) -> None:
    ids = [hooked.pending(f"race {i}", key=f"hook-race-{i}") for i in range(6)]
    start = threading.Barrier(2)
    made: list[int] = []

    def sweep() -> None:
        start.wait()
        made.append(live_server.engine.approval_webhooks.deliver_due())

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweepers:
        thread.start()
    for thread in sweepers:
        thread.join()
    assert sum(made) >= len(ids)
    delivered = [r.headers["x-weavz-delivery"] for r in receiver.requests]
    assert len(delivered) == len(ids) == len(set(delivered))
    assert sorted(payload(r)["approval"]["id"] for r in receiver.requests) == sorted(ids)
    for approval_id in ids:
        [delivery] = hooked.deliveries(approval_id)
        assert (delivery["status"], delivery["attempts"], len(delivery["log"])) == ("delivered", 1, 1)


def test_the_expiry_sweep_sends_expired_and_rejected(
    account: Account, api: httpx.Client, any_token_slack: SlackStub, receiver: ApprovalReceiver,
    live_server: LiveServer,
) -> None:
    expiring = Hooked(account, api, any_token_slack, receiver, defaultOnTimeout="expire", timeoutSeconds=60)
    rejecting = Hooked(account, api, any_token_slack, receiver, defaultOnTimeout="reject", timeoutSeconds=60)
    try:
        expired_id = expiring.pending("late", key="hook-late")
        rejected_id = rejecting.pending("too late", key="hook-too-late")
        later = format_time(parse_time(utc_now()) + timedelta(seconds=61))
        assert live_server.engine.approvals.expire_due(now=later) >= 2
        live_server.engine.approval_webhooks.deliver_due(now=later)
        assert receiver.events(expired_id) == [REQUESTED, "approval.expired"]
        assert receiver.events(rejected_id) == [REQUESTED, "approval.rejected"]
        last = {payload(r)["approval"]["id"]: payload(r) for r in receiver.requests}
        assert last[expired_id]["decision"] == {"status": "expired", "decidedVia": "timeout"}
        assert last[rejected_id]["decision"]["status"] == "rejected"
        assert last[rejected_id]["decision"]["decidedVia"] == "timeout"
        assert all(verify(expiring.secret if payload(r)["approval"]["id"] == expired_id else rejecting.secret,
                          r.headers, r.body) for r in receiver.requests)
    finally:
        expiring.decider.close()
        rejecting.decider.close()


def test_serve_sweeps_in_the_background(
    hooked: Hooked, receiver: ApprovalReceiver, live_server: LiveServer,
) -> None:
    assert ServerSettings.from_env({}).approval_sweep_s == DEFAULT_APPROVAL_SWEEP_S  # serve's settings turn it on
    app = create_app(live_server.engine, ServerSettings(service_key=Sensitive("svc-background-sweep-key-000000"),
                                                        approval_sweep_s=0.05))
    with serve_in_thread(app):
        approval_id = hooked.pending("delivered by serve", key="hook-serve")
        deadline = time.monotonic() + 60  # a generous bound on waiting, not a timing being tested
        while hooked.deliveries(approval_id)[0]["status"] != "delivered" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert receiver.events(approval_id) == [REQUESTED] and receiver.verified(hooked.secret)
    assert hooked.deliveries(approval_id)[0]["attempts"] == 1


def test_an_approval_without_webhook_approvers_shows_no_deliveries(
    account: Account, api: httpx.Client, any_token_slack: SlackStub,
) -> None:
    plain = Gated(account, api, any_token_slack)
    try:
        answer = plain.execute("no hooks", key="no-hooks")
        shown = api.get(f"/api/v1/approvals/{answer.json()['approval']['id']}").json()["approval"]
        assert shown["webhookDeliveries"] is None
    finally:
        plain.decider.close()


def test_the_stored_body_is_what_is_signed(hooked: Hooked, receiver: ApprovalReceiver,
                                           live_server: LiveServer) -> None:
    approval_id = hooked.pending("exact bytes", key="hook-bytes")
    live_server.engine.approval_webhooks.deliver_due()
    [request] = receiver.requests
    assert body_of(payload(request)) == request.body  # compact JSON, UTF-8: a receiver may re-serialize to check
    assert payload(request)["approval"]["id"] == approval_id


def _seconds(earlier: str, later: str) -> float:
    return (parse_time(later) - parse_time(earlier)).total_seconds()


def _plus(moment: str, seconds: float) -> str:
    return format_time(parse_time(moment) + timedelta(seconds=seconds))
