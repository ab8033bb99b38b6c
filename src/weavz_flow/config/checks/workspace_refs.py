"""Workspace checks: connections, aliases, partials, MCP servers and approval policies against each other and
against the catalog."""

from __future__ import annotations

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.config.checks.approval_policies import check_approval_policies
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.checks.literal_types import literal_problem
from weavz_flow.config.checks.mcp_servers import check_mcp_servers
from weavz_flow.config.model.workspace import AliasConfig, Strategy, WorkspaceFile
from weavz_flow.config.project import Project, SourceFile
from weavz_flow.credential_hosts import RULE, allowed_origins, origin, shown
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.suggest import did_you_mean

# OAUTH2 connections stand for the catalog's platform-managed OAuth too.
_TYPE_ALIASES = {"OAUTH2": {"OAUTH2", "PLATFORM_OAUTH2"}}


def check_workspaces(project: Project, catalog: Catalog, findings: Findings) -> None:
    connection_owner: dict[tuple[str, str], tuple[str, SourceFile]] = {}
    for slug, workspace in project.workspaces.items():
        source = project.workspace_source(slug)
        _check_connections(workspace, source, catalog, findings, connection_owner)
        _check_aliases(workspace, source, catalog, findings)
        _check_partials(workspace, source, catalog, findings)
        check_mcp_servers(workspace, source, catalog, findings)
        check_approval_policies(workspace, source, catalog, findings)


def find_integration(
    name: str, catalog: Catalog, findings: Findings, source: SourceFile, *path: str | int
) -> IntegrationInfo | None:
    info = catalog.find(name)
    if info is None:
        findings.error("unknown-integration", f"unknown integration '{name}'", source.at(*path),
                       did_you_mean(name, catalog.names) or "list them with 'weavz-flow integrations list'")
    return info


def _check_connections(
    workspace: WorkspaceFile,
    source: SourceFile,
    catalog: Catalog,
    findings: Findings,
    owner: dict[tuple[str, str], tuple[str, SourceFile]],
) -> None:
    for ext_id, conn in workspace.connections.items():
        # A connection's natural key is (integration, externalId) across the whole org, not per workspace.
        key = (conn.integration, ext_id)
        if key in owner:
            first_slug, first_source = owner[key]
            findings.error(
                "duplicate-connection",
                f"connection '{ext_id}' for '{conn.integration}' is also declared in workspace '{first_slug}'",
                source.key_at("connections", ext_id),
                f"first declared at {first_source.key_at('connections', ext_id)}; give each its own name",
            )
        else:
            owner[key] = (workspace.workspace, source)
        info = find_integration(conn.integration, catalog, findings, source, "connections", ext_id, "integration")
        if info is not None:
            if not info.auth_types:
                findings.warning("connection-unused", f"integration '{info.name}' needs no connection",
                                 source.key_at("connections", ext_id))
            elif not (_TYPE_ALIASES.get(conn.type.value, {conn.type.value}) & set(info.auth_types)):
                accepted = ", ".join(info.auth_types)
                findings.warning("connection-type", f"'{info.name}' takes {accepted} connections, not {conn.type}",
                                 source.at("connections", ext_id, "type"))
        if (conn.end_user is not None and conn.end_user not in workspace.end_users
                and not source.damage.may_hold(conn.end_user, "end_users")):
            findings.error("unknown-end-user", f"end user '{conn.end_user}' is not declared in this workspace",
                           source.at("connections", ext_id, "end_user"),
                           did_you_mean(conn.end_user, workspace.end_users) or "declare it under 'end_users'")


