"""Workspace integrations (aliases): one configured instance of a catalog integration in a workspace.

Natural key (workspace, alias). ``fixed`` and ``per_user_with_fallback`` need a connection of the same integration
that the workspace can see; ``enabledActions`` must name actions of the integration. For an integration that takes
credentials, ``settings.baseUrl`` may only name the pinned connection's host or the integration's default host
(:mod:`weavz_flow.credential_hosts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.credential_hosts import allowed_origins, check_credential_host
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.inputs import WorkspaceIntegrationCreate, WorkspaceIntegrationUpdate
from weavz_flow.engine.models import WorkspaceIntegration
from weavz_flow.engine.naming import Strategy, check_alias, invalid, parse_enum
from weavz_flow.engine.rows import row_dicts
from weavz_flow.engine.services.connections import visible_in_workspace, visible_to
from weavz_flow.engine.services.scope import conflict_as, not_found, workspace_row
from weavz_flow.engine.settings_check import check_settings
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.suggest import did_you_mean

_wi = t.workspace_integrations
_conn = t.connections

# One query gives each alias with the echoes of its pinned connection.
_SELECT = sa.select(
    _wi,
    _conn.c.status.label("connection_status"),
    _conn.c.display_name.label("connection_display_name"),
    _conn.c.external_id.label("connection_external_id"),
).select_from(_wi.outerjoin(_conn, _conn.c.id == _wi.c.connection_id))


class WorkspaceIntegrationService:
    def __init__(self, store: Store, source: CatalogSource) -> None:
        self._store = store
        self._source = source

    def list_in(self, caller: Caller, workspace_id: str) -> list[WorkspaceIntegration]:
        with self._store.read() as conn:
            workspace_row(conn, caller, workspace_id)
            rows = conn.execute(
                _SELECT.where(_wi.c.workspace_id == workspace_id).order_by(_wi.c.sort_order, _wi.c.alias)
            ).all()
        return [model(r) for r in rows]

    def list_many(self, caller: Caller, workspace_ids: Iterable[str]) -> list[WorkspaceIntegration]:
        """The aliases of several workspaces in one query (for plan)."""
        ids = _allowed(caller, workspace_ids)
        if not ids:
            return []
        with self._store.read() as conn:
            rows = row_dicts(conn.execute(
                _SELECT.where(_wi.c.org_id == caller.org_id, _wi.c.workspace_id.in_(ids))
                .order_by(_wi.c.workspace_id, _wi.c.sort_order, _wi.c.alias)
            ))
        return [WorkspaceIntegration.model_validate(r) for r in rows]

    def get(self, caller: Caller, workspace_id: str, integration_id: str) -> WorkspaceIntegration:
        with self._store.read() as conn:
            workspace_row(conn, caller, workspace_id)
            return model(self._row(conn, workspace_id, integration_id))

    def create(self, caller: Caller, workspace_id: str, request: WorkspaceIntegrationCreate) -> WorkspaceIntegration:
        integration = self._source.catalog().integration(request.integration_name)
        alias = check_alias(request.alias if request.alias is not None else request.integration_name)
        strategy = (
            parse_enum(Strategy, "connectionStrategy", request.connection_strategy)
            if request.connection_strategy is not None
            else (Strategy.FIXED if request.connection_id else Strategy.PER_USER)
        )
        enabled = _check_enabled_actions(request.enabled_actions, integration.actions)
        settings = check_settings(request.settings)
        now = utc_now()
        row = {
            "id": new_id(), "org_id": caller.org_id, "workspace_id": workspace_id,
            "integration_name": integration.name, "alias": alias, "connection_strategy": str(strategy),
            "connection_id": request.connection_id, "display_name": request.display_name,
            "enabled_actions": enabled, "settings": settings, "sort_order": request.sort_order or 0,
            "created_at": now, "updated_at": now,
        }
        with _alias_conflict(alias), self._store.write() as conn:
            workspace_row(conn, caller, workspace_id)
            pinned = check_connection(conn, caller, workspace_id, integration.name, strategy, request.connection_id)
            self._check_base_url(integration, settings, pinned)
            _check_alias_free(conn, workspace_id, alias)
            conn.execute(sa.insert(_wi).values(row))
            return model(conn.execute(_SELECT.where(_wi.c.id == row["id"])).one())

    def update(
        self, caller: Caller, workspace_id: str, integration_id: str, request: WorkspaceIntegrationUpdate
    ) -> WorkspaceIntegration:
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        with _alias_conflict(request.alias or ""), self._store.write() as conn:
            workspace_row(conn, caller, workspace_id)
            current = self._row(conn, workspace_id, integration_id)
            changes: dict[str, Any] = {}
            if "alias" in fields:
                if request.alias is None:
                    raise invalid("alias", "alias cannot be cleared")
                changes["alias"] = check_alias(request.alias)
                if request.alias != current.alias:
                    _check_alias_free(conn, workspace_id, request.alias)
            if "connection_strategy" in fields:
                if request.connection_strategy is None:
                    raise invalid("connectionStrategy", "connectionStrategy cannot be cleared")
                changes["connection_strategy"] = str(
                    parse_enum(Strategy, "connectionStrategy", request.connection_strategy))
            if "connection_id" in fields:
                changes["connection_id"] = request.connection_id
            if "display_name" in fields:
                changes["display_name"] = request.display_name
            if "enabled_actions" in fields:
                actions = self._source.catalog().integration(current.integration_name).actions
                changes["enabled_actions"] = _check_enabled_actions(request.enabled_actions, actions)
            if "settings" in fields:
                changes["settings"] = check_settings(request.settings)
            if "sort_order" in fields:
                changes["sort_order"] = request.sort_order or 0
            strategy = Strategy(changes.get("connection_strategy", current.connection_strategy))
            connection_id = changes.get("connection_id", current.connection_id)
            if "connection_id" in changes or "connection_strategy" in changes:
                check_connection(conn, caller, workspace_id, current.integration_name, strategy, connection_id)
            if {"connection_id", "settings"} & changes.keys():
                self._check_base_url(self._source.catalog().integration(current.integration_name),
                                     changes.get("settings", current.settings or {}),
                                     _connection(conn, caller, connection_id))
            changes["updated_at"] = utc_now()
            conn.execute(sa.update(_wi).where(_wi.c.id == integration_id).values(changes))
            return model(conn.execute(_SELECT.where(_wi.c.id == integration_id)).one())

    def delete(self, caller: Caller, workspace_id: str, integration_id: str) -> str:
        """Deletes the alias and its partials."""
        with self._store.write() as conn:
            workspace_row(conn, caller, workspace_id)
            self._row(conn, workspace_id, integration_id)
            conn.execute(sa.delete(_wi).where(_wi.c.id == integration_id))
        return integration_id

    def _check_base_url(self, integration: IntegrationInfo, settings: dict[str, Any], pinned: Any) -> None:
        """400 CREDENTIAL_HOST_DENIED when ``settings.baseUrl`` would send the alias's credentials elsewhere."""
        base_url = settings.get("baseUrl")
        if base_url is None or not integration.needs_connection:
            return
        native = self._source.natives.get(integration.name)
        default_base = native.default_base_url if native is not None else None
        connection_base = pinned.base_url if pinned is not None else None
        check_credential_host(base_url, allowed_origins(connection_base, default_base), integration=integration.name)

    @staticmethod
    def _row(conn: sa.Connection, workspace_id: str, integration_id: str) -> AnyRow:
        row = conn.execute(_SELECT.where(_wi.c.id == integration_id, _wi.c.workspace_id == workspace_id)).first()
        if row is None:
            raise not_found("Workspace integration", integration_id)
        return row


