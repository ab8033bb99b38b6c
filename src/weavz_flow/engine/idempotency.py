"""Idempotency keys for execute: a key that completed replays its recorded result; a key in flight refuses a twin.

A key is claimed by inserting its record before the action runs (the unique (org, key) constraint decides between
concurrent twins), completed with the result afterwards, and released when the action fails, so that a failed call
may be retried under the same key. A claim left pending by a crashed process is taken over after ``stale_after``.
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


@dataclass(frozen=True, slots=True)
class Claim:
    record_id: str | None  # set when this request now owns the key and must run
    replay: dict[str, Any] | None = None  # set when the key completed before: the recorded result


def request_fingerprint(parts: dict[str, Any]) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class IdempotencyLedger:
    def __init__(self, store: Store, *, stale_after_s: float = 600.0) -> None:
        self._store = store
        self._stale_after_s = stale_after_s

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
                return Claim(record_id)
            row = conn.execute(
                sa.select(_r).where(_r.c.org_id == org_id, _r.c.key == key).with_for_update()
            ).one()
            if row.request_fingerprint != fingerprint:
                raise ApiError(
                    ErrorCode.DUPLICATE,
                    "This idempotencyKey was already used for a different request",
                    details={"idempotencyKey": key, "reason": "different_request"}, status=409,
                )
            if row.status == COMPLETED:
                return Claim(None, replay=dict(row.result or {}))
            if row.updated_at >= ago(self._stale_after_s):
                raise ApiError(
                    ErrorCode.DUPLICATE,
                    "A request with this idempotencyKey is still running; retry when it has finished",
                    details={"idempotencyKey": key, "reason": "in_progress"}, status=409,
                )
            conn.execute(sa.update(_r).where(_r.c.id == row.id).values(updated_at=now))
            return Claim(row.id)

    def complete(self, record_id: str, result: dict[str, Any]) -> None:
        with self._store.write() as conn:
            conn.execute(sa.update(_r).where(_r.c.id == record_id)
                         .values(status=COMPLETED, result=result, updated_at=utc_now()))

    def release(self, record_id: str) -> None:
        with self._store.write() as conn:
            conn.execute(sa.delete(_r).where(_r.c.id == record_id, _r.c.status == PENDING))
