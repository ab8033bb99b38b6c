"""Delivering a callback source's events: signed POSTs, strictly in order per source, retried with backoff.

Order. Of each source only the oldest ``pending`` delivery (lowest ``seq``) may be attempted: it blocks the later
ones until it is delivered or given up. A receiver that is down for a while therefore gets every event, in order,
once it is back, and never a later one before an earlier one. (As Weavz says, a receiver may still see an event twice:
when its 2xx is lost, the attempt counts as failed and is made again.)

Leases. A round claims the head delivery of each source that is due (``next_attempt_at`` passed, no live lease) in a
short transaction (``SKIP LOCKED`` on PostgreSQL), writing ``lease_until``; the POST runs outside any transaction
(:func:`weavz_flow.engine.webhook_send.post_signed`); its result is written only while the lease is still this
round's. A process that dies mid-attempt leaves a delivery that is due again once its lease ends.

Retries. A non-2xx answer, a timeout or a refused connection waits ``TriggerSettings.backoff_s`` (the last wait
repeats) and is tried again, until the delivery has been failing for ``give_up_after_s`` (at least 24 hours): then it
is ``failed`` and the next one goes. A replay makes any delivery ``pending`` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.services.approval_webhooks import body_of
from weavz_flow.engine.stamps import format_time, parse_time
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.engine.webhook_send import Attempt, post_signed
from weavz_flow.wire.triggers import EVENT_ID_HEADER, TRIGGER_EVENT, TriggerDelivery

_s = t.trigger_sources
_e = t.trigger_events
_d = t.trigger_deliveries

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
LOG_KEPT = 20  # attempts kept in a delivery's log (the latest ones)


@dataclass(frozen=True, slots=True)
class _Claim:
    delivery: AnyRow
    lease: str


class TriggerDeliverer:
    def __init__(self, store: Store, cipher: CredentialCipher, http: httpx.Client, settings: TriggerSettings) -> None:
        self._store = store
        self._cipher = cipher
        self._http = http
        self._settings = settings
        self._lease_s = max(60.0, settings.delivery_timeout_s * 6)  # an attempt ends well within its lease

    def deliver_due(self, now: datetime, *, limit: int) -> int:
        """Attempt due deliveries (at most ``limit`` attempts); how many were made. A source's next event goes in the
        same round as soon as the one before it is delivered."""
        made = 0
        while made < limit:
            claims = self._claim(now, limit - made)
            if not claims:
                break
            for claim in claims:
                self._record(claim, self._attempt(claim), now)
            made += len(claims)
        return made

    def _claim(self, now: datetime, limit: int) -> list[_Claim]:
        stamp = format_time(now)
        lease = format_time(now + timedelta(seconds=self._lease_s))
        earlier = _d.alias("earlier")
        head = ~sa.exists().where(earlier.c.source_id == _d.c.source_id, earlier.c.status == PENDING,
                                  earlier.c.seq < _d.c.seq)
        free = sa.or_(_d.c.lease_until.is_(None), _d.c.lease_until < stamp)
        with self._store.write() as conn:
            rows = conn.execute(
                sa.select(_d).join(_s, _s.c.id == _d.c.source_id)
                .where(_d.c.status == PENDING, _s.c.enabled.is_(True), head, _d.c.next_attempt_at <= stamp, free)
                .order_by(_d.c.next_attempt_at, _d.c.source_id, _d.c.seq).limit(limit)
                .with_for_update(skip_locked=True, of=_d)).all()
            claims = []
            for row in rows:
                taken = conn.execute(sa.update(_d).where(_d.c.id == row.id, _d.c.status == PENDING, free)
                                     .values(lease_until=lease).returning(_d.c.id)).first()
                if taken is not None:
                    claims.append(_Claim(row, lease))
            return claims

    def _attempt(self, claim: _Claim) -> Attempt:
        with self._store.read() as conn:
            source = conn.execute(sa.select(_s).where(_s.c.id == claim.delivery.source_id)).first()
            event = conn.execute(sa.select(_e).where(_e.c.id == claim.delivery.event_id)).first()
        if source is None or event is None or source.callback_url is None or source.signing_secret is None:
            return Attempt(None, "the trigger source or its event no longer exists", 0, final=True)
        secret = self._cipher.decrypt(source.signing_secret)["secret"]
        headers = self._cipher.decrypt(source.callback_headers)["headers"] if source.callback_headers else {}
        extra = {k: v for k, v in headers.items() if k.lower() != EVENT_ID_HEADER.lower()}
        extra[EVENT_ID_HEADER] = event.id
        return post_signed(self._http, source.callback_url, event=TRIGGER_EVENT, delivery_id=claim.delivery.id,
                           body=delivery_body(source, event), secret=secret,
                           timeout_s=self._settings.delivery_timeout_s, extra_headers=extra)

    def _record(self, claim: _Claim, attempt: Attempt, now: datetime) -> None:
        row = claim.delivery
        stamp = format_time(now)
        entry: dict[str, Any] = {"at": stamp, "durationMs": attempt.duration_ms}
        if attempt.status_code is not None:
            entry["statusCode"] = attempt.status_code
        if attempt.error is not None:
            entry["error"] = attempt.error
        first = row.first_attempt_at or stamp
        values: dict[str, Any] = {
            "attempts": row.attempts + 1, "last_status": attempt.status_code, "last_error": attempt.error,
            "log": [*(row.log or []), entry][-LOG_KEPT:], "lease_until": None, "first_attempt_at": first,
        }
        if attempt.delivered:
            values.update(status=DELIVERED, delivered_at=stamp, next_attempt_at=None)
        elif attempt.final or (now - parse_time(first)).total_seconds() >= self._settings.give_up_after_s:
            values.update(status=FAILED, next_attempt_at=None)
        else:
            delay = self._settings.delay_after(row.attempts + 1)
            values["next_attempt_at"] = format_time(now + timedelta(seconds=delay))
        with self._store.write() as conn:
            # Only while the lease is ours: past it, another process may have taken the delivery and records its own.
            conn.execute(sa.update(_d).where(_d.c.id == row.id, _d.c.status == PENDING,
                                             _d.c.lease_until == claim.lease).values(values))


def delivery_body(source: AnyRow, event: AnyRow) -> bytes:
    """The bytes sent (and signed) for one event: the same on every attempt."""
    payload = TriggerDelivery(
        trigger_source_id=source.id, integration_name=source.integration_name, trigger_name=source.trigger_name,
        data=event.data, metadata=source.callback_metadata, timestamp=event.occurred_at or event.received_at,
        event_id=event.id)
    return body_of(payload.model_dump(mode="json"))


def replay_delivery(conn: sa.Connection, event_id: str, now: str) -> bool:
    """Make the event's delivery pending again, due now, with a new window of retries; False if it has none."""
    done = conn.execute(sa.update(_d).where(_d.c.event_id == event_id).values(
        status=PENDING, next_attempt_at=now, lease_until=None, first_attempt_at=None).returning(_d.c.id)).first()
    return done is not None
