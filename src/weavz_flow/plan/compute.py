"""Desired plus live gives a Plan. Pure: no backend, no files, no clock.

Objects are matched by natural key within their workspace (a connection by (integration, externalId)). When an
attribute that cannot change in place differs, the change is a replace with the reason. Live objects the config does
not declare are listed as unmanaged, or deleted when ``prune`` is set. ``targets`` limit the change set to the named
addresses (and what they need to exist first); nothing outside them is ever treated as deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.backends.approval_policies import LiveApprovalPolicy
from weavz_flow.backends.live import LiveAlias, LiveConnection, LiveEndUser, LiveMcpServer, LivePartial, LiveWorkspace
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan import policy_diffs
from weavz_flow.plan.desired import (
    DesiredAlias,
    DesiredApprovalPolicy,
    DesiredConnection,
    DesiredEndUser,
    DesiredMcpServer,
    DesiredPartial,
    DesiredState,
    DesiredWorkspace,
)
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.mcp_tools import tool_diffs
from weavz_flow.plan.model import Action, Address, AttributeDiff, Change, ObjectKind, Plan
from weavz_flow.sensitive import Sensitive

CREDENTIALS = "credentials"


class PlanError(WeavzFlowError):
    """The desired state cannot be planned (two workspaces declare one connection, a target matches nothing)."""


@dataclass(frozen=True, slots=True)
class PlanOptions:
    prune: bool = False
    targets: tuple[Address, ...] = ()
    connection_update: bool = True  # the backend can change stored credentials in place
    backend: str = ""


@dataclass
class _Builder:
    live: LiveState
    options: PlanOptions
    fingerprints: Mapping[Address, str]
    secret_fingerprints: Mapping[Address, tuple[str | None, ...]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Change] = field(default_factory=list)  # as delete changes; kept only when pruning
    replaced: set[Address] = field(default_factory=set)  # replaced delete-then-create: dependents re-point
    conn_by_id: dict[str, LiveConnection] = field(default_factory=dict)

    def add(self, change: Change) -> None:
        if change.action is Action.REPLACE and not change.create_before_destroy:
            self.replaced.add(change.address)
        self.changes.append(change)


def compute_plan(
    desired: DesiredState,
    live: LiveState,
    *,
    credential_fingerprints: Mapping[Address, str] | None = None,
    secret_fingerprints: Mapping[Address, tuple[str | None, ...]] | None = None,
    options: PlanOptions | None = None,
) -> Plan:
    """``secret_fingerprints``: per approval policy, a fingerprint of each approver's declared webhook secret."""
    opts = options or PlanOptions()
    fps = dict(credential_fingerprints or {})
    secret_fps = dict(secret_fingerprints or {})
    b = _Builder(live, opts, fps, secret_fps, conn_by_id={c.id: c for c in live.connections})
    ws_by_slug = {w.slug: w for w in live.workspaces}
    ws_slug_by_id = {w.id: w.slug for w in live.workspaces}
    desired_slugs = {w.slug for w in desired.workspaces}

    for dw in desired.workspaces:
        _workspace(b, dw, ws_by_slug.get(dw.slug))
    for slug, lw in sorted(ws_by_slug.items()):
        if slug not in desired_slugs:
            _unmanaged_workspace(b, lw, ws_slug_by_id)

    _end_users(b, desired, desired_slugs)
    _connections(b, desired, ws_by_slug, ws_slug_by_id, desired_slugs)
    _aliases(b, desired, desired_slugs)
    _partials(b, desired, desired_slugs)
    _mcp_servers(b, desired, desired_slugs)
    _approval_policies(b, desired, desired_slugs)

    changes = b.changes + (b.unmanaged if opts.prune else [])
    unmanaged = [] if opts.prune else [c.address for c in b.unmanaged]
    if opts.targets:
        changes, unmanaged = _select_targets(changes, unmanaged, opts.targets)
    ordered = _apply_order(changes)
    kept = {c.address for c in ordered}
    return Plan(
        changes=tuple(ordered),
        live_fingerprint=live.fingerprint(),
        unmanaged=tuple(sorted(unmanaged, key=_sort_key)),
        prune=opts.prune,
        targets=opts.targets,
        backend=opts.backend,
        credential_fingerprints={a: fp for a, fp in fps.items() if a in kept},
        secret_fingerprints={a: fp for a, fp in secret_fps.items() if a in kept},
        prior=live,
    )


