"""Loading a workspace on behalf of a caller: 403 outside a scoped key's workspaces, 404 outside its organization."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode


def workspace_row(conn: sa.Connection, caller: Caller, workspace_id: str) -> AnyRow:
    caller.check_workspace(workspace_id)
    row = conn.execute(
        sa.select(t.workspaces).where(t.workspaces.c.id == workspace_id, t.workspaces.c.org_id == caller.org_id)
    ).first()
    if row is None:
        raise not_found("Workspace", workspace_id)
    return row


def allowed_workspaces(caller: Caller, workspace_ids: Iterable[str]) -> list[str]:
    """The workspaces of a bulk read (plan's), each one the caller may touch (403 SCOPE_DENIED otherwise)."""
    ids = sorted(set(workspace_ids))
    for ws in ids:
        caller.check_workspace(ws)
    return ids


def not_found(kind: str, ident: str, code: ErrorCode = ErrorCode.NOT_FOUND) -> ApiError:
    return ApiError(code, f"{kind} '{ident}' not found", details={"id": ident})


# Offsets stay within a 32-bit integer, which every database binds (a larger one was an OverflowError, a 500).
MAX_PAGE_OFFSET = 2**31 - 1


def page_bounds(limit: int | None, offset: int | None, *, default: int = 50, maximum: int = 1000) -> tuple[int, int]:
    """The page to read: ``limit`` clamped to ``maximum``; an ``offset`` past :data:`MAX_PAGE_OFFSET` is a 400."""
    if offset is not None and offset > MAX_PAGE_OFFSET:
        raise ApiError(ErrorCode.VALIDATION_ERROR, f"offset must be at most {MAX_PAGE_OFFSET}",
                       details={"fields": [{"field": "offset", "message": f"at most {MAX_PAGE_OFFSET}"}]})
    limit = default if limit is None else max(0, min(int(limit), maximum))
    return limit, max(0, int(offset or 0))


@contextmanager
def conflict_as(code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> Iterator[None]:
    """A unique-constraint violation inside the block becomes a 409 (the race the explicit check cannot close)."""
    try:
        yield
    except sa.exc.IntegrityError:
        raise ApiError(code, message, details=details, status=409) from None
