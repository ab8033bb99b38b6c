"""The checks of an MCP server's explicit tool, in the write transaction that stores it.

A tool names a catalog action, optionally through an alias. The alias is either one of the workspace's (then it must
be for the tool's integration) or a label of this server's own; either way one alias means one integration, across
the workspace's aliases and this server's tools (409 ALIAS_CONFLICT otherwise). Partials assigned to a tool must be
the alias's, for the tool's action (the execute pipeline's own rule, :func:`choose_partials`); a connection must be
one of the integration's that the workspace can see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.alias_choice import choose_alias
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.naming import Strategy, check_alias
from weavz_flow.engine.partial_merge import choose_partials
from weavz_flow.engine.services.workspace_integrations import check_connection
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode

_wi = t.workspace_integrations
_tools = t.mcp_tools
_p = t.partials


def alias_key(alias: str | None) -> str:
    """The alias as the unique constraint (server, integration, action, alias) sees it."""
    return alias or ""


def check_tool(
    conn: sa.Connection,
    caller: Caller,
    server: AnyRow,
    *,
    integration_name: str,
    action_name: str,
    alias: str | None,
    connection_id: str | None,
    partial_ids: Sequence[str],
    tool_id: str | None = None,
) -> None:
    """Every rule of one tool; ``tool_id`` is the tool being changed (not a conflict with itself)."""
    if alias is not None:
        check_alias(alias)
    workspace_aliases = conn.execute(
        sa.select(_wi).where(_wi.c.workspace_id == server.workspace_id)
    ).all()
    if alias is not None:
        _check_alias_bound(conn, server.id, workspace_aliases, alias, integration_name, tool_id)
    _check_unique(conn, server.id, integration_name, action_name, alias, tool_id)
    if connection_id is not None:  # the rule of an alias's pinned connection
        check_connection(conn, caller, server.workspace_id, integration_name, Strategy.FIXED, connection_id)
    if partial_ids:
        _check_partials(conn, server.workspace_id, workspace_aliases, integration_name, action_name, alias,
                        partial_ids)


def duplicate(integration_name: str, action_name: str, alias: str | None) -> ApiError:
    named = f"{alias}.{action_name}" if alias else f"{integration_name}.{action_name}"
    return ApiError(ErrorCode.DUPLICATE, f"This server already has a tool for {named}",
                    details={"integrationName": integration_name, "actionName": action_name,
                             "integrationAlias": alias}, status=409)


def _check_alias_bound(
    conn: sa.Connection, server_id: str, workspace_aliases: Sequence[AnyRow], alias: str, integration_name: str,
    tool_id: str | None,
) -> None:
    bound = next((r.integration_name for r in workspace_aliases if r.alias == alias), None)
    if bound is None:
        where: list[Any] = [_tools.c.server_id == server_id, _tools.c.integration_alias == alias,
                            _tools.c.integration_name != integration_name]
        if tool_id is not None:
            where.append(_tools.c.id != tool_id)
        bound = conn.execute(sa.select(_tools.c.integration_name).where(*where).limit(1)).scalar()
    if bound is not None and bound != integration_name:
        raise ApiError(ErrorCode.ALIAS_CONFLICT,
                       f"Alias '{alias}' is already bound to integration '{bound}', not '{integration_name}'",
                       details={"integrationAlias": alias, "integrationName": bound}, status=409)


def _check_unique(
    conn: sa.Connection, server_id: str, integration_name: str, action_name: str, alias: str | None,
    tool_id: str | None,
) -> None:
    where: list[Any] = [_tools.c.server_id == server_id, _tools.c.integration_name == integration_name,
                        _tools.c.action_name == action_name, _tools.c.alias_key == alias_key(alias)]
    if tool_id is not None:
        where.append(_tools.c.id != tool_id)
    if conn.execute(sa.select(_tools.c.id).where(*where).limit(1)).first() is not None:
        raise duplicate(integration_name, action_name, alias)


def _check_partials(
    conn: sa.Connection, workspace_id: str, workspace_aliases: Sequence[AnyRow], integration_name: str,
    action_name: str, alias: str | None, partial_ids: Sequence[str],
) -> None:
    """As execute checks ``partialIds`` for the alias the tool's calls will target (a server's own label targets no
    workspace alias, so no partial matches it)."""
    if alias is not None:
        target = next((r for r in workspace_aliases if r.alias == alias), None)
    else:
        target = choose_alias(workspace_aliases, integration_name)
    rows = conn.execute(sa.select(_p).where(
        _p.c.workspace_id == workspace_id,
        sa.or_(_p.c.id.in_(sorted(set(partial_ids))),
               _p.c.workspace_integration_id == (target.id if target is not None else None)),
    )).all()
    choose_partials(rows, alias_id=target.id if target is not None else None,
                    alias=target.alias if target is not None else alias, action_name=action_name,
                    partial_ids=partial_ids)