# --- workspaces ----------------------------------------------------------------------------------------------------


def _workspace(b: _Builder, dw: DesiredWorkspace, lw: LiveWorkspace | None) -> None:
    address = Address(dw.slug)
    if lw is None:
        b.add(Change(address, Action.CREATE, (AttributeDiff("name", None, dw.name),), desired=dw))
        return
    diffs = _diffs([("name", lw.name, dw.name)])
    b.add(Change(address, Action.UPDATE if diffs else Action.NO_OP, diffs, live_id=lw.id, desired=dw, live=lw))


def _unmanaged_workspace(b: _Builder, lw: LiveWorkspace, ws_slug_by_id: Mapping[str, str]) -> None:
    snapshot = b.live.snapshots.get(lw.slug)
    if snapshot is not None:
        for g in snapshot.approval_policies:
            b.unmanaged.append(_delete(Address(lw.slug, ObjectKind.APPROVAL_POLICY, g.name), g))
        for s in snapshot.mcp_servers:
            b.unmanaged.append(_delete(Address(lw.slug, ObjectKind.MCP_SERVER, s.name), s))
        for p in snapshot.partials:
            b.unmanaged.append(_delete(Address(lw.slug, ObjectKind.PARTIAL, p.name), p))
        for a in snapshot.aliases:
            b.unmanaged.append(_delete(Address(lw.slug, ObjectKind.ALIAS, a.alias), a))
        for e in snapshot.end_users:
            b.unmanaged.append(_delete(Address(lw.slug, ObjectKind.END_USER, e.external_id), e))
    for c in b.live.connections:
        if c.workspace_id == lw.id:
            b.unmanaged.append(_delete(Address(lw.slug, ObjectKind.CONNECTION, c.external_id), c))
    b.unmanaged.append(_delete(Address(lw.slug), lw))


def _delete(address: Address, live: Any) -> Change:
    return Change(address, Action.DELETE, live_id=live.id, live=live, reason="not in the config; --prune destroys it")


# --- end users -----------------------------------------------------------------------------------------------------


def _end_users(b: _Builder, desired: DesiredState, slugs: set[str]) -> None:
    wanted: dict[tuple[str, str], DesiredEndUser] = {(d.workspace, d.external_id): d for d in desired.end_users}
    by_ws = _by_workspace(desired.end_users)
    for slug in sorted(slugs):
        snapshot = b.live.snapshots.get(slug)
        live = {e.external_id: e for e in snapshot.end_users} if snapshot else {}
        for d in by_ws.get(slug, ()):
            _end_user(b, d, live.get(d.external_id))
        for ext, e in sorted(live.items()):
            if (slug, ext) not in wanted:
                b.unmanaged.append(_delete(Address(slug, ObjectKind.END_USER, ext), e))


def _end_user(b: _Builder, d: DesiredEndUser, live: LiveEndUser | None) -> None:
    address = Address(d.workspace, ObjectKind.END_USER, d.external_id)
    deps = (Address(d.workspace),)
    attrs = [("display_name", d.display_name), ("email", d.email), ("metadata", dict(d.metadata))]
    if live is None:
        b.add(Change(address, Action.CREATE, _created(attrs), desired=d, depends_on=deps))
        return
    diffs = _diffs([
        ("display_name", live.display_name, d.display_name, True),
        ("email", live.email, d.email, True),
        ("metadata", dict(live.metadata), dict(d.metadata)),
    ])
    b.add(Change(address, Action.UPDATE if diffs else Action.NO_OP, diffs, live_id=live.id, desired=d, live=live,
                 depends_on=deps))


# --- connections ---------------------------------------------------------------------------------------------------


