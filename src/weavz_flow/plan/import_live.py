"""``weavz-flow import``: YAML for live objects the config does not declare yet, so an existing setup can be adopted.

What is missing is found by the natural keys plan matches on (workspace slug; connection, end user, alias, partial,
MCP server and approval policy names within it; an MCP server comes with its tools, their partials by name). A
workspace the config lacks gets a new file; objects missing from a workspace the config already has are added to that
workspace's own file (a workspace is declared by exactly one file); writing the YAML is ``config.import_yaml``'s job.

Stored credentials cannot be read back, so every credential part becomes an ``{env: NAME}`` reference with a comment
saying to set it; until it is set, validate and plan report the missing secret by file and line. A webhook approver's
signing secret is write-only too: it becomes such a reference, and the entry's comment names the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from weavz_flow.backends.approval_policies import LiveApprovalPolicy
from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LiveMcpServer,
    LivePartial,
    WorkspaceSnapshot,
)
from weavz_flow.config.import_yaml import (
    ImportedEntry,
    ImportRefusedError,
    ImportResult,
    SecretPlaceholder,
    WorkspaceImport,
)
from weavz_flow.config.model.approval_policies import ApprovalPolicyConfig
from weavz_flow.config.project import Project
from weavz_flow.plan.desired import DesiredState, desired_state, policy_settings
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.mcp_tools import live_view
from weavz_flow.plan.policy_diffs import attributes
from weavz_flow.wire.vocabulary import END_USER_CONNECT_SETTING

# Credential parts by connection type; CUSTOM_AUTH prop names cannot be known from the live side.
_MCP_SERVER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # config.model.workspace.McpServerName
_SECRET_KEYS: Mapping[str, tuple[str, ...]] = {
    "SECRET_TEXT": ("secret",),
    "BASIC_AUTH": ("username", "password"),
    "OAUTH2": ("access_token", "refresh_token"),
}


def collect_import(project: Project, live: LiveState, *, out_dir: Path, workspace: str | None = None,
                   everything_in_out_dir: bool = False) -> ImportResult:
    """What the config lacks, per workspace; ``workspace`` limits it to that slug.

    New workspaces get a file in ``out_dir``. Declared ones are extended in place, unless
    ``everything_in_out_dir``: then their extended copy is written to ``out_dir`` and the project is left as it is."""
    desired = desired_state(project, read_secrets=False)
    if workspace is not None and workspace not in {w.slug for w in live.workspaces}:
        raise ImportRefusedError(f"workspace '{workspace}' does not exist on the backend")
    conns_by_ws: dict[str, list[LiveConnection]] = {}
    skipped: list[str] = []
    for c in sorted(live.connections, key=lambda c: (c.integration, c.external_id)):
        if c.workspace_id is None:
            skipped.append(f"connection '{c.external_id}' ({c.integration}) is organization-wide; workspace files "
                           "hold only workspace connections")
            continue
        conns_by_ws.setdefault(c.workspace_id, []).append(c)
    conn_ext_by_id = {c.id: c.external_id for c in live.connections}
    declared_conns = {(c.integration, c.external_id) for c in desired.connections}
    out: list[WorkspaceImport] = []
    for lw in sorted(live.workspaces, key=lambda w: w.slug):
        if workspace is not None and lw.slug != workspace:
            continue
        snapshot = live.snapshots.get(lw.slug) or WorkspaceSnapshot(lw)
        source = project.workspace_sources.get(lw.slug)
        have = _declared(desired, lw.slug)
        entries: list[ImportedEntry] = []
        for c in conns_by_ws.get(lw.id, ()):
            if (c.integration, c.external_id) in declared_conns:
                continue
            if c.external_id in have["connections"]:
                skipped.append(f"connection '{c.external_id}' ({c.integration}) in workspace '{lw.slug}': the "
                               "config already has a connection with that external id")
                continue
            have["connections"].add(c.external_id)
            entries.append(_connection(lw.slug, c))
        for e in sorted(snapshot.end_users, key=lambda e: e.external_id):
            if e.external_id not in have["end_users"]:
                have["end_users"].add(e.external_id)
                entries.append(_end_user(e))
        for a in sorted(snapshot.aliases, key=lambda a: a.alias):
            if a.alias not in have["integrations"]:
                have["integrations"].add(a.alias)
                entries.append(_alias(a, conn_ext_by_id, skipped, lw.slug))
        for p in sorted(snapshot.partials, key=lambda p: (p.name, p.alias, p.action or "")):
            if p.name in have["partials"]:
                if not _declares_partial(desired, lw.slug, p):
                    skipped.append(f"partial '{p.name}' (alias '{p.alias}') in workspace '{lw.slug}': the "
                                   "config or this import already has a partial with that name")
                continue
            have["partials"].add(p.name)
            entries.append(_partial(p))
        partial_names = {p.id: p.name for p in snapshot.partials}
        for m in sorted(snapshot.mcp_servers, key=lambda m: m.name):
            if m.name in have["mcp_servers"]:
                continue
            if not _MCP_SERVER_NAME.fullmatch(m.name):
                skipped.append(f"MCP server '{m.name}' in workspace '{lw.slug}': its name cannot be a key of "
                               "'mcp_servers' (letters, digits, '_', '.', '-'); rename it to import it")
                continue
            have["mcp_servers"].add(m.name)
            entries.append(_mcp_server(m, partial_names, skipped, lw.slug))
        for g in sorted(snapshot.approval_policies, key=lambda g: (g.name, g.id)):
            if g.name not in have["approval_policies"]:  # any policy name is a valid key (config's PolicyName)
                have["approval_policies"].add(g.name)
                entries.append(_approval_policy(g, lw.slug))
        if source is None:
            name = lw.name if lw.name != lw.slug else None
            out.append(WorkspaceImport(lw.slug, out_dir / f"{lw.slug}.yaml", True, name, tuple(entries)))
        elif entries and everything_in_out_dir and source.path.parent.resolve() != out_dir.resolve():
            out.append(WorkspaceImport(lw.slug, out_dir / source.path.name, False, None, tuple(entries), source.path))
        elif entries:
            out.append(WorkspaceImport(lw.slug, source.path, False, None, tuple(entries)))
    secrets = tuple(s.env for w in out for e in w.entries for s in e.secrets) \
        + tuple(env for w in out for e in w.entries for env in e.placeholders)
    return ImportResult(tuple(out), tuple(skipped), secrets)


def _declared(desired: DesiredState, slug: str) -> dict[str, set[str]]:
    return {
        "connections": {c.external_id for c in desired.connections if c.workspace == slug},
        "end_users": {e.external_id for e in desired.end_users if e.workspace == slug},
        "integrations": {a.alias for a in desired.aliases if a.workspace == slug},
        "partials": {p.name for p in desired.partials if p.workspace == slug},
        "mcp_servers": {m.name for m in desired.mcp_servers if m.workspace == slug},
        "approval_policies": {g.name for g in desired.approval_policies if g.workspace == slug},
    }


def _declares_partial(desired: DesiredState, slug: str, p: LivePartial) -> bool:
    return any(d.workspace == slug and d.name == p.name for d in desired.partials)


def placeholder_env(slug: str, external_id: str, key: str) -> str:
    """``WEAVZ_<SLUG>_<EXTERNAL ID>_<KEY>`` in upper case, every other character an underscore."""
    text = re.sub(r"[^A-Za-z0-9]+", "_", f"WEAVZ_{slug}_{external_id}_{key}").strip("_").upper()
    return text[:128]


def _connection(slug: str, c: LiveConnection) -> ImportedEntry:
    body: dict[str, Any] = {"integration": c.integration, "type": c.type}
    if c.display_name and c.display_name != c.external_id:
        body["display_name"] = c.display_name
    if c.end_user is not None:
        body["end_user"] = c.end_user
    if c.base_url is not None:
        body["base_url"] = c.base_url
    note = None
    if c.type == "CUSTOM_AUTH":
        body["props"] = {}
        note = ("a CUSTOM_AUTH connection: add each credential prop under 'props' as {env: NAME}; the stored values "
                "cannot be read back")
    elif c.type not in _SECRET_KEYS:
        note = f"connection type {c.type} cannot be declared in a workspace file; adjust 'type' and its credentials"
    secrets = tuple(SecretPlaceholder(k, placeholder_env(slug, c.external_id, k)) for k in _SECRET_KEYS.get(c.type, ()))
    return ImportedEntry("connections", c.external_id, body, secrets, note)


def _end_user(e: LiveEndUser) -> ImportedEntry:
    body: dict[str, Any] = {}
    if e.display_name is not None:
        body["display_name"] = e.display_name
    if e.email is not None:
        body["email"] = e.email
    if e.metadata:
        body["metadata"] = dict(e.metadata)
    return ImportedEntry("end_users", e.external_id, body)


def _alias(a: LiveAlias, conn_ext_by_id: Mapping[str, str], skipped: list[str], slug: str) -> ImportedEntry:
    body: dict[str, Any] = {"integration": a.integration}
    connection = conn_ext_by_id.get(a.connection_id) if a.connection_id is not None else None
    if a.connection_id is not None and connection is None:
        skipped.append(f"alias '{a.alias}' in workspace '{slug}': its connection {a.connection_id} was not found")
    strategy = a.strategy
    end_user_connect = a.settings.get(END_USER_CONNECT_SETTING)
    if strategy == "per_user" and connection is None and end_user_connect is None:
        # An alias without a connection is stored as per_user (AliasConfig.stored_strategy): the default reads back.
        strategy = "fixed"
    if strategy != "fixed":
        body["strategy"] = strategy
    if connection is not None:
        body["connection"] = connection
    if a.enabled_actions is not None:
        body["actions"] = list(a.enabled_actions)
    if a.display_name is not None:
        body["display_name"] = a.display_name
    if end_user_connect is not None:
        body["end_user_connect"] = end_user_connect
    settings = _settings_config(a.settings)
    if settings:
        body["settings"] = settings
    return ImportedEntry("integrations", a.alias, body)


def _settings_config(wire: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of desired.alias_settings_wire."""
    out: dict[str, Any] = {}
    persistence = wire.get("persistence")
    if isinstance(persistence, Mapping):
        p: dict[str, Any] = {"scope": persistence.get("scope", "end_user")}
        if persistence.get("externalId") is not None:
            p["external_id"] = persistence["externalId"]
        out["persistence"] = p
    if wire.get("baseUrl") is not None:
        out["base_url"] = wire["baseUrl"]
    return out


