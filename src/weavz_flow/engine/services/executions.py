"""Execution records: who ran what, with which connection and partials, how it went. Never credentials.

Inputs are stored after redaction (credential strings and enforced values masked); outputs are redacted and capped.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.batch_writer import BatchWriter
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.models import Execution, Page
from weavz_flow.engine.services.scope import not_found, page_bounds
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow

_e = t.executions

OUTPUT_CAP_BYTES = 64 * 1024


def cap_output(output: Any) -> tuple[Any, bool]:
    """The output itself if its JSON is small enough, else a text preview of its start."""
    text = json.dumps(output, default=str, ensure_ascii=False)
    if len(text.encode("utf-8")) <= OUTPUT_CAP_BYTES:
        return json.loads(text), False
    return text.encode("utf-8")[:OUTPUT_CAP_BYTES].decode("utf-8", errors="ignore"), True


class ExecutionLog:
    """Records are written off the request path by a :class:`BatchWriter` (see there for the crash window); the
    readers here flush it first, so this process always reads back every record it has made."""

    def __init__(self, store: Store, *, background: bool = True) -> None:
        self._store = store
        self._writer = BatchWriter(store, _e) if background else None

    def record(self, row: dict[str, Any]) -> None:
        if self._writer is not None:
            self._writer.submit(row)
            return
        with self._store.write() as conn:
            conn.execute(sa.insert(_e).values(row))

    def flush(self) -> None:
        if self._writer is not None:
            # The writer's thread needs the write lock: a request's open unit of work must not hold it meanwhile.
            with self._store.own_transactions():
                self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def list_page(
        self, caller: Caller, *, workspace_id: str | None = None, limit: int | None = None,
        offset: int | None = None,
    ) -> Page[Execution]:
        limit, offset = page_bounds(limit, offset)
        where: list[Any] = [_e.c.org_id == caller.org_id]
        if workspace_id is not None:
            caller.check_workspace(workspace_id)
            where.append(_e.c.workspace_id == workspace_id)
        elif caller.workspace_ids is not None:
            where.append(_e.c.workspace_id.in_(sorted(caller.workspace_ids)))
        self.flush()
        with self._store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(_e).where(*where)).scalar_one()
            rows = conn.execute(
                sa.select(_e).where(*where).order_by(_e.c.created_at.desc(), _e.c.id).limit(limit).offset(offset)
            ).all()
        return Page([_model(r) for r in rows], total)

    def get(self, caller: Caller, execution_id: str) -> Execution:
        self.flush()
        with self._store.read() as conn:
            row = conn.execute(sa.select(_e).where(_e.c.id == execution_id, _e.c.org_id == caller.org_id)).first()
        if row is None or not caller.may_access(row.workspace_id):
            raise not_found("Execution", execution_id)
        return _model(row)


def _model(row: AnyRow) -> Execution:
    return Execution.model_validate(dict(row._mapping))
