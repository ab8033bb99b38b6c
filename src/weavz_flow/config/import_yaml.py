"""The YAML ``weavz-flow import`` writes: entries rendered as workspace-file sections, new files and extended ones.

An existing workspace file is extended section by section, leaving the rest of the file, comments included, as it
was. Which entries to write (what the config lacks of the live state) is ``plan.import_live``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from weavz_flow.errors import WeavzFlowError

# Sections of a workspace file, in the order a new file lists them (dependencies first, as people read them).
SECTIONS = ("connections", "end_users", "integrations", "partials", "mcp_servers", "approval_policies")


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
    # Variables that ``{env: NAME}`` references inside ``body`` name (a webhook approver's secret), for the hint.
    placeholders: tuple[str, ...] = ()


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
