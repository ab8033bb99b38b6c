"""Connection resolution (DESIGN.md "Execute pipeline" steps 3-4, weavz-api.md §3.2).

Pick the workspace integration (by id, by alias, else the integration's only alias, else the alias named like the
integration), then the connection: an explicit ``connectionExternalId`` wins; an integration without auth needs none;
``fixed`` takes the alias's connection; ``per_user`` the end user's; ``per_user_with_fallback`` the end user's if
there is one, else the alias's (until the alias has one, as ``per_user``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.credential_hosts import allowed_origins, check_credential_host
from weavz_flow.engine import tables as t
from weavz_flow.engine.alias_choice import (
    check_enabled,
    check_integration,
    choose_alias,
    connection_not_found,
    connection_required,
    end_user_not_found,
    per_user_required,
)
from weavz_flow.engine.execute_values import ConnectionRef
from weavz_flow.engine.naming import Strategy
from weavz_flow.engine.services.connection_rows import SELECT as CONNECTION_SELECT
from weavz_flow.engine.services.connections import visible_in_workspace
from weavz_flow.engine.services.scope import not_found
from weavz_flow.engine.tables import AnyRow

_wi = t.workspace_integrations
_c = t.connections
_eu = t.end_users


@dataclass(frozen=True, slots=True)
class Target:
    """Which workspace integration a request addresses (None when the workspace has no alias for it)."""

    integration: AnyRow | None

    @property
    def id(self) -> str | None:
        return self.integration.id if self.integration is not None else None

    @property
    def alias(self) -> str | None:
        return self.integration.alias if self.integration is not None else None

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.integration.settings or {}) if self.integration is not None else {}


def pick_workspace_integration(
    conn: sa.Connection,
    workspace_id: str,
    integration_name: str,
    *,
    workspace_integration_id: str | None = None,
    integration_alias: str | None = None,
) -> Target:
    if workspace_integration_id is not None:
        row = conn.execute(
            sa.select(_wi).where(_wi.c.id == workspace_integration_id, _wi.c.workspace_id == workspace_id)
        ).first()
        if row is None:
            raise not_found("Workspace integration", workspace_integration_id)
        check_integration(row, integration_name)
        return Target(row)
    # All of the workspace's aliases (a handful): the choice itself is alias_choice's, shared with the remote dry run.
    rows = conn.execute(sa.select(_wi).where(_wi.c.workspace_id == workspace_id)).all()
    return Target(choose_alias(rows, integration_name, integration_alias=integration_alias))


def check_action_enabled(target: Target, action_name: str) -> None:
    if target.integration is None:
        return
    check_enabled(target.integration.alias, target.integration.enabled_actions, action_name)


def resolve_connection(
    conn: sa.Connection,
    *,
    org_id: str,
    workspace_id: str,
    integration_name: str,
    needs_connection: bool,
    target: Target,
    connection_external_id: str | None = None,
    end_user_id: str | None = None,
) -> AnyRow | None:
    """The connection row to use (without its credential), or None for an integration that needs none."""
    if connection_external_id is not None:
        row = conn.execute(CONNECTION_SELECT.where(
            _c.c.org_id == org_id, _c.c.integration_name == integration_name,
            _c.c.external_id == connection_external_id)).first()
        if row is None or not visible_in_workspace(row, workspace_id):
            raise connection_not_found(connection_external_id, integration_name)
        return row
    if not needs_connection:
        return None
    wi = target.integration
    if wi is None:
        raise connection_required(integration_name, "the workspace has no alias for this integration; add one or "
                                                    "give connectionExternalId")
    strategy = Strategy(wi.connection_strategy)
    if strategy == Strategy.FIXED:
        return _pinned(conn, wi, integration_name)
    user_connection = None
    if end_user_id is not None:
        user = conn.execute(
            sa.select(_eu.c.id).where(_eu.c.workspace_id == workspace_id, _eu.c.external_id == end_user_id)
        ).first()
        if user is None:
            raise end_user_not_found(end_user_id)
        user_connection = conn.execute(
            CONNECTION_SELECT.where(_c.c.end_user_id == user.id, _c.c.integration_name == integration_name,
                                    _c.c.status == "ACTIVE")
            .order_by(_c.c.created_at.desc(), _c.c.id).limit(1)
        ).first()
    if user_connection is not None:
        return user_connection
    if strategy == Strategy.PER_USER_WITH_FALLBACK and wi.connection_id is not None:
        return _pinned(conn, wi, integration_name)
    raise per_user_required(integration_name, wi.alias, strategy, end_user_id)


def _pinned(conn: sa.Connection, wi: AnyRow, integration_name: str) -> AnyRow:
    if wi.connection_id is None:
        raise connection_required(integration_name, f"alias '{wi.alias}' has no connection")
    row = conn.execute(CONNECTION_SELECT.where(_c.c.id == wi.connection_id)).first()
    if row is None:  # deleted since; the foreign key clears the pin, so this is a race at most
        raise connection_required(integration_name, f"alias '{wi.alias}' has no connection")
    return row


def provider_base_url(
    integration: IntegrationInfo, target: Target, row: AnyRow | None, default_base: str | None,
) -> str | None:
    """Where a provider call goes: the connection's base URL, else the alias's ``baseUrl`` setting, else the
    integration's default; a credential only ever goes to its own host (403 otherwise)."""
    base_url = (row.base_url if row is not None else None) or target.settings.get("baseUrl") or default_base
    if row is not None and integration.needs_connection:
        # The write paths refuse such an alias; this holds for one stored before, or another connection chosen
        # by connectionExternalId or an end user.
        check_credential_host(base_url, allowed_origins(row.base_url, default_base), integration=integration.name)
    return base_url


def connection_ref(row: AnyRow) -> ConnectionRef:
    return ConnectionRef(id=row.id, external_id=row.external_id, display_name=row.display_name, type=row.type,
                         end_user_id=row.end_user_external_id)