def _check_aliases(workspace: WorkspaceFile, source: SourceFile, catalog: Catalog, findings: Findings) -> None:
    for alias, cfg in workspace.integrations.items():
        info = find_integration(cfg.integration, catalog, findings, source, "integrations", alias, "integration")
        if cfg.connection is not None:
            conn = workspace.connections.get(cfg.connection)
            where = source.at("integrations", alias, "connection")
            if conn is None:
                if not source.damage.may_hold(cfg.connection, "connections"):
                    findings.error("unknown-connection",
                                   f"connection '{cfg.connection}' is not declared in this workspace", where,
                                   did_you_mean(cfg.connection, workspace.connections)
                                   or "declare it under 'connections'")
            elif conn.integration != cfg.integration:
                fitting = [n for n, c in workspace.connections.items() if c.integration == cfg.integration]
                findings.error("connection-mismatch",
                               f"connection '{cfg.connection}' is for '{conn.integration}', not '{cfg.integration}'",
                               where, "connections for it here: " + ", ".join(f"'{n}'" for n in fitting) if fitting
                               else f"declare a connection with 'integration: {cfg.integration}'")
        if info is None:
            continue
        _check_alias_base_url(workspace, source, alias, cfg, info, findings)
        # per_user_with_fallback without a connection runs as per_user until one is set: nothing to require.
        # A strategy or connection with a schema error was left out: its default would only mislead here.
        if info.needs_connection and cfg.strategy is Strategy.FIXED and cfg.connection is None \
                and not source.damage.touches("integrations", alias):
            findings.error("connection-required",
                           f"alias '{alias}' uses strategy '{cfg.strategy}' and '{info.name}' needs credentials, "
                           "so it needs a 'connection'",
                           source.key_at("integrations", alias),
                           "add 'connection: <externalId>' or use strategy 'per_user'")
        for i, action in enumerate(cfg.actions or ()):
            if action not in info.actions:
                findings.error("unknown-action", f"integration '{info.name}' has no action '{action}'",
                               source.at("integrations", alias, "actions", i), did_you_mean(action, info.actions)
                               or f"list its actions with 'weavz-flow integrations show {info.name}'")


def _check_alias_base_url(
    workspace: WorkspaceFile, source: SourceFile, alias: str, cfg: AliasConfig, info: IntegrationInfo,
    findings: Findings,
) -> None:
    """The engine refuses an alias's base_url that would send a credential off its connection's host (README
    "Security model"): say so here, at the line, instead of at apply time."""
    base_url = cfg.settings.base_url if cfg.settings is not None else None
    if base_url is None or not info.needs_connection:
        return
    pinned = workspace.connections.get(cfg.connection) if cfg.connection is not None else None
    connection_base = str(pinned.base_url) if pinned is not None and pinned.base_url is not None else None
    if origin(str(base_url)) in allowed_origins(connection_base, None):
        return
    # Only now look up the integration's default host: it imports that one native module, which validate avoids.
    native = NATIVE_INTEGRATIONS.get(info.name)
    allowed = allowed_origins(connection_base, native.default_base_url if native is not None else None)
    if origin(str(base_url)) in allowed:
        return
    hosts = ", ".join(sorted(shown(o) for o in allowed)) or "none"
    findings.error(
        "credential-host",
        f"alias '{alias}' sends '{info.name}' credentials to {shown(origin(str(base_url)))}: {RULE}",
        source.at("integrations", alias, "settings", "base_url"),
        f"allowed here: {hosts}; to use another host, set base_url on the connection itself"
        + ("" if pinned is not None else " (and pin it with 'connection')"),
    )


def _check_partials(workspace: WorkspaceFile, source: SourceFile, catalog: Catalog, findings: Findings) -> None:
    for name, partial in workspace.partials.items():
        alias_cfg = workspace.integrations.get(partial.alias)
        if alias_cfg is None:
            if source.damage.may_hold(partial.alias, "integrations"):
                continue
            findings.error("unknown-alias", f"partial '{name}' refers to alias '{partial.alias}', "
                           "which this workspace does not declare", source.at("partials", name, "alias"),
                           did_you_mean(partial.alias, workspace.integrations) or "declare it under 'integrations'")
            continue
        info = catalog.find(alias_cfg.integration)
        if info is None:
            continue  # reported on the alias
        if partial.action is not None:
            action = info.actions.get(partial.action)
            if action is None:
                findings.error("unknown-action", f"integration '{info.name}' has no action '{partial.action}'",
                               source.at("partials", name, "action"), did_you_mean(partial.action, info.actions)
                               or f"list its actions with 'weavz-flow integrations show {info.name}'")
                continue
            inputs: set[str] = set(action.field_names)
            scope = f"action '{info.name}.{action.name}'"
        else:
            inputs = {f for a in info.actions.values() for f in a.field_names}
            scope = f"any action of '{info.name}'"
        for key, value in partial.values.items():
            where = source.key_at("partials", name, "values", key)
            if key not in inputs:
                findings.error("unknown-input-key", f"partial key '{key}' is not an input of {scope}", where,
                               did_you_mean(key, inputs) or f"see 'weavz-flow integrations show {info.name}'")
                continue
            # An integration-wide partial's value is wrong only if every action that takes the key refuses it.
            actions = [info.actions[partial.action]] if partial.action is not None else list(info.actions.values())
            fields = [f for a in actions if (f := a.field(key)) is not None]
            problems = [literal_problem(f, value) for f in fields]
            first = problems[0] if problems else None
            if first is not None and all(problems):
                findings.error("wrong-type", first.message, source.at("partials", name, "values", key), first.hint)