def _connections(
    b: _Builder,
    desired: DesiredState,
    ws_by_slug: Mapping[str, LiveWorkspace],
    ws_slug_by_id: Mapping[str, str],
    slugs: set[str],
) -> None:
    by_key: dict[tuple[str, str], LiveConnection] = {(c.integration, c.external_id): c for c in b.live.connections}
    claimed: dict[tuple[str, str], DesiredConnection] = {}
    matched: set[str] = set()
    for d in desired.connections:
        key = (d.integration, d.external_id)
        if key in claimed:
            other = claimed[key]
            raise PlanError(
                f"connection '{d.external_id}' of integration '{d.integration}' is declared by both workspace "
                f"'{other.workspace}' and workspace '{d.workspace}'; a connection's (integration, external id) is "
                "unique across the whole backend"
            )
        claimed[key] = d
        lw = ws_by_slug.get(d.workspace)
        live = by_key.get(key)
        reason = None
        if live is None and lw is not None:
            # Same external id in this workspace but another integration: the integration cannot change in place.
            live = next((c for c in b.live.connections if c.external_id == d.external_id
                         and c.workspace_id == lw.id and c.id not in matched), None)
        if live is not None:
            matched.add(live.id)
            if lw is not None and live.workspace_id not in (None, lw.id):
                owner = ws_slug_by_id.get(live.workspace_id, live.workspace_id)
                reason = f"the live connection belongs to workspace '{owner}'"
        _connection(b, d, live, reason)
    for c in sorted(b.live.connections, key=lambda c: (c.integration, c.external_id)):
        slug = ws_slug_by_id.get(c.workspace_id or "")
        if c.id not in matched and slug in slugs:
            b.unmanaged.append(_delete(Address(slug, ObjectKind.CONNECTION, c.external_id), c))


def _connection(b: _Builder, d: DesiredConnection, live: LiveConnection | None, moved: str | None) -> None:
    address = Address(d.workspace, ObjectKind.CONNECTION, d.external_id)
    deps = [Address(d.workspace)]
    if d.end_user is not None:
        deps.append(Address(d.workspace, ObjectKind.END_USER, d.end_user))
    wanted_fp = b.fingerprints.get(address)
    secret_after = Sensitive(wanted_fp) if wanted_fp is not None else None
    if live is None:
        attrs = [("integration", d.integration), ("type", d.type), ("display_name", d.display_name),
                 ("end_user", d.end_user), ("base_url", d.base_url)]
        diffs = (*_created(attrs), AttributeDiff(CREDENTIALS, None, secret_after, sensitive=True))
        b.add(Change(address, Action.CREATE, diffs, desired=d, depends_on=tuple(deps)))
        return
    immutable = _diffs([("integration", live.integration, d.integration), ("type", live.type, d.type),
                        ("end_user", live.end_user, d.end_user)])
    mutable = list(_diffs([("display_name", live.display_name, d.display_name, True),
                           ("base_url", live.base_url, d.base_url)]))
    reason: str | None = None
    live_fp = b.live.connection_fingerprint(live)
    secret_changed = d.credentials is not None and wanted_fp is not None and live_fp != wanted_fp
    if secret_changed:
        before = Sensitive(live_fp) if live_fp is not None else None
        mutable.append(AttributeDiff(CREDENTIALS, before, secret_after, sensitive=True))
        if live_fp is None:
            reason = "no record of the credential last applied, so it is set again"
    if moved is not None:
        action, reason = Action.REPLACE, moved
    elif immutable:
        action = Action.REPLACE
        reason = _immutable_reason(immutable)
    elif secret_changed and not b.options.connection_update:
        action = Action.REPLACE
        reason = ("the credential changed and this backend cannot update a stored credential in place; the new "
                  "connection is made before the old one is destroyed, and the aliases on it move with it")
    else:
        action = Action.UPDATE if mutable else Action.NO_OP
    diffs = (*immutable, *mutable)
    b.add(Change(address, action, diffs, reason=reason, live_id=live.id, desired=d, live=live,
                 depends_on=tuple(deps),
                 create_before_destroy=action is Action.REPLACE and moved is None and not immutable))


# --- aliases -------------------------------------------------------------------------------------------------------


