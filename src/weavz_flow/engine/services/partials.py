"""Input partials: saved input presets scoped to (workspace, alias, optional action or trigger).

Natural key (alias, scope, name). Enforced keys must be keys of ``values``. Scope fields cannot change after
creation, as on Weavz.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.inputs import PartialCreate, PartialUpdate
from weavz_flow.engine.models import Partial
from weavz_flow.engine.naming import check_name, invalid
from weavz_flow.engine.resolution import pick_workspace_integration
from weavz_flow.engine.rows import row_dicts
from weavz_flow.engine.services.scope import conflict_as, not_found, workspace_row
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.partials import PartialContent
from weavz_flow.wire.vocabulary import DESCRIPTION_MAX
from weavz_flow.wire.vocabulary import PARTIAL_NAME_MAX as NAME_MAX

_p = t.partials
_wi = t.workspace_integrations

SELECT = sa.select(_p, _wi.c.alias.label("integration_alias")).select_from(
    _p.join(_wi, _wi.c.id == _p.c.workspace_integration_id)
)
ORDER = (_p.c.created_at, _p.c.name, _p.c.id)
# What a partial holds (the wire's PartialContent), a column each; the fields update() checks itself are _CHECKED.
_CONTENT = set(PartialContent.model_fields)
_CHECKED = {"name", "description", "values", "enforced_keys", "is_default"}


def scope_key(action_name: str | None, trigger_name: str | None) -> str:
    if action_name is not None:
        return f"action:{action_name}"
    if trigger_name is not None:
        return f"trigger:{trigger_name}"
    return ""


class PartialService:
    def __init__(self, store: Store, source: CatalogSource) -> None:
        self._store = store
        self._source = source

    def create(self, caller: Caller, request: PartialCreate) -> Partial:
        check_name("name", request.name, max_length=NAME_MAX)
        _check_description(request.description)
        if request.action_name is not None and request.trigger_name is not None:
            raise invalid("actionName", "actionName and triggerName are mutually exclusive")
        if request.action_name is not None:
            self._source.catalog().action(request.integration_name, request.action_name)
        else:
            self._source.catalog().integration(request.integration_name)
        _check_enforced(request.values, request.enforced_keys)
        key = scope_key(request.action_name, request.trigger_name)
        message = f"A partial named '{request.name}' already exists in this scope"
        with conflict_as(ErrorCode.DUPLICATE, message, {"name": request.name}), self._store.write() as conn:
            workspace_row(conn, caller, request.workspace_id)
            target = pick_workspace_integration(
                conn, request.workspace_id, request.integration_name,
                workspace_integration_id=request.workspace_integration_id,
                integration_alias=request.integration_alias,
            )
            if target.integration is None:
                raise ApiError(
                    ErrorCode.NOT_FOUND,
                    f"Integration '{request.integration_name}' is not configured in this workspace",
                    details={"integrationName": request.integration_name}, status=404,
                )
            taken = conn.execute(sa.select(_p.c.id).where(
                _p.c.workspace_integration_id == target.id, _p.c.scope_key == key, _p.c.name == request.name)).first()
            if taken is not None:
                raise ApiError(ErrorCode.DUPLICATE, message, details={"name": request.name})
            now = utc_now()
            row = {
                "id": new_id(), "org_id": caller.org_id, "workspace_id": request.workspace_id,
                "workspace_integration_id": target.id, "integration_name": request.integration_name,
                "action_name": request.action_name, "trigger_name": request.trigger_name, "scope_key": key,
                **request.model_dump(include=_CONTENT),  # a column each, named as the wire's fields
                "enforced_keys": list(dict.fromkeys(request.enforced_keys)), "created_at": now, "updated_at": now,
            }
            conn.execute(sa.insert(_p).values(row))
            return model(conn.execute(SELECT.where(_p.c.id == row["id"])).one())

    def list_in(
        self, caller: Caller, workspace_id: str, *, integration_name: str | None = None,
        workspace_integration_id: str | None = None, integration_alias: str | None = None,
        action_name: str | None = None, trigger_name: str | None = None,
    ) -> list[Partial]:
        where: list[Any] = [_p.c.workspace_id == workspace_id]
        if integration_name is not None:
            where.append(_p.c.integration_name == integration_name)
        if workspace_integration_id is not None:
            where.append(_p.c.workspace_integration_id == workspace_integration_id)
        if integration_alias is not None:
            where.append(_wi.c.alias == integration_alias)
        if action_name is not None:
            where.append(_p.c.action_name == action_name)
        if trigger_name is not None:
            where.append(_p.c.trigger_name == trigger_name)
        with self._store.read() as conn:
            workspace_row(conn, caller, workspace_id)
            rows = conn.execute(SELECT.where(*where).order_by(*ORDER)).all()
        return [model(r) for r in rows]

    def list_many(self, caller: Caller, workspace_ids: Iterable[str]) -> list[Partial]:
        """The partials of several workspaces in one query (for plan)."""
        ids = sorted(set(workspace_ids))
        for ws in ids:
            caller.check_workspace(ws)
        if not ids:
            return []
        with self._store.read() as conn:
            rows = row_dicts(conn.execute(
                SELECT.where(_p.c.org_id == caller.org_id, _p.c.workspace_id.in_(ids)).order_by(*ORDER)
            ))
        return [model_of(r) for r in rows]

    def get(self, caller: Caller, partial_id: str) -> Partial:
        with self._store.read() as conn:
            return model(self._row(conn, caller, partial_id))

    def update(self, caller: Caller, partial_id: str, request: PartialUpdate) -> Partial:
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        message = f"A partial named '{request.name}' already exists in this scope"
        with conflict_as(ErrorCode.DUPLICATE, message, {"name": request.name}), self._store.write() as conn:
            current = self._row(conn, caller, partial_id)
            changes: dict[str, Any] = {}
            if "name" in fields and request.name is not None:
                changes["name"] = check_name("name", request.name, max_length=NAME_MAX)
                if request.name != current.name:
                    taken = conn.execute(sa.select(_p.c.id).where(
                        _p.c.workspace_integration_id == current.workspace_integration_id,
                        _p.c.scope_key == current.scope_key, _p.c.name == request.name)).first()
                    if taken is not None:
                        raise ApiError(ErrorCode.DUPLICATE, message, details={"name": request.name})
            if "description" in fields:
                changes["description"] = _check_description(request.description)
            if "values" in fields:
                changes["values"] = dict(request.values or {})
            if "enforced_keys" in fields:
                changes["enforced_keys"] = list(dict.fromkeys(request.enforced_keys or []))
            if "is_default" in fields and request.is_default is not None:
                changes["is_default"] = request.is_default
            changes.update(request.model_dump(include=fields & _CONTENT - _CHECKED))  # stored as sent
            _check_enforced(changes.get("values", current.values), changes.get("enforced_keys", current.enforced_keys))
            changes["updated_at"] = utc_now()
            conn.execute(sa.update(_p).where(_p.c.id == partial_id).values(changes))
            return model(self._row(conn, caller, partial_id))

    def set_default(self, caller: Caller, partial_id: str, is_default: bool) -> Partial:
        return self.update(caller, partial_id, PartialUpdate(is_default=is_default))

    def delete(self, caller: Caller, partial_id: str) -> str:
        with self._store.write() as conn:
            self._row(conn, caller, partial_id)
            conn.execute(sa.delete(_p).where(_p.c.id == partial_id))
        return partial_id

    @staticmethod
    def _row(conn: sa.Connection, caller: Caller, partial_id: str) -> AnyRow:
        row = conn.execute(SELECT.where(_p.c.id == partial_id, _p.c.org_id == caller.org_id)).first()
        if row is None or not caller.may_access(row.workspace_id):  # out of scope: as if it did not exist
            raise not_found("Partial", partial_id, ErrorCode.PARTIAL_NOT_FOUND)
        return row


def model(row: AnyRow) -> Partial:
    return model_of(dict(row._mapping))


def model_of(data: dict[str, Any]) -> Partial:
    data.pop("scope_key", None)
    return Partial.model_validate(data)


def _check_enforced(values: dict[str, Any], enforced: list[str]) -> None:
    missing = [k for k in enforced if k not in values]
    if missing:
        raise invalid("enforcedKeys", f"enforcedKeys must be keys of values; missing: {', '.join(missing)}")


def _check_description(description: str | None) -> str | None:
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise invalid("description", f"description must be at most {DESCRIPTION_MAX} characters")
    return description
