"""Idempotency keys for execute: a key that completed replays its recorded result; a key in flight refuses a twin.

A key is claimed by inserting its record before the action runs (the unique (org, key) constraint decides between
concurrent twins), completed with the result afterwards, and released when the action fails, so that a failed call
may be retried under the same key. A twin that finds the claim pending gets 409 DUPLICATE with reason
``in_progress``; it should wait and ask again (the flow runner does): the first call either completes (the twin then
gets its result) or its claim goes stale (the twin then takes the key over and runs).

When a claim may be taken over. A process killed mid-action leaves its claim pending for ever, so a pending claim
older than ``stale_after_s`` is taken over. Taking over must never run the action while the first execute may still
be talking to the provider, so the bound follows from how long one execute can take, which the engine enforces:

- Every execute gets a deadline of ``max_execute_s`` (:data:`MAX_EXECUTE_S`, from its claim on). Provider calls all
  go through ``integrations.provider_http.send``, which starts no attempt and no retry wait (Retry-After included)
  that would end past the deadline, and reads a response body in chunks, abandoning it once the deadline is past.
- Without the deadline nothing bounded an execute: the provider timeout (30 s) limits each network operation, not a
  request (a provider trickling its body keeps one alive), retries add up to 30 s of waits on top of four attempts,
  and an action may make several requests.
- What the deadline cannot cut short is the attempt in flight when it passes. Each network operation of an attempt
  (connect, send, read) times out within the time that was left when the attempt began, so a provider answering
  normally releases it well within another ``max_execute_s``.
- The built-ins that call no provider (kv-store, storage) run a few store transactions, each bounded by the store's
  busy timeout (30 s), far inside the deadline.

Hence ``stale_after_s = 2 * max_execute_s + margin`` (:class:`ExecuteLimits`); the margin (:data:`TAKEOVER_MARGIN_S`)
covers the ledger and execution writes around the action, a provider stretching that last attempt over several slow
operations, and the clock difference between the hosts sharing a PostgreSQL store (claims are stamped by the claiming
host's clock). A claim also carries its stamp as a fencing token: an execute that lost its claim to a takeover cannot
complete or release the record that now belongs to the taker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.dialect_insert import insert_for
from weavz_flow.engine.stamps import ago, new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode

_r = t.idempotency_records

PENDING = "pending"
COMPLETED = "completed"

MAX_EXECUTE_S = 120.0  # the deadline of one execute: no provider attempt or retry wait starts that would pass it
TAKEOVER_MARGIN_S = 60.0


@dataclass(frozen=True, slots=True)
class ExecuteLimits:
    """How long one execute may run, and from that, when its pending claim may be taken over (see the docstring)."""

    max_execute_s: float = MAX_EXECUTE_S
    takeover_margin_s: float = TAKEOVER_MARGIN_S

    def __post_init__(self) -> None:
        if self.max_execute_s <= 0 or self.takeover_margin_s < 0:
            raise ValueError("max_execute_s must be positive and takeover_margin_s not negative")

    @property
    def stale_after_s(self) -> float:
        return 2 * self.max_execute_s + self.takeover_margin_s


DEFAULT_LIMITS = ExecuteLimits()


@dataclass(frozen=True, slots=True)
class Claim:
    record_id: str | None  # set when this request now owns the key and must run
    replay: dict[str, Any] | None = None  # set when the key completed before: the recorded result
    stamp: str | None = None  # the record's updated_at as this claim wrote it: whoever claims later changes it


def request_fingerprint(parts: dict[str, Any]) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class IdempotencyLedger:
    def __init__(self, store: Store, *, limits: ExecuteLimits = DEFAULT_LIMITS) -> None:
        self._store = store
        self.limits = limits
        self._stale_after_s = limits.stale_after_s

    def claim(self, org_id: str, key: str, fingerprint: str) -> Claim:
        now = utc_now()
        record_id = new_id()
        with self._store.write() as conn:
            # RETURNING rather than rowcount, which psycopg reports as -1 for INSERT ... ON CONFLICT.
            inserted = conn.execute(
                insert_for(conn, _r).values(
                    id=record_id, org_id=org_id, key=key, request_fingerprint=fingerprint, status=PENDING,
                    result=None, created_at=now, updated_at=now,
                ).on_conflict_do_nothing(index_elements=[_r.c.org_id, _r.c.key]).returning(_r.c.id)
            ).first()
            if inserted is not None:
                return Claim(record_id, stamp=now)
            row = conn.execute(
                sa.select(_r).where(_r.c.org_id == org_id, _r.c.key == key).with_for_update()
            ).one()
            if row.request_fingerprint != fingerprint:
                raise _different_request(key)
            if row.status == COMPLETED:
                return Claim(None, replay=dict(row.result or {}))
            if row.updated_at >= ago(self._stale_after_s):
                raise ApiError(
                    ErrorCode.DUPLICATE,
                    "A request with this idempotencyKey is still running; retry when it has finished",
                    details={"idempotencyKey": key, "reason": "in_progress"}, status=409,
                )
            # Stale, so its owner is gone. The new stamp (later than the stale one) fences that owner out.
            conn.execute(sa.update(_r).where(_r.c.id == row.id).values(updated_at=now))
            return Claim(row.id, stamp=now)

    def completed(self, org_id: str, key: str, fingerprint: str) -> dict[str, Any] | None:
        """The recorded result when ``key`` completed for this very request; None when it did not (yet). Reads only:
        the gate asks before an approval is needed, so that a call that already ran replays without asking again."""
        with self._store.read() as conn:
            row = conn.execute(sa.select(_r).where(_r.c.org_id == org_id, _r.c.key == key)).first()
        if row is None or row.status != COMPLETED:
            return None
        if row.request_fingerprint != fingerprint:
            raise _different_request(key)
        return dict(row.result or {})

    def complete(self, claim: Claim, result: dict[str, Any]) -> bool:
        """Record the result; False (nothing written) when the claim was taken over in the meantime."""
        with self._store.write() as conn:
            done = conn.execute(sa.update(_r).where(*_owned(claim))
                                .values(status=COMPLETED, result=result, updated_at=utc_now())
                                .returning(_r.c.id)).first()
        return done is not None

    def release(self, claim: Claim) -> None:
        with self._store.write() as conn:
            conn.execute(sa.delete(_r).where(*_owned(claim)))


def _different_request(key: str) -> ApiError:
    return ApiError(ErrorCode.DUPLICATE, "This idempotencyKey was already used for a different request",
                    details={"idempotencyKey": key, "reason": "different_request"}, status=409)


def _owned(claim: Claim) -> tuple[sa.ColumnElement[bool], ...]:
    assert claim.record_id is not None and claim.stamp is not None, "only a claim that owns its key"
    return _r.c.id == claim.record_id, _r.c.status == PENDING, _r.c.updated_at == claim.stamp