def _aliases(b: _Builder, desired: DesiredState, slugs: set[str]) -> None:
    wanted = {(d.workspace, d.alias): d for d in desired.aliases}
    by_ws = _by_workspace(desired.aliases)
    conn_integration = {(c.workspace, c.external_id): c.integration for c in desired.connections}
    for slug in sorted(slugs):
        snapshot = b.live.snapshots.get(slug)
        live = {a.alias: a for a in snapshot.aliases} if snapshot else {}
        for d in by_ws.get(slug, ()):
            _alias(b, d, live.get(d.alias), conn_integration)
        for name, a in sorted(live.items()):
            if (slug, name) not in wanted:
                b.unmanaged.append(_delete(Address(slug, ObjectKind.ALIAS, name), a))


def _alias(b: _Builder, d: DesiredAlias, live: LiveAlias | None, conn_integration: Mapping[Any, str]) -> None:
    address = Address(d.workspace, ObjectKind.ALIAS, d.alias)
    deps = [Address(d.workspace)]
    conn_address = None
    if d.connection is not None:
        conn_address = Address(d.workspace, ObjectKind.CONNECTION, d.connection)
        if (d.workspace, d.connection) in conn_integration:
            deps.append(conn_address)
    actions = list(d.enabled_actions) if d.enabled_actions is not None else None
    if live is None:
        attrs = [("integration", d.integration), ("strategy", d.strategy), ("connection", d.connection),
                 ("enabled_actions", actions), ("display_name", d.display_name),
                 ("settings", dict(d.settings) or None)]
        b.add(Change(address, Action.CREATE, _created(attrs), desired=d, depends_on=tuple(deps)))
        return
    live_conn = b.conn_by_id.get(live.connection_id) if live.connection_id else None
    live_conn_name = live_conn.external_id if live_conn else live.connection_id
    live_actions = list(live.enabled_actions) if live.enabled_actions is not None else None
    immutable = _diffs([("integration", live.integration, d.integration)])
    mutable = list(_diffs([
        ("strategy", live.strategy, d.strategy),
        ("connection", live_conn_name, d.connection),
        ("enabled_actions", live_actions, actions),
        ("display_name", live.display_name, d.display_name, True),
        ("settings", dict(live.settings), dict(d.settings)),
    ]))
    reason = None
    if conn_address in b.replaced and not any(x.name == "connection" for x in mutable):
        mutable.append(AttributeDiff("connection", d.connection, d.connection))
        reason = f"its connection {conn_address} is replaced"
    if immutable:
        action, reason = Action.REPLACE, _immutable_reason(immutable)
    else:
        action = Action.UPDATE if mutable else Action.NO_OP
    b.add(Change(address, action, (*immutable, *mutable), reason=reason, live_id=live.id, desired=d, live=live,
                 depends_on=tuple(deps)))


# --- partials ------------------------------------------------------------------------------------------------------


def _partials(b: _Builder, desired: DesiredState, slugs: set[str]) -> None:
    by_ws = _by_workspace(desired.partials)
    for slug in sorted(slugs):
        snapshot = b.live.snapshots.get(slug)
        live_all = list(snapshot.partials) if snapshot else []
        used: set[str] = set()
        live_by_name: dict[str, list[LivePartial]] = {}
        for p in live_all:
            live_by_name.setdefault(p.name, []).append(p)
        for d in by_ws.get(slug, ()):
            same_name = [p for p in live_by_name.get(d.name, ()) if p.id not in used]
            exact = next((p for p in same_name if p.alias == d.alias and p.action == d.action), None)
            match = exact or (same_name[0] if same_name else None)
            if match is not None:
                used.add(match.id)
            _partial(b, d, match)
        for p in sorted(live_all, key=lambda p: (p.name, p.alias, p.action or "")):
            if p.id not in used:
                b.unmanaged.append(_delete(Address(slug, ObjectKind.PARTIAL, p.name), p))


