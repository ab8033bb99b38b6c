"""Where a trigger source's provider calls go, resolved with the execute pipeline's own steps (DESIGN.md "Execute
pipeline" 1-7): the workspace (scope check), the catalog entry, the alias (:func:`pick_workspace_integration`), the
connection (:func:`resolve_connection`), the partials (:func:`select_partials` for the trigger: integration-wide and
the trigger's own; enforced keys win) merged with :func:`merge_input`, and the input checked with
:func:`check_input` against the :class:`TriggerInfo`.

:func:`resolve_source` runs once, at enable (or a flow's registration): its merged input is stored with the source.
:func:`locate` runs at each poll and inbound request: alias and connection again from the stored selectors, so a
deleted or revoked connection stops the source, and the credential is always the current one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.input_check import check_input
from weavz_flow.catalog.model import IntegrationInfo, TriggerInfo
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.execute import validation_error
from weavz_flow.engine.execute_values import ConnectionRef
from weavz_flow.engine.partial_merge import MergedInput, merge_input, select_partials
from weavz_flow.engine.persistence import persistence_namespace
from weavz_flow.engine.resolution import (
    Target,
    connection_ref,
    pick_workspace_integration,
    provider_base_url,
    resolve_connection,
)
from weavz_flow.engine.services.connections import ConnectionService
from weavz_flow.engine.services.scope import workspace_row
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import Credentials
from weavz_flow.integrations.trigger_base import NativeTrigger


@dataclass(frozen=True, slots=True)
class Selectors:
    """How a source addresses its integration: the execute request's selectors."""

    workspace_id: str
    integration_name: str
    trigger_name: str
    workspace_integration_id: str | None = None
    integration_alias: str | None = None
    connection_external_id: str | None = None
    end_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Located:
    """A source's provider side now: alias, connection (and credential), base URL, persistence namespace."""

    integration: IntegrationInfo
    info: TriggerInfo
    native: NativeTrigger
    target: Target
    connection: ConnectionRef | None
    credentials: Credentials | None
    base_url: str | None
    namespace: str


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    located: Located
    merged: MergedInput


def trigger_entry(catalog: Catalog, source: CatalogSource, integration_name: str,
                  trigger_name: str) -> tuple[IntegrationInfo, TriggerInfo, NativeTrigger]:
    """The catalog entry and the native trigger: 404 INTEGRATION_NOT_FOUND / TRIGGER_NOT_FOUND otherwise."""
    integration = catalog.integration(integration_name)
    info = integration.triggers.get(trigger_name)
    native_integration = source.natives.get(integration.name)
    native = native_integration.triggers.get(trigger_name) if native_integration is not None else None
    if info is None or native is None:
        raise ApiError(ErrorCode.TRIGGER_NOT_FOUND,
                       f"Trigger '{trigger_name}' not found in integration '{integration.name}'",
                       details={"integrationName": integration.name, "triggerName": trigger_name,
                                "available": sorted(integration.triggers)})
    return integration, info, native


def locate(
    conn: sa.Connection, source: CatalogSource, connections: ConnectionService, org_id: str, selectors: Selectors,
) -> Located:
    """Steps 2-4 and the provider's address for ``selectors`` (the caller's scope is checked by the caller)."""
    integration, info, native = trigger_entry(source.catalog(), source, selectors.integration_name,
                                              selectors.trigger_name)
    target = pick_workspace_integration(conn, selectors.workspace_id, integration.name,
                                        workspace_integration_id=selectors.workspace_integration_id,
                                        integration_alias=selectors.integration_alias)
    row = resolve_connection(conn, org_id=org_id, workspace_id=selectors.workspace_id,
                             integration_name=integration.name, needs_connection=integration.needs_connection,
                             target=target, connection_external_id=selectors.connection_external_id,
                             end_user_id=selectors.end_user_id)
    credentials = connections.load_credentials(conn, row.id) if row is not None else None
    default_base = source.natives[integration.name].default_base_url
    return Located(
        integration=integration, info=info, native=native, target=target,
        connection=connection_ref(row) if row is not None else None, credentials=credentials,
        base_url=provider_base_url(integration, target, row, default_base),
        namespace=persistence_namespace(selectors.workspace_id, target.settings, selectors.end_user_id),
    )


def resolve_source(
    conn: sa.Connection, source: CatalogSource, connections: ConnectionService, caller: Caller,
    selectors: Selectors, caller_input: dict[str, Any], partial_ids: list[str] | None,
) -> ResolvedSource:
    """Steps 1-7 for a new source: scope, alias, connection, partials merged with the input, the input checked."""
    workspace_row(conn, caller, selectors.workspace_id)  # 1: 403 SCOPE_DENIED / 404
    located = locate(conn, source, connections, caller.org_id, selectors)
    partials = select_partials(conn, workspace_id=selectors.workspace_id, target=located.target,
                               action_name=located.info.name, partial_ids=partial_ids, for_trigger=True)
    merged = merge_input(located.info.defaults(), partials, copy.deepcopy(caller_input))
    problems = check_input(located.info, merged.values)
    if problems:
        raise validation_error(located.info, problems)
    return ResolvedSource(located, merged)
