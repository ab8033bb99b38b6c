"""Desired state: the config's workspaces turned into typed objects, with secret references read into Sensitive.

A missing environment variable or unreadable secret file is an error naming the file:line of the reference; every
such problem is collected and raised together as one ConfigError.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavz_flow.backends.approval_policies import ApproverSettings, PolicySettings
from weavz_flow.config.model.approval_policies import ApprovalPolicyConfig
from weavz_flow.config.model.base import SecretRef
from weavz_flow.config.model.workspace import AliasConfig, ConnectionConfig, McpServerConfig, WorkspaceFile
from weavz_flow.config.project import Project, SourceFile
from weavz_flow.config.secret_values import SecretUnavailableError, resolve_secret
from weavz_flow.diagnostics import Diagnostic, Position, Severity
from weavz_flow.engine.gates.rules import check_rules
from weavz_flow.errors import ApiError, ConfigError
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.approval_policies import WEBHOOK_SECRET_MIN
from weavz_flow.wire.vocabulary import END_USER_CONNECT_SETTING


@dataclass(frozen=True, slots=True)
class DesiredWorkspace:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class DesiredEndUser:
    workspace: str
    external_id: str
    display_name: str | None = None
    email: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DesiredConnection:
    workspace: str
    external_id: str
    integration: str
    type: str
    credentials: Credentials | None  # None when secrets were not read (import, offline checks)
    display_name: str | None = None
    end_user: str | None = None
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class DesiredAlias:
    workspace: str
    alias: str
    integration: str
    strategy: str
    connection: str | None = None  # externalId of a connection
    enabled_actions: tuple[str, ...] | None = None
    display_name: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)  # wire-shaped, like LiveAlias.settings


@dataclass(frozen=True, slots=True)
class DesiredPartial:
    workspace: str
    name: str
    alias: str
    integration: str
    action: str | None = None
    description: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    enforced_keys: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class DesiredMcpTool:
    alias: str
    integration: str  # the alias's ("" when the alias is undeclared: a validate error)
    action: str
    display_name: str | None = None
    description: str | None = None
    input_defaults: Mapping[str, Any] = field(default_factory=dict)
    partials: tuple[str, ...] = ()  # partial names; apply turns them into the backend's ids

    @property
    def key(self) -> str:
        return f"{self.alias}.{self.action}"


@dataclass(frozen=True, slots=True)
class DesiredMcpServer:
    workspace: str
    name: str
    mode: str
    auth_mode: str
    description: str | None = None
    end_user_access: str | None = None
    tools: tuple[DesiredMcpTool, ...] = ()  # in order: a tool's index is its sort order


@dataclass(frozen=True, slots=True)
class DesiredApprovalPolicy:
    workspace: str
    name: str
    settings: PolicySettings
    # Per approver: its webhook secret as read, or None (none declared). Empty when secrets were not read.
    webhook_secrets: tuple[Sensitive[str] | None, ...] = ()


@dataclass(frozen=True, slots=True)
class DesiredState:
    workspaces: tuple[DesiredWorkspace, ...] = ()
    end_users: tuple[DesiredEndUser, ...] = ()
    connections: tuple[DesiredConnection, ...] = ()
    aliases: tuple[DesiredAlias, ...] = ()
    partials: tuple[DesiredPartial, ...] = ()
    mcp_servers: tuple[DesiredMcpServer, ...] = ()
    approval_policies: tuple[DesiredApprovalPolicy, ...] = ()


def desired_state(
    project: Project, *, environ: Mapping[str, str] | None = None, read_secrets: bool = True
) -> DesiredState:
    """Every workspace of ``project`` as desired objects; raises ConfigError listing each unresolvable secret."""
    env = os.environ if environ is None else environ
    problems: list[Diagnostic] = []
    out: dict[str, list[Any]] = {"w": [], "e": [], "c": [], "a": [], "p": [], "m": [], "g": []}
    for slug in sorted(project.workspaces):
        ws = project.workspaces[slug]
        source = project.workspace_sources.get(slug)
        resolver = _SecretReader(project.root, env, source, problems) if read_secrets else None
        _collect(ws, resolver, out)
    if problems:
        raise ConfigError(problems)
    return DesiredState(tuple(out["w"]), tuple(out["e"]), tuple(out["c"]), tuple(out["a"]), tuple(out["p"]),
                        tuple(out["m"]), tuple(out["g"]))


def _collect(ws: WorkspaceFile, resolver: _SecretReader | None, out: dict[str, list[Any]]) -> None:
    slug = ws.workspace
    out["w"].append(DesiredWorkspace(slug, ws.display_name))
    for ext, user in ws.end_users.items():
        out["e"].append(DesiredEndUser(slug, ext, user.display_name, user.email, dict(user.metadata)))
    for ext, conn in ws.connections.items():
        creds = resolver.credentials(ext, conn) if resolver is not None else None
        out["c"].append(DesiredConnection(slug, ext, conn.integration, conn.type.value, creds, conn.display_name,
                                          conn.end_user, conn.base_url))
    for name, alias in ws.integrations.items():
        out["a"].append(_alias(slug, name, alias))
    for name, partial in ws.partials.items():
        alias_cfg = ws.integrations.get(partial.alias)
        # An unknown alias is a validate error; the integration stays empty so compute cannot match it by accident.
        integration = alias_cfg.integration if alias_cfg is not None else ""
        out["p"].append(DesiredPartial(slug, name, partial.alias, integration, partial.action, partial.description,
                                       dict(partial.values), tuple(partial.enforced), partial.default))
    for name, server in ws.mcp_servers.items():
        out["m"].append(_mcp_server(ws, name, server))
    for name, policy in ws.approval_policies.items():
        secrets = resolver.webhook_secrets(name, policy) if resolver is not None else ()
        out["g"].append(DesiredApprovalPolicy(slug, name, policy_settings(policy), secrets))


def policy_settings(policy: ApprovalPolicyConfig) -> PolicySettings:
    """The settings a backend stores for ``policy``: values as the engine keeps them (lists without repeats, rules
    in their checked form), so that a converged policy plans no change."""
    def listed(values: list[Any] | None) -> tuple[str, ...] | None:
        return None if values is None else tuple(dict.fromkeys(str(v) for v in values))

    rules: dict[str, Any] | None = policy.rules
    # Rules that do not check stay as written: validate reports them, and the backend refuses them at apply.
    with contextlib.suppress(ApiError):
        rules = check_rules(rules) if rules is not None else None
    approvers = tuple(ApproverSettings(a.type.value, tuple(a.roles), tuple(a.user_ids), a.webhook_url)
                      for a in policy.approvers)
    return PolicySettings(
        enabled=policy.enabled, priority=policy.priority, end_user_mode=policy.end_user_mode.value,
        decision=policy.decision.value, risk_mode=policy.risk_mode.value, approvers=approvers,
        timeout_seconds=policy.timeout_seconds, default_on_timeout=policy.default_on_timeout.value,
        approval_access_mode=policy.approval_access_mode.value, description=policy.description,
        sources=listed(policy.sources), integration_names=listed(policy.integration_names),
        integration_aliases=listed(policy.aliases), action_names=listed(policy.actions),
        connection_strategies=listed(policy.connection_strategies), rules=rules,
        reuse_window_seconds=policy.reuse_window_seconds, metadata=policy.metadata,
    )


def _mcp_server(ws: WorkspaceFile, name: str, server: McpServerConfig) -> DesiredMcpServer:
    tools = []
    for tool in server.tools:
        alias_cfg = ws.integrations.get(tool.alias)
        tools.append(DesiredMcpTool(tool.alias, alias_cfg.integration if alias_cfg is not None else "", tool.action,
                                    tool.display_name, tool.description, dict(tool.input_defaults),
                                    tuple(tool.partials)))
    return DesiredMcpServer(ws.workspace, name, server.mode.value, server.auth_mode.value, server.description,
                            server.end_user_access, tuple(tools))


def _alias(slug: str, name: str, alias: AliasConfig) -> DesiredAlias:
    # Backends keep each enabled action once, in order; a repeated one must not plan a change on every run.
    actions = tuple(dict.fromkeys(alias.actions)) if alias.actions is not None else None
    return DesiredAlias(slug, name, alias.integration, alias.stored_strategy.value, alias.connection, actions,
                        alias.display_name, alias_settings_wire(alias))


def alias_settings_wire(alias: AliasConfig) -> dict[str, Any]:
    """The alias's settings as the Weavz API spells them (camelCase, absent parts left out)."""
    settings = alias.settings
    out: dict[str, Any] = {}
    if alias.end_user_connect is not None:
        out[END_USER_CONNECT_SETTING] = alias.end_user_connect.value
    if settings is None:
        return out
    if settings.persistence is not None:
        persistence: dict[str, Any] = {"scope": settings.persistence.scope.value}
        if settings.persistence.external_id is not None:
            persistence["externalId"] = settings.persistence.external_id
        out["persistence"] = persistence
    if settings.base_url is not None:
        out["baseUrl"] = settings.base_url
    return out