def _partial(b: _Builder, d: DesiredPartial, live: LivePartial | None) -> None:
    address = Address(d.workspace, ObjectKind.PARTIAL, d.name)
    alias_address = Address(d.workspace, ObjectKind.ALIAS, d.alias)
    deps = (Address(d.workspace), alias_address)
    enforced = list(d.enforced_keys)
    if live is None:
        attrs = [("alias", d.alias), ("action", d.action), ("description", d.description),
                 ("values", dict(d.values)), ("enforced", enforced or None), ("default", d.is_default)]
        b.add(Change(address, Action.CREATE, _created(attrs), desired=d, depends_on=deps))
        return
    immutable = _diffs([("alias", live.alias, d.alias), ("action", live.action, d.action)])
    mutable = _diffs([
        ("description", live.description, d.description, True),
        ("values", dict(live.values), dict(d.values)),
        ("enforced", sorted(live.enforced_keys), sorted(enforced)),
        ("default", live.is_default, d.is_default),
    ])
    reason = None
    if immutable:
        action, reason = Action.REPLACE, _immutable_reason(immutable)
    elif alias_address in b.replaced:
        action, reason = Action.REPLACE, f"its alias {alias_address} is replaced"
    else:
        action = Action.UPDATE if mutable else Action.NO_OP
    b.add(Change(address, action, (*immutable, *mutable), reason=reason, live_id=live.id, desired=d, live=live,
                 depends_on=deps))


# --- MCP servers ---------------------------------------------------------------------------------------------------


def _mcp_servers(b: _Builder, desired: DesiredState, slugs: set[str]) -> None:
    wanted = {(d.workspace, d.name) for d in desired.mcp_servers}
    by_ws = _by_workspace(desired.mcp_servers)
    for slug in sorted(slugs):
        snapshot = b.live.snapshots.get(slug)
        live = {s.name: s for s in snapshot.mcp_servers} if snapshot else {}
        partial_names = {p.id: p.name for p in snapshot.partials} if snapshot else {}
        for d in by_ws.get(slug, ()):
            _mcp_server(b, d, live.get(d.name), partial_names)
        for name, s in sorted(live.items()):
            if (slug, name) not in wanted:
                b.unmanaged.append(_delete(Address(slug, ObjectKind.MCP_SERVER, name), s))


def _mcp_server(b: _Builder, d: DesiredMcpServer, live: LiveMcpServer | None,
                partial_names: Mapping[str, str]) -> None:
    """Its tools are attributes: a tool added, changed or removed is an update of the server."""
    address = Address(d.workspace, ObjectKind.MCP_SERVER, d.name)
    aliases = dict.fromkeys(Address(d.workspace, ObjectKind.ALIAS, t.alias) for t in d.tools)
    partials = dict.fromkeys(Address(d.workspace, ObjectKind.PARTIAL, p) for t in d.tools for p in t.partials)
    deps = (Address(d.workspace), *aliases, *partials)
    if live is None:
        attrs = [("description", d.description), ("mode", d.mode), ("auth_mode", d.auth_mode),
                 ("end_user_access", d.end_user_access)]
        b.add(Change(address, Action.CREATE, (*_created(attrs), *tool_diffs(d, None, partial_names)), desired=d,
                     depends_on=deps))
        return
    replaced = sorted(a.name for a in partials if a in b.replaced)
    diffs = (*_diffs([
        ("description", live.description, d.description, True),
        ("mode", live.mode, d.mode),
        ("auth_mode", live.auth_mode, d.auth_mode),
        ("end_user_access", live.end_user_access, d.end_user_access, True),
    ]), *tool_diffs(d, live, partial_names, replaced))
    reason = ("its tools' partials " + ", ".join(f"'{n}'" for n in replaced) + " are replaced") \
        if replaced and diffs else None
    b.add(Change(address, Action.UPDATE if diffs else Action.NO_OP, diffs, reason=reason, live_id=live.id,
                 desired=d, live=live, depends_on=deps))


# --- approval policies ---------------------------------------------------------------------------------------------


def _approval_policies(b: _Builder, desired: DesiredState, slugs: set[str]) -> None:
    """Matched by name within the workspace; a live policy of the workspace the config does not declare is unmanaged
    (deleted only when pruning), as every other kind. Organization-wide policies are no workspace's: never seen."""
    by_ws = _by_workspace(desired.approval_policies)
    declared_aliases = {(a.workspace, a.alias) for a in desired.aliases}
    for slug in sorted(slugs):
        snapshot = b.live.snapshots.get(slug)
        live: dict[str, LiveApprovalPolicy] = {}
        extra: list[LiveApprovalPolicy] = []
        for g in snapshot.approval_policies if snapshot else ():
            if g.name in live:  # a second policy of the same name (made through the API): not the declared one
                extra.append(g)
            else:
                live[g.name] = g
        wanted = {d.name for d in by_ws.get(slug, ())}
        for d in by_ws.get(slug, ()):
            _approval_policy(b, d, live.get(d.name), declared_aliases)
        for g in sorted([*(g for n, g in live.items() if n not in wanted), *extra], key=lambda g: (g.name, g.id)):
            b.unmanaged.append(_delete(Address(slug, ObjectKind.APPROVAL_POLICY, g.name), g))