def _partial(p: LivePartial) -> ImportedEntry:
    body: dict[str, Any] = {"alias": p.alias}
    if p.action is not None:
        body["action"] = p.action
    if p.description is not None:
        body["description"] = p.description
    if p.values:
        body["values"] = dict(p.values)
    if p.enforced_keys:
        body["enforced"] = list(p.enforced_keys)
    if p.is_default:
        body["default"] = True
    return ImportedEntry("partials", p.name, body)


def _mcp_server(m: LiveMcpServer, partial_names: Mapping[str, str], skipped: list[str], slug: str) -> ImportedEntry:
    """The inverse of desired._mcp_server; tools in their order, partials by name. No token: none is readable."""
    body: dict[str, Any] = {}
    if m.description is not None:
        body["description"] = m.description
    if m.mode != "TOOLS":
        body["mode"] = m.mode
    if m.auth_mode != "oauth":
        body["auth_mode"] = m.auth_mode
    if m.end_user_access is not None:
        body["end_user_access"] = m.end_user_access
    tools = []
    for t in m.tools:
        known = tuple(i for i in t.partial_ids if i in partial_names)
        if len(known) < len(t.partial_ids):
            skipped.append(f"MCP server '{m.name}' in workspace '{slug}': tool '{t.key}' names partials that were "
                           "not found; they are left out")
        tools.append({"tool": t.key, **live_view(replace(t, partial_ids=known), partial_names, None)})
    if tools:
        body["tools"] = tools
    return ImportedEntry("mcp_servers", m.name, body)


def _approval_policy(g: LiveApprovalPolicy, slug: str) -> ImportedEntry:
    """The inverse of desired.policy_settings: every setting that is not the default; a webhook approver's secret as
    an ``{env: NAME}`` reference (stored secrets cannot be read back)."""
    defaults = dict(attributes(policy_settings(ApprovalPolicyConfig())))
    body: dict[str, Any] = {name: value for name, value in attributes(g.settings) if value != defaults[name]}
    placeholders = []
    for i, approver in enumerate(body.get("approvers", ())):
        if approver["type"] == "webhook":
            env = placeholder_env(slug, g.name, f"approver_{i}_webhook_secret")
            approver["webhook_secret"] = {"env": env}
            placeholders.append(env)
    note = None
    if placeholders:
        note = (f"set {' and '.join(placeholders)} to the webhook approver's signing secret (the stored one cannot "
                "be read back; apply sends the one you set)")
    return ImportedEntry("approval_policies", g.name, body, note=note, placeholders=tuple(placeholders))
