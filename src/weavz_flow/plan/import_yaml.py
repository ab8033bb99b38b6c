"""``weavz-flow import``: YAML for live objects the config does not declare yet, so an existing setup can be adopted.

What is missing is found by the natural keys plan matches on (workspace slug; connection, end user, alias and
partial names within it). A workspace the config lacks gets a new file; objects missing from a workspace the config
already has are added to that workspace's own file (a workspace is declared by exactly one file), section by section,
leaving the rest of the file, comments included, as it was.

Stored credentials cannot be read back, so every credential part becomes an ``{env: NAME}`` reference with a comment
saying to set it; until it is set, validate and plan report the missing secret by file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from weavz_flow.backends.live import LiveAlias, LiveConnection, LiveEndUser, LivePartial, WorkspaceSnapshot
from weavz_flow.config.project import Project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.desired import DesiredState, desired_state
from weavz_flow.plan.live_state import LiveState

# Sections of a workspace file, in the order a new file lists them (dependencies first, as people read them).
SECTIONS = ("connections", "end_users", "integrations", "partials")

# Credential parts by connection type; CUSTOM_AUTH prop names cannot be known from the live side.
_SECRET_KEYS: Mapping[str, tuple[str, ...]] = {
    "SECRET_TEXT": ("secret",),
    "BASIC_AUTH": ("username", "password"),
    "OAUTH2": ("access_token", "refresh_token"),
}


class ImportRefusedError(WeavzFlowError):
    pass


@dataclass(frozen=True, slots=True)
class SecretPlaceholder:
    key: str  # the connection's credential key: secret, username, password, access_token, refresh_token
    env: str  # the environment variable the imported YAML references


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    section: str  # one of SECTIONS
    name: str  # the map key: external id, alias or partial name
    body: Mapping[str, Any]  # config-shaped (snake_case keys), without the secret references
    secrets: tuple[SecretPlaceholder, ...] = ()
    note: str | None = None  # a comment written above the entry


@dataclass(frozen=True, slots=True)
class WorkspaceImport:
    slug: str
    target: Path  # the file to create (new_file) or to extend
    new_file: bool
    name: str | None = None  # written only for a new file, and only when it differs from the slug
    entries: tuple[ImportedEntry, ...] = ()
    extends: Path | None = None  # the declaring file whose text ``target`` gets, extended (None: ``target`` itself)


@dataclass(frozen=True, slots=True)
class ImportResult:
    workspaces: tuple[WorkspaceImport, ...] = ()
    # Live objects the config language cannot hold (organization-wide connections, clashing names), one line each.
    skipped: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()  # every placeholder env var name, for the closing hint

    @property
    def empty(self) -> bool:
        return not any(w.entries or w.new_file for w in self.workspaces)


# --- collecting --------------------------------------------------------------------------------------------------


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
        if source is None:
            name = lw.name if lw.name != lw.slug else None
            out.append(WorkspaceImport(lw.slug, out_dir / f"{lw.slug}.yaml", True, name, tuple(entries)))
        elif entries and everything_in_out_dir and source.path.parent.resolve() != out_dir.resolve():
            out.append(WorkspaceImport(lw.slug, out_dir / source.path.name, False, None, tuple(entries), source.path))
        elif entries:
            out.append(WorkspaceImport(lw.slug, source.path, False, None, tuple(entries)))
    secrets = tuple(s.env for w in out for e in w.entries for s in e.secrets)
    return ImportResult(tuple(out), tuple(skipped), secrets)


def _declared(desired: DesiredState, slug: str) -> dict[str, set[str]]:
    return {
        "connections": {c.external_id for c in desired.connections if c.workspace == slug},
        "end_users": {e.external_id for e in desired.end_users if e.workspace == slug},
        "integrations": {a.alias for a in desired.aliases if a.workspace == slug},
        "partials": {p.name for p in desired.partials if p.workspace == slug},
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
    if strategy == "per_user" and connection is None:
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


# --- rendering ---------------------------------------------------------------------------------------------------


def _dump(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True, width=100)
    return text.removesuffix("...\n").rstrip("\n")


def render_entry(entry: ImportedEntry, indent: str = "  ") -> list[str]:
    """One map entry of a section, indented by ``indent``; nested levels indent by two more spaces each."""
    lines: list[str] = []
    if entry.note:
        lines.append(f"{indent}# {entry.note}")
    lines.extend(indent + line for line in _dump({entry.name: dict(entry.body)}).splitlines())
    for secret in entry.secrets:
        lines.append(f"{indent}  {secret.key}: {{env: {secret.env}}}  # set {secret.env} to this connection's "
                     f"{secret.key.replace('_', ' ')}")
    return lines


def render_new_file(ws: WorkspaceImport) -> str:
    lines = ["# Imported from the live backend by `weavz-flow import`.", _dump({"workspace": ws.slug})]
    if ws.name is not None:
        lines.append(_dump({"name": ws.name}))
    for section in SECTIONS:
        entries = [e for e in ws.entries if e.section == section]
        if entries:
            lines.append(f"{section}:")
            for entry in entries:
                lines.extend(render_entry(entry))
    return "\n".join(lines) + "\n"


_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:(.*)$")


def extend_file_text(text: str, entries: Sequence[ImportedEntry]) -> str:
    """``text`` (a block-style workspace file) with ``entries`` added to their sections; a missing section is
    appended at the end, an empty flow-style one (``partials: {}``) becomes a block."""
    lines = text.splitlines()
    for section in SECTIONS:
        mine = [e for e in entries if e.section == section]
        if mine:
            lines = _extend_section(lines, section, mine)
    return "\n".join(lines) + "\n"


def _extend_section(lines: list[str], section: str, entries: Iterable[ImportedEntry]) -> list[str]:
    start = None
    for i, line in enumerate(lines):
        m = _TOP_KEY.match(line)
        if m and m.group(1) == section:
            start = i
            rest = m.group(2).split("#", 1)[0].strip()
            if rest in ("{}", "null", "~"):
                lines = [*lines[:i], f"{section}:", *lines[i + 1:]]
            elif rest:
                raise ImportRefusedError(f"section '{section}' is written in flow style; write it as a block to import")
            break
    if start is None:
        body = [f"{section}:"]
        for entry in entries:
            body.extend(render_entry(entry))
        while lines and not lines[-1].strip():
            lines.pop()
        return [*lines, *body]
    end = start + 1
    indent = None
    last_content = start
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.startswith((" ", "\t", "#")):
            break
        if line.strip() and not line.lstrip().startswith("#"):
            last_content = end
            if indent is None:
                indent = line[: len(line) - len(line.lstrip())]
        end += 1
    new: list[str] = []
    for entry in entries:
        new.extend(render_entry(entry, indent or "  "))
    return [*lines[: last_content + 1], *new, *lines[last_content + 1:]]


# --- writing -----------------------------------------------------------------------------------------------------


def write_import(result: ImportResult) -> list[Path]:
    """Create or extend each file; returns the paths written. Refuses to overwrite a file it would create."""
    written: list[Path] = []
    for ws in result.workspaces:
        if ws.new_file:
            if ws.target.exists():
                raise ImportRefusedError(f"{ws.target} already exists; choose another --out directory")
            ws.target.parent.mkdir(parents=True, exist_ok=True)
            ws.target.write_text(render_new_file(ws), encoding="utf-8")
        elif ws.entries and ws.extends is not None:
            if ws.target.exists():
                raise ImportRefusedError(f"{ws.target} already exists; choose another --out directory")
            ws.target.parent.mkdir(parents=True, exist_ok=True)
            ws.target.write_text(extend_file_text(ws.extends.read_text(encoding="utf-8"), ws.entries),
                                 encoding="utf-8")
        elif ws.entries:
            ws.target.write_text(extend_file_text(ws.target.read_text(encoding="utf-8"), ws.entries),
                                 encoding="utf-8")
        else:
            continue
        written.append(ws.target)
    return written