def _approval_policy(b: _Builder, d: DesiredApprovalPolicy, live: LiveApprovalPolicy | None,
                     declared_aliases: set[tuple[str, str]]) -> None:
    address = Address(d.workspace, ObjectKind.APPROVAL_POLICY, d.name)
    aliases = [Address(d.workspace, ObjectKind.ALIAS, a) for a in d.settings.integration_aliases or ()
               if (d.workspace, a) in declared_aliases]
    deps = (Address(d.workspace), *aliases)
    wanted = b.secret_fingerprints.get(address, ())
    if live is None:
        secrets, _ = policy_diffs.secret_diffs(wanted, None)
        b.add(Change(address, Action.CREATE, (*policy_diffs.created(d.settings), *secrets), desired=d,
                     depends_on=deps))
        return
    secrets, reason = policy_diffs.secret_diffs(wanted, b.live.secret_fingerprints(live))
    diffs = (*policy_diffs.setting_diffs(live.settings, d.settings), *secrets)
    b.add(Change(address, Action.UPDATE if diffs else Action.NO_OP, diffs, reason=reason, live_id=live.id,
                 desired=d, live=live, depends_on=deps))


# --- shared --------------------------------------------------------------------------------------------------------


def _by_workspace(items: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for item in items:
        grouped.setdefault(item.workspace, []).append(item)
    return grouped


def _diffs(rows: Iterable[tuple[Any, ...]]) -> tuple[AttributeDiff, ...]:
    """Rows of (name, before, after[, unmanaged_when_absent]); the flag means a desired None leaves the live value
    alone (optional display attributes the backend may fill in itself)."""
    out = []
    for row in rows:
        name, before, after = row[0], row[1], row[2]
        if len(row) > 3 and row[3] and after is None:
            continue
        if before != after:
            out.append(AttributeDiff(name, before, after))
    return tuple(out)


def _created(attrs: Iterable[tuple[str, Any]]) -> tuple[AttributeDiff, ...]:
    return tuple(AttributeDiff(name, None, value) for name, value in attrs if value is not None)


def _immutable_reason(diffs: tuple[AttributeDiff, ...]) -> str:
    names = ", ".join(d.name for d in diffs)
    return f"{names} cannot change in place"


def _sort_key(address: Address) -> tuple[str, int, str]:
    return (address.workspace, address.kind.order, address.name)


def _apply_order(changes: list[Change]) -> list[Change]:
    """Creates, updates and replaces parents first; deletes children first, after everything else."""
    forward = [c for c in changes if c.action is not Action.DELETE]
    deletes = [c for c in changes if c.action is Action.DELETE]
    forward.sort(key=lambda c: (c.kind.order, c.address.workspace, c.address.name))
    deletes.sort(key=lambda c: (-c.kind.order, c.address.workspace, c.address.name))
    return forward + deletes


def _select_targets(
    changes: list[Change], unmanaged: list[Address], targets: tuple[Address, ...]
) -> tuple[list[Change], list[Address]]:
    by_address = {c.address: c for c in changes}
    for t in targets:
        if not any(t.contains(a) for a in [*by_address, *unmanaged]):
            raise PlanError(f"target {t} matches nothing in the config or the live state")
    chosen = {c.address for c in changes if any(t.contains(c.address) for t in targets)}
    # Whatever a chosen change needs to exist first comes along (its parents' creates and replaces).
    pending = list(chosen)
    while pending:
        for dep in by_address[pending.pop()].depends_on:
            dep_change = by_address.get(dep)
            if dep not in chosen and dep_change is not None and dep_change.action in (Action.CREATE, Action.REPLACE):
                chosen.add(dep)
                pending.append(dep)
    kept = [c for c in changes if c.address in chosen]
    return kept, [a for a in unmanaged if any(t.contains(a) for t in targets)]
