"""End users: people of the caller's own product, natural key (workspace, externalId). Deleting one deletes the
connections it owns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.inputs import EndUserCreate, EndUserUpdate
from weavz_flow.engine.models import Connection, EndUser, Page
from weavz_flow.engine.naming import EXTERNAL_ID_MAX, check_name, invalid
from weavz_flow.engine.rows import row_dicts
from weavz_flow.engine.services import connections as connection_rows
from weavz_flow.engine.services.scope import conflict_as, not_found, page_bounds, workspace_row
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits, check_json_size

_eu = t.end_users
_c = t.connections

_SELECT = sa.select(
    _eu,
    sa.select(sa.func.count()).where(_c.c.end_user_id == _eu.c.id).scalar_subquery().label("connection_count"),
)


class EndUserService:
    def __init__(self, store: Store, limits: SizeLimits = DEFAULT_SIZE_LIMITS) -> None:
        self._store = store
        self._limits = limits

    def create(self, caller: Caller, request: EndUserCreate) -> EndUser:
        check_name("externalId", request.external_id, max_length=EXTERNAL_ID_MAX)
        self._check_metadata(request.metadata)
        now = utc_now()
        row = {"id": new_id(), "org_id": caller.org_id, "workspace_id": request.workspace_id,
               "external_id": request.external_id, "display_name": request.display_name, "email": request.email,
               "metadata": request.metadata, "created_at": now, "updated_at": now}
        message = f"An end user '{request.external_id}' already exists in this workspace"
        with conflict_as(ErrorCode.DUPLICATE, message, {"externalId": request.external_id}), \
                self._store.write() as conn:
            workspace_row(conn, caller, request.workspace_id)
            taken = conn.execute(sa.select(_eu.c.id).where(
                _eu.c.workspace_id == request.workspace_id, _eu.c.external_id == request.external_id)).first()
            if taken is not None:
                raise ApiError(ErrorCode.DUPLICATE, message, details={"externalId": request.external_id})
            conn.execute(sa.insert(_eu).values(row))
        return EndUser(**row)

    def list_page(
        self, caller: Caller, workspace_id: str, *, limit: int | None = None, offset: int | None = None
    ) -> Page[EndUser]:
        limit, offset = page_bounds(limit, offset, maximum=100_000)
        with self._store.read() as conn:
            workspace_row(conn, caller, workspace_id)
            total = conn.execute(
                sa.select(sa.func.count()).select_from(_eu).where(_eu.c.workspace_id == workspace_id)
            ).scalar_one()
            rows = conn.execute(
                _SELECT.where(_eu.c.workspace_id == workspace_id)
                .order_by(_eu.c.created_at, _eu.c.id).limit(limit).offset(offset)
            ).all()
        return Page([_model(r) for r in rows], total)

    def list_many(self, caller: Caller, workspace_ids: Iterable[str]) -> list[EndUser]:
        """The end users of several workspaces in one query (for plan)."""
        ids = sorted(set(workspace_ids))
        for ws in ids:
            caller.check_workspace(ws)
        if not ids:
            return []
        with self._store.read() as conn:
            rows = row_dicts(conn.execute(
                _SELECT.where(_eu.c.org_id == caller.org_id, _eu.c.workspace_id.in_(ids))
                .order_by(_eu.c.workspace_id, _eu.c.external_id)
            ))
        return [EndUser.model_validate(r) for r in rows]

    def get(self, caller: Caller, end_user_id: str) -> tuple[EndUser, list[Connection]]:
        with self._store.read() as conn:
            row = self._row(conn, caller, end_user_id)
            owned = conn.execute(
                connection_rows.SELECT.where(_c.c.end_user_id == end_user_id).order_by(_c.c.created_at)
            ).all()
        return _model(row), connection_rows.models(owned)

    def get_by_external_id(self, caller: Caller, workspace_id: str, external_id: str) -> EndUser:
        """The end user a project names: by workspace and externalId (404 END_USER_NOT_FOUND)."""
        with self._store.read() as conn:
            workspace_row(conn, caller, workspace_id)
            row = conn.execute(_SELECT.where(_eu.c.workspace_id == workspace_id,
                                             _eu.c.external_id == external_id)).first()
        if row is None:
            raise not_found("End user", external_id, ErrorCode.END_USER_NOT_FOUND)
        return _model(row)

    def update(self, caller: Caller, end_user_id: str, request: EndUserUpdate) -> EndUser:
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update: give displayName, email or metadata")
        changes: dict[str, Any] = {name: getattr(request, name) for name in fields}
        self._check_metadata(changes.get("metadata"))
        changes["updated_at"] = utc_now()
        with self._store.write() as conn:
            self._row(conn, caller, end_user_id)
            conn.execute(sa.update(_eu).where(_eu.c.id == end_user_id).values(changes))
            return _model(self._row(conn, caller, end_user_id))

    def delete(self, caller: Caller, end_user_id: str) -> str:
        with self._store.write() as conn:
            self._row(conn, caller, end_user_id)
            conn.execute(sa.delete(_eu).where(_eu.c.id == end_user_id))
        return end_user_id

    def _check_metadata(self, metadata: Any) -> None:
        if metadata is not None and not isinstance(metadata, dict):
            raise invalid("metadata", "metadata must be an object")
        if metadata is not None:
            check_json_size(metadata, "metadata", self._limits.metadata_bytes)

    @staticmethod
    def _row(conn: sa.Connection, caller: Caller, end_user_id: str) -> AnyRow:
        row = conn.execute(_SELECT.where(_eu.c.id == end_user_id, _eu.c.org_id == caller.org_id)).first()
        if row is None or not caller.may_access(row.workspace_id):  # out of scope: as if it did not exist
            raise not_found("End user", end_user_id, ErrorCode.END_USER_NOT_FOUND)
        return row


def _model(row: AnyRow) -> EndUser:
    return EndUser.model_validate(dict(row._mapping))

