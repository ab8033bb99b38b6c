"""Workspaces: natural key ``slug``, unique within the organization.

Creating, renaming and deleting workspaces is organization administration and needs an org-wide caller; a
workspace-scoped caller may read its own workspaces.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.inputs import WorkspaceCreate, WorkspaceUpdate
from weavz_flow.engine.models import Page, Workspace
from weavz_flow.engine.naming import check_name, check_slug
from weavz_flow.engine.services.scope import not_found, page_bounds, workspace_row
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode


class WorkspaceService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, caller: Caller, request: WorkspaceCreate) -> Workspace:
        caller.require_org_wide("Creating a workspace")
        check_name("name", request.name)
        check_slug(request.slug)
        now = utc_now()
        row = {"id": new_id(), "org_id": caller.org_id, "name": request.name, "slug": request.slug,
               "created_at": now, "updated_at": now}
        with self._store.write() as conn:
            self._check_slug_free(conn, caller.org_id, request.slug)
            conn.execute(sa.insert(t.workspaces).values(row))
        return Workspace(**row)

    def list_page(self, caller: Caller, *, limit: int | None = None, offset: int | None = None) -> Page[Workspace]:
        limit, offset = page_bounds(limit, offset, maximum=100)
        where = [t.workspaces.c.org_id == caller.org_id]
        if caller.workspace_ids is not None:
            where.append(t.workspaces.c.id.in_(sorted(caller.workspace_ids)))
        with self._store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t.workspaces).where(*where)).scalar_one()
            rows = conn.execute(
                sa.select(t.workspaces).where(*where)
                .order_by(t.workspaces.c.created_at, t.workspaces.c.id).limit(limit).offset(offset)
            ).all()
        return Page([_model(r) for r in rows], total)

    def list_all(self, caller: Caller) -> list[Workspace]:
        """Every workspace the caller may see, in one query (for plan)."""
        where = [t.workspaces.c.org_id == caller.org_id]
        if caller.workspace_ids is not None:
            where.append(t.workspaces.c.id.in_(sorted(caller.workspace_ids)))
        with self._store.read() as conn:
            rows = conn.execute(sa.select(t.workspaces).where(*where).order_by(t.workspaces.c.slug)).all()
        return [_model(r) for r in rows]

    def get(self, caller: Caller, workspace_id: str) -> Workspace:
        with self._store.read() as conn:
            return _model(workspace_row(conn, caller, workspace_id))

    def get_by_slug(self, caller: Caller, slug: str) -> Workspace:
        with self._store.read() as conn:
            row = conn.execute(
                sa.select(t.workspaces).where(t.workspaces.c.org_id == caller.org_id, t.workspaces.c.slug == slug)
            ).first()
        if row is None or not caller.may_access(row.id):  # out of scope: as if it did not exist
            raise not_found("Workspace", slug)
        return _model(row)

    def update(self, caller: Caller, workspace_id: str, request: WorkspaceUpdate) -> Workspace:
        caller.require_org_wide("Changing a workspace")
        changes: dict[str, Any] = {}
        if request.is_set("name") and request.name is not None:
            changes["name"] = check_name("name", request.name)
        if request.is_set("slug") and request.slug is not None:
            changes["slug"] = check_slug(request.slug)
        if not changes:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update: give name or slug")
        with self._store.write() as conn:
            row = workspace_row(conn, caller, workspace_id)
            if "slug" in changes and changes["slug"] != row.slug:
                self._check_slug_free(conn, caller.org_id, changes["slug"])
            changes["updated_at"] = utc_now()
            conn.execute(sa.update(t.workspaces).where(t.workspaces.c.id == workspace_id).values(changes))
            return _model(conn.execute(sa.select(t.workspaces).where(t.workspaces.c.id == workspace_id)).one())

    def delete(self, caller: Caller, workspace_id: str) -> str:
        """Deletes the workspace with its integrations, partials, end users and the connections scoped to it."""
        caller.require_org_wide("Deleting a workspace")
        with self._store.write() as conn:
            workspace_row(conn, caller, workspace_id)
            conn.execute(sa.delete(t.workspaces).where(t.workspaces.c.id == workspace_id))
        return workspace_id

    @staticmethod
    def _check_slug_free(conn: sa.Connection, org_id: str, slug: str) -> None:
        taken = conn.execute(
            sa.select(t.workspaces.c.id).where(t.workspaces.c.org_id == org_id, t.workspaces.c.slug == slug)
        ).first()
        if taken is not None:
            raise ApiError(ErrorCode.DUPLICATE, f"A workspace with slug '{slug}' already exists",
                           details={"slug": slug})


def _model(row: AnyRow) -> Workspace:
    return Workspace.model_validate(dict(row._mapping))