class _SecretReader:
    """Reads one workspace file's secret references, recording a positioned diagnostic for each failure."""

    def __init__(self, root: Path, env: Mapping[str, str], source: SourceFile | None, problems: list[Diagnostic]):
        self._root = root
        self._env = env
        self._source = source
        self._problems = problems

    def credentials(self, ext: str, conn: ConnectionConfig) -> Credentials:
        def read(key: str, ref: SecretRef | None) -> Sensitive[str] | None:
            if ref is None:
                return None
            value = self._read(ref, ("connections", ext, *key.split(".")))
            return Sensitive(value) if value is not None else None

        username = conn.username if isinstance(conn.username, str) else None
        if isinstance(conn.username, SecretRef):
            secret_username = read("username", conn.username)
            username = secret_username.reveal() if secret_username is not None else None
        props: Sensitive[dict[str, Any]] | None = None
        if conn.props is not None:
            values = {name: read(f"props.{name}", ref) for name, ref in conn.props.items()}
            props = Sensitive({n: v.reveal() for n, v in values.items() if v is not None})
        return Credentials(
            type=conn.type.value,
            secret_text=read("secret", conn.secret),
            username=username,
            password=read("password", conn.password),
            props=props,
            access_token=read("access_token", conn.access_token),
            refresh_token=read("refresh_token", conn.refresh_token),
        )

    def webhook_secrets(self, name: str, policy: ApprovalPolicyConfig) -> tuple[Sensitive[str] | None, ...]:
        out: list[Sensitive[str] | None] = []
        for i, approver in enumerate(policy.approvers):
            ref = approver.webhook_secret
            path = ("approval_policies", name, "approvers", i, "webhook_secret")
            value = self._read(ref, path) if ref is not None else None
            if ref is not None and value is not None and len(value) < WEBHOOK_SECRET_MIN:
                where = self._source.at(*path) if self._source is not None else None
                self._problem("weak-secret", f"the webhook secret {ref.describe()} is shorter than "
                              f"{WEBHOOK_SECRET_MIN} characters; the backend would refuse it", where)
                value = None
            out.append(Sensitive(value) if value is not None else None)
        return tuple(out)

    def _read(self, ref: SecretRef, path: tuple[str | int, ...]) -> str | None:
        where = self._source.at(*path) if self._source is not None else None
        try:
            value = resolve_secret(ref, self._root, self._env).reveal()
        except SecretUnavailableError as exc:
            hint = f"export {ref.env} before running plan or apply" if ref.env is not None else None
            self._problem("missing-secret", str(exc), where, hint)
            return None
        if value == "":
            self._problem("missing-secret", f"the secret {ref.describe()} is empty", where)
            return None
        return value

    def _problem(self, code: str, message: str, where: Position | None, hint: str | None = None) -> None:
        self._problems.append(Diagnostic(Severity.ERROR, code, message, where, hint))

