"""Webhook approvers (issue 17): the outbox of approval events, and its delivery, signed, retried and logged.

Outbox. :meth:`ApprovalWebhookService.enqueue` listens to the approval service: inside the transaction of each
transition (requested, approved, rejected, canceled, expired) it adds one ``approval_webhook_deliveries`` row per
webhook approver of the approval's policy, holding the payload to send. An event exists exactly when its transition
committed, and a process that stops before sending loses nothing. The payload's approval is the API's view of it,
the input only as its redacted preview, and never with a link to the hosted page (whose token is a credential).

Delivery. :meth:`ApprovalWebhookService.deliver_due` takes due rows one at a time under a lease: a conditional
UPDATE moves the row's ``next_attempt_at`` to the end of the lease, so of several processes (PostgreSQL, where the
select also skips rows locked by another) exactly one takes it, and a process that dies mid-attempt leaves a row
that is due again when its lease ends. The attempt (:mod:`weavz_flow.engine.webhook_send`) runs outside any
transaction; its result is written only while the lease is still this attempt's. A 2xx delivers; anything else is
tried again later (:mod:`weavz_flow.engine.gates.webhook_retry`) until the attempts run out (``failed``). Every
attempt is appended to the row's ``log``, which ``GET /api/v1/approvals/{id}`` shows as ``webhookDeliveries``.

``now`` (the store's time format) stands for the moment a round runs at: which rows are due, the log's times and
the next attempt's. The signature's timestamp is always the real clock's, which the receiver checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.gates.model import Policy
from weavz_flow.engine.gates.webhook_retry import RetrySchedule
from weavz_flow.engine.services.approval_policies import ApprovalPolicyService
from weavz_flow.engine.stamps import new_id, plus, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.webhook_send import DEFAULT_TIMEOUT_S, Attempt, post_signed
from weavz_flow.wire.approval_webhooks import ApprovalWebhookPayload, DeliveryStatus, WebhookDelivery
from weavz_flow.wire.approvals import Approval, DecisionReceipt
from weavz_flow.wire.vocabulary import ApprovalEvent, ApproverType

_w = t.approval_webhook_deliveries
_a = t.approvals

# What the payload never carries: addresses only a server answering a request knows, the hosted page's link (its
# token is a credential), and the deliveries themselves.
_NOT_SENT = {"approval_url", "hosted_approval_url", "webhook_deliveries"}
_CLAIM_TRIES = 5
_DECISION_FIELDS = ("status", "decided_at", "decided_via", "decision_reason", "decided_by_api_key_id")


@dataclass(frozen=True, slots=True)
class _Claim:
    row: dict[str, Any]
    lease: str  # the row's next_attempt_at while it is ours
    policy_id: str | None


class ApprovalWebhookService:
    def __init__(
        self, store: Store, policies: ApprovalPolicyService, http: httpx.Client, *,
        timeout_s: float = DEFAULT_TIMEOUT_S, retry: RetrySchedule | None = None,
    ) -> None:
        self._store = store
        self._policies = policies
        self._http = http
        self._timeout_s = timeout_s
        self._retry = retry or RetrySchedule()
        self._lease_s = max(60.0, timeout_s * 6)  # an attempt ends (times out) well within its lease

    # -- the outbox -------------------------------------------------------------------------------------------------

    def enqueue(self, conn: sa.Connection, approval: Approval, event: ApprovalEvent,
                receipt: DecisionReceipt | None) -> None:
        """The approval service's listener: one delivery per webhook approver, in the transition's transaction."""
        policy = self._policies.get_policy(conn, approval.policy_id) if approval.policy_id else None
        if policy is None:
            return
        now = utc_now()
        for index, url in _webhooks(policy):
            delivery_id = new_id()
            payload = _payload(delivery_id, event, now, approval, receipt)
            conn.execute(sa.insert(_w).values(
                id=delivery_id, approval_id=approval.id, event=str(event), approver_index=index, url=url,
                payload=payload, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, log=[],
                created_at=now))

    def deliveries(self, approval: Approval) -> list[WebhookDelivery] | None:
        """The approval's deliveries, oldest first; None when it has none and its policy no webhook approver."""
        with self._store.read() as conn:
            rows = conn.execute(sa.select(_w).where(_w.c.approval_id == approval.id)
                                .order_by(_w.c.created_at, _w.c.id)).all()
            if not rows:
                policy = self._policies.get_policy(conn, approval.policy_id) if approval.policy_id else None
                if policy is None or not _webhooks(policy):
                    return None
        return [_delivery(dict(r._mapping)) for r in rows]

    # -- delivery ---------------------------------------------------------------------------------------------------

    def deliver_due(self, now: str | None = None, limit: int = 100) -> int:
        """Attempt each due delivery once (at most ``limit``); how many attempts were made."""
        made = 0
        while made < limit:
            stamp = now or utc_now()
            claim = self._claim(stamp)
            if claim is None:
                break
            self._record(claim, self._attempt(claim), stamp)
            made += 1
        return made

    def _claim(self, now: str) -> _Claim | None:
        """The next due row, leased to this call; None when none is due."""
        lease = plus(now, self._lease_s)
        for _ in range(_CLAIM_TRIES):
            with self._store.write() as conn:
                # SKIP LOCKED: on PostgreSQL a row another sweeper is claiming is passed over, not waited for (SQLite
                # has no such clause: its write lock already makes claims take turns).
                found = conn.execute(
                    sa.select(_w, _a.c.policy_id).join(_a, _a.c.id == _w.c.approval_id)
                    .where(_w.c.status == DeliveryStatus.PENDING, _w.c.next_attempt_at <= now)
                    .order_by(_w.c.next_attempt_at, _w.c.id).limit(1)
                    .with_for_update(skip_locked=True, of=_w)).first()
                if found is None:
                    return None
                row = dict(found._mapping)
                taken = conn.execute(sa.update(_w).where(
                    _w.c.id == row["id"], _w.c.status == DeliveryStatus.PENDING,
                    _w.c.next_attempt_at == row["next_attempt_at"]).values(next_attempt_at=lease).returning(_w.c.id))
                if taken.first() is not None:
                    return _Claim(row=row, lease=lease, policy_id=row.pop("policy_id"))
            # another process took that row between our read and our update: look for the next one
        return None

    def _attempt(self, claim: _Claim) -> Attempt:
        row = claim.row
        secret = None
        if claim.policy_id is not None and self._still_addressed(claim.policy_id, row["approver_index"], row["url"]):
            secret = self._policies.webhook_secret(claim.policy_id, row["approver_index"])
        if secret is None:
            return Attempt(None, "the approver is no longer a webhook approver of the policy at this URL "
                           "(policy deleted or its approvers changed)", 0, final=True)
        return post_signed(self._http, row["url"], event=row["event"], delivery_id=row["id"],
                           body=body_of(row["payload"]), secret=secret, timeout_s=self._timeout_s)

    def _still_addressed(self, policy_id: str, index: int, url: str) -> bool:
        with self._store.read() as conn:
            policy = self._policies.get_policy(conn, policy_id)
        return policy is not None and (index, url) in _webhooks(policy)

    def _record(self, claim: _Claim, attempt: Attempt, now: str) -> None:
        row = claim.row
        attempts = row["attempts"] + 1
        entry: dict[str, Any] = {"at": now, "durationMs": attempt.duration_ms}
        if attempt.status_code is not None:
            entry["statusCode"] = attempt.status_code
        if attempt.error is not None:
            entry["error"] = attempt.error
        values: dict[str, Any] = {"attempts": attempts, "last_status_code": attempt.status_code,
                                  "last_error": attempt.error, "log": [*row["log"], entry], "next_attempt_at": None}
        if attempt.delivered:
            values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        else:
            delay = None if attempt.final else self._retry.delay_after(attempts)
            if delay is None:
                values["status"] = DeliveryStatus.FAILED
            else:
                values["next_attempt_at"] = plus(now, delay)
        with self._store.write() as conn:
            # Only while the lease is ours: past it, another process may have taken the row and will record its own.
            conn.execute(sa.update(_w).where(_w.c.id == row["id"], _w.c.status == DeliveryStatus.PENDING,
                                             _w.c.next_attempt_at == claim.lease).values(values))


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The bytes sent (and signed) for a stored payload: the same on every attempt."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _webhooks(policy: Policy) -> list[tuple[int, str]]:
    return [(i, a.webhook_url) for i, a in enumerate(policy.approvers)
            if a.type is ApproverType.WEBHOOK and a.webhook_url]


def _payload(delivery_id: str, event: ApprovalEvent, now: str, approval: Approval,
             receipt: DecisionReceipt | None) -> dict[str, Any]:
    decision = None
    if event is not ApprovalEvent.REQUESTED:
        decision = approval.model_dump(mode="json", include=set(_DECISION_FIELDS), exclude_none=True)
    payload = ApprovalWebhookPayload(
        id=delivery_id, type=str(event), event=str(event), created_at=now,
        approval=approval.model_dump(mode="json", exclude=_NOT_SENT, exclude_none=True),
        receipt=receipt.model_dump(mode="json") if receipt is not None else None, decision=decision)
    return payload.model_dump(mode="json", exclude_none=True)


def _delivery(row: Mapping[str, Any]) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"], event=row["event"], url=row["url"], status=DeliveryStatus(row["status"]),
        attempts=row["attempts"], last_status_code=row["last_status_code"], last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"], delivered_at=row["delivered_at"], created_at=row["created_at"],
        log=row["log"] or [])
