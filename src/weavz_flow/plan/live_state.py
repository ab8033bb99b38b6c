"""The live state a plan is computed from: one bounded read of a backend, and a digest of what was read."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from weavz_flow.backends.approval_policies import LiveApprovalPolicy
from weavz_flow.backends.live import LiveConnection, LiveMcpServer, LiveWorkspace, WorkspaceSnapshot
from weavz_flow.backends.protocol import Backend


@dataclass(frozen=True, slots=True)
class LiveState:
    workspaces: tuple[LiveWorkspace, ...] = ()
    connections: tuple[LiveConnection, ...] = ()
    snapshots: Mapping[str, WorkspaceSnapshot] = field(default_factory=dict)  # by workspace slug
    # Last-applied credential fingerprints by connection id, for backends that do not report their own.
    applied_fingerprints: Mapping[str, str] = field(default_factory=dict)
    # Likewise for approval policies' webhook secrets: policy id -> a fingerprint per approver (None: not recorded).
    applied_secret_fingerprints: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)

    def connection_fingerprint(self, connection: LiveConnection) -> str | None:
        return connection.credential_fingerprint or self.applied_fingerprints.get(connection.id)

    def secret_fingerprints(self, policy: LiveApprovalPolicy) -> tuple[str | None, ...]:
        """The fingerprint of each approver's stored webhook secret, as the backend or the project's state knows it."""
        if policy.secret_fingerprints is not None:
            return policy.secret_fingerprints
        return self.applied_secret_fingerprints.get(policy.id, ())

    def fingerprint(self) -> str:
        """A digest of everything read: equal digests mean the live state a plan was made from is unchanged."""
        doc = {
            "workspaces": sorted((_as_dict(w) for w in self.workspaces), key=lambda d: d["id"]),
            "connections": sorted(
                ({**_as_dict(c), "fp": self.connection_fingerprint(c)} for c in self.connections), key=lambda d: d["id"]
            ),
            "snapshots": {slug: _snapshot_doc(s) for slug, s in sorted(self.snapshots.items())},
        }
        if self.applied_secret_fingerprints:  # absent when empty: a digest made before policies existed still holds
            doc["policy_secrets"] = {k: list(v) for k, v in sorted(self.applied_secret_fingerprints.items())}
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=_jsonable)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _snapshot_doc(snapshot: WorkspaceSnapshot) -> dict[str, Any]:
    doc = {
        "aliases": sorted((_as_dict(a) for a in snapshot.aliases), key=lambda d: d["id"]),
        "partials": sorted((_as_dict(p) for p in snapshot.partials), key=lambda d: d["id"]),
        "end_users": sorted((_as_dict(e) for e in snapshot.end_users), key=lambda d: d["id"]),
        "mcp_servers": sorted(({**_as_dict(m), "tools": [_as_dict(t) for t in m.tools]} for m in snapshot.mcp_servers),
                              key=lambda d: d["id"]),
    }
    if snapshot.approval_policies:  # likewise
        doc["approval_policies"] = sorted((asdict(p) for p in snapshot.approval_policies), key=lambda d: d["id"])
    return doc


def _as_dict(obj: Any) -> dict[str, Any]:
    """A flat dataclass as a dict (dataclasses.asdict deep-copies every value, which costs seconds at scale)."""
    # mypy wrongly takes a class's unbound __hash__ for the instance method Hashable wants; classes are hashable.
    return {name: getattr(obj, name) for name in _field_names(type(obj))}  # type: ignore[arg-type]


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def read_live(backend: Backend, applied_fingerprints: Mapping[str, str] | None = None,
              applied_secret_fingerprints: Mapping[str, tuple[str | None, ...]] | None = None) -> LiveState:
    """Workspaces and connections once each, then the snapshots, the MCP servers and the approval policies (batched
    where the backend can)."""
    workspaces = tuple(backend.list_workspaces())
    connections = tuple(backend.list_connections())
    servers: dict[str, list[LiveMcpServer]] = {}
    for server in backend.list_mcp_servers(workspaces) if workspaces else ():
        servers.setdefault(server.workspace_id, []).append(server)
    policies: dict[str, list[LiveApprovalPolicy]] = {}
    for policy in backend.list_approval_policies(workspaces) if workspaces else ():
        policies.setdefault(policy.workspace_id, []).append(policy)
    snapshots = {s.workspace.slug: replace(s, mcp_servers=tuple(servers.get(s.workspace.id, ())),
                                           approval_policies=tuple(policies.get(s.workspace.id, ())))
                 for s in backend.snapshots(workspaces)}
    return LiveState(workspaces, connections, snapshots, dict(applied_fingerprints or {}),
                     dict(applied_secret_fingerprints or {}))