def model(row: AnyRow) -> WorkspaceIntegration:
    return WorkspaceIntegration.model_validate(dict(row._mapping))


def _allowed(caller: Caller, workspace_ids: Iterable[str]) -> list[str]:
    ids = sorted(set(workspace_ids))
    for ws in ids:
        caller.check_workspace(ws)
    return ids


def _alias_conflict(alias: str) -> Any:
    return conflict_as(ErrorCode.ALIAS_CONFLICT, f"Alias '{alias}' already exists in this workspace",
                       {"alias": alias})


def _check_alias_free(conn: sa.Connection, workspace_id: str, alias: str) -> None:
    taken = conn.execute(sa.select(_wi.c.id).where(_wi.c.workspace_id == workspace_id, _wi.c.alias == alias)).first()
    if taken is not None:
        raise ApiError(ErrorCode.ALIAS_CONFLICT, f"Alias '{alias}' already exists in this workspace",
                       details={"alias": alias})


def _check_enabled_actions(enabled: list[str] | None, actions: Any) -> list[str] | None:
    if enabled is None:
        return None
    for name in enabled:
        if name not in actions:
            hint = did_you_mean(name, actions)
            raise invalid("enabledActions", f"enabledActions names unknown action '{name}'"
                          + (f"; {hint}" if hint else ""))
    return list(dict.fromkeys(enabled))


def check_connection(
    conn: sa.Connection, caller: Caller, workspace_id: str, integration_name: str, strategy: Strategy,
    connection_id: str | None,
) -> AnyRow | None:
    """The connection to pin (None for none). One the caller may not see is answered as one that does not exist."""
    if connection_id is None:
        if strategy in (Strategy.FIXED, Strategy.PER_USER_WITH_FALLBACK):
            raise invalid("connectionId", f"connectionId is required for the '{strategy}' strategy")
        return None
    row = _connection(conn, caller, connection_id)
    if row is None:
        raise not_found("Connection", connection_id, ErrorCode.CONNECTION_NOT_FOUND)
    if row.integration_name != integration_name:
        raise invalid("connectionId",
                      f"Connection '{connection_id}' is for '{row.integration_name}', not '{integration_name}'")
    if not visible_in_workspace(row, workspace_id):
        raise invalid("connectionId", f"Connection '{connection_id}' belongs to another workspace")
    return row


def _connection(conn: sa.Connection, caller: Caller, connection_id: str | None) -> AnyRow | None:
    if connection_id is None:
        return None
    row = conn.execute(
        sa.select(_conn.c.integration_name, _conn.c.workspace_id, _conn.c.scope, _conn.c.base_url)
        .where(_conn.c.id == connection_id, _conn.c.org_id == caller.org_id)
    ).first()
    return row if row is not None and visible_to(caller, row) else None
