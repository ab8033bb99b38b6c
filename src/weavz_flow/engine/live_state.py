"""Everything plan compares against, read in a fixed number of queries whatever the number of workspaces.

Five queries in all (workspaces, aliases, partials, end users, connections), each over every requested workspace at
once, so reading 30,000 objects costs five round trips rather than a few per workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.models import Connection, EndUser, Partial, Workspace, WorkspaceIntegration
from weavz_flow.engine.services.connections import ConnectionService
from weavz_flow.engine.services.end_users import EndUserService
from weavz_flow.engine.services.partials import PartialService
from weavz_flow.engine.services.workspace_integrations import WorkspaceIntegrationService
from weavz_flow.engine.services.workspaces import WorkspaceService


@dataclass(frozen=True, slots=True)
class WorkspaceState:
    workspace: Workspace
    integrations: list[WorkspaceIntegration] = field(default_factory=list)
    partials: list[Partial] = field(default_factory=list)
    end_users: list[EndUser] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LiveState:
    workspaces: dict[str, WorkspaceState]  # by slug
    connections: list[Connection]  # every connection the caller can see, org-wide ones included


def read_live_state(
    caller: Caller,
    workspaces: WorkspaceService,
    integrations: WorkspaceIntegrationService,
    partials: PartialService,
    end_users: EndUserService,
    connections: ConnectionService,
    *,
    slugs: Iterable[str] | None = None,
) -> LiveState:
    wanted = set(slugs) if slugs is not None else None
    found = [w for w in workspaces.list_all(caller) if wanted is None or w.slug in wanted]
    by_id = {w.id: WorkspaceState(w) for w in found}
    for wi in integrations.list_many(caller, by_id):
        by_id[wi.workspace_id].integrations.append(wi)
    for p in partials.list_many(caller, by_id):
        by_id[p.workspace_id].partials.append(p)
    for eu in end_users.list_many(caller, by_id):
        by_id[eu.workspace_id].end_users.append(eu)
    return LiveState(
        workspaces={s.workspace.slug: s for s in by_id.values()},
        connections=connections.list_all(caller),
    )
