"""Flows and schedules as plan objects: the project's flows (desired) against the deployment in the schedule store
(live) gives ordinary :class:`Change` values of kind FLOW and SCHEDULE, which apply publishes after the backend
objects, under the same lock.

A flow version is content-addressed: its digest is the sha256 of the canonical JSON (sorted keys, no spaces, UTF-8)
of its **version document**: the flow's validated document without its schedule, plus what a worker without the
checkout needs to run it: the integration of each alias its steps use, the references (never the values) of those
aliases' connections, which the worker reads from its environment to redact them, and the project's ``env``
allow-list. No path or machine enters it, so every checkout of the same content computes the same digest (``file:``
references are read relative to the worker's directory, or its project's). A schedule (cron, time zone, policies,
the flow's end user) is its own object, so a cron change is ``~ flow.X/schedule.0`` and leaves the flow's version
alone; so is each ``on:`` entry (``flow.X/trigger.<key>``, :mod:`weavz_flow.plan.flow_triggers`).

Where the deployment lives (:func:`deployment_target`): a local backend's own engine store (its SQLite file or its
PostgreSQL ``database_url``); for a remote backend, the store named by ``WEAVZ_FLOW_DATABASE_URL``, the one that
``weavz-flow schedule`` and ``worker`` open. A remote backend without it gets a plan whose flows are not deployed,
with the reason (:attr:`Plan.deployment_note`), and no failure.

A flow that left the config stays deployed (listed as unmanaged) unless ``--prune``; a schedule that left a flow
still in the config is removed with it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.config.model.flow import FlowFile, ScheduleConfig
from weavz_flow.config.model.project_file import ProjectFile
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.project import Project
from weavz_flow.engine.deployments import Deployment, DeploymentStore
from weavz_flow.engine.store import DATABASE_URL_ENV, Store
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.flow_triggers import trigger_changes, trigger_documents
from weavz_flow.plan.model import Action, Address, AttributeDiff, Change, ObjectKind, Plan

FLOW_KINDS = (ObjectKind.FLOW, ObjectKind.SCHEDULE, ObjectKind.TRIGGER)
DEPLOYED_BY_ENV = "WEAVZ_FLOW_DEPLOYED_BY"  # who applies, as the deployment records it (CI: the actor or commit)
SHORT = 12  # hex digits of a digest shown in a plan
_SCHEDULE_ATTRIBUTES = ("cron", "timezone", "overlap", "missed", "enabled", "inputs", "end_user")


# --- desired -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DesiredFlow:
    name: str
    workspace: str
    digest: str
    document: Mapping[str, Any]  # the version document
    schedules: tuple[Mapping[str, Any], ...]
    triggers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # `on:` entries (plan/flow_triggers.py)


def version_document(project: Project, flow: FlowFile) -> dict[str, Any]:
    """What a worker needs to run ``flow`` without the project: see the module docstring."""
    workspace = project.workspaces.get(flow.workspace)
    declared = workspace.integrations if workspace else {}
    used = {step.alias for step in flow.all_steps}  # only these: another alias of the workspace is not this flow's
    aliases = {alias: declared[alias].integration for alias in sorted(used) if alias in declared}
    # The connections those aliases use, as references only (never values): a worker reads them from its own
    # environment to redact them from a run's records, as a run from the checkout does.
    names = sorted({c for alias in aliases if (c := declared[alias].connection) is not None})
    connections = {n: workspace.connections[n].model_dump(mode="json", by_alias=True, exclude_none=True)
                   for n in names if workspace is not None and n in workspace.connections}
    # `on:` entries are objects of their own (a trigger change leaves the flow's version alone), and a flow without a
    # concurrency limit keeps the digest it had before the key existed.
    exclude = {"schedule", "on"} | ({"concurrency"} if flow.concurrency is None else set())
    document: dict[str, Any] = {"flow": flow.model_dump(mode="json", by_alias=True, exclude=exclude),
                                "aliases": aliases, "env": sorted(project.settings.env)}
    if connections:  # absent when empty, so that flows without connections keep their digest
        document["connections"] = connections
    return document


def project_from_version(document: Mapping[str, Any], root: Path) -> Project:
    """The inverse of :func:`version_document`: a project holding just that flow and what its run reads (its
    workspace's aliases, the ``env`` allow-list); ``root`` is where ``file:`` secret references are read from."""
    flow = FlowFile.model_validate(document["flow"])
    aliases = {alias: {"integration": integration} for alias, integration in dict(document["aliases"]).items()}
    workspace = WorkspaceFile.model_validate({"workspace": flow.workspace, "integrations": aliases,
                                              "connections": dict(document.get("connections", {}))})
    settings = ProjectFile.model_validate({"version": 1, "env": list(document["env"])})
    return Project(root, settings, None, workspaces={flow.workspace: workspace}, flows={flow.name: flow})


def schedule_config(schedule: Mapping[str, Any]) -> ScheduleConfig:
    """A deployed schedule object as the scheduler's policy reads it."""
    return ScheduleConfig.model_validate({k: schedule[k] for k in ("cron", "timezone", "overlap", "missed", "enabled")
                                          if k in schedule})


def canonical_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def flow_digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def schedule_document(flow: FlowFile) -> dict[str, Any] | None:
    s = flow.schedule
    if s is None:
        return None
    return {"cron": s.cron, "timezone": s.timezone, "overlap": s.overlap.value, "missed": s.missed.value,
            "enabled": s.enabled, "inputs": {}, "end_user": flow.end_user}


def desired_flows(project: Project) -> list[DesiredFlow]:
    found = []
    for name in sorted(project.flows):
        flow = project.flows[name]
        document = version_document(project, flow)
        schedule = schedule_document(flow)
        found.append(DesiredFlow(name, flow.workspace, flow_digest(document), document,
                                 (schedule,) if schedule is not None else (),
                                 trigger_documents(flow, project.workspaces.get(flow.workspace))))
    return found


# --- where the deployment lives ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeploymentTarget:
    """The schedule store that apply publishes to: a local backend's own store, or a database URL (opened per use)."""

    store: Store | None = None
    url: str | None = None

    @contextmanager
    def open(self) -> Iterator[DeploymentStore]:
        if self.store is not None:
            yield DeploymentStore(self.store)
            return
        store = Store.open(self.url)
        try:
            yield DeploymentStore(store)
        finally:
            store.close()


def deployment_target(backend: Backend, environ: Mapping[str, str] | None = None
                      ) -> tuple[DeploymentTarget | None, str | None]:
    """The target for ``backend``'s project, or None with the reason flows are not deployed."""
    if isinstance(backend, LocalBackend):
        return DeploymentTarget(store=backend.store), None
    env = os.environ if environ is None else environ
    url = env.get(DATABASE_URL_ENV) or None
    if url is None:
        return None, (f"flows are not deployed: the backend is remote and no schedule store is configured (set "
                      f"{DATABASE_URL_ENV} to the database that `weavz-flow schedule` and `worker` use)")
    return DeploymentTarget(url=url), None


# --- planning ------------------------------------------------------------------------------------------------------


def with_deployment(plan: Plan, project: Project, target: DeploymentTarget | None, note: str | None, *,
                    targets: tuple[Address, ...], prune: bool) -> Plan:
    """``plan`` (the backend objects, computed for :func:`backend_targets`) with the flow and schedule changes after
    its own, ``targets`` applied to both."""
    flow_targets = tuple(t for t in targets if t.kind in FLOW_KINDS)
    kept = replace(plan, targets=targets, deployment_note=note, deployment=target)
    if targets and not backend_targets(targets):  # only flows were targeted: no backend object changes
        kept = replace(kept, changes=(), unmanaged=(), credential_fingerprints={}, secret_fingerprints={})
    if target is None:
        if flow_targets:
            raise WeavzFlowError(f"target {flow_targets[0]} cannot be planned: {note}")
        return kept
    with target.open() as repository:
        changes, unmanaged = deployment_changes(desired_flows(project), repository.deployments(),
                                                repository.version, prune=prune)
    if targets:
        changes, unmanaged = _select(changes, unmanaged, targets, flow_targets)
    return replace(kept, changes=(*kept.changes, *_order(changes)), unmanaged=(*kept.unmanaged, *unmanaged))


def backend_targets(targets: tuple[Address, ...]) -> tuple[Address, ...]:
    return tuple(t for t in targets if t.kind not in FLOW_KINDS)


def deployment_changes(desired: Sequence[DesiredFlow], deployed: Mapping[str, Deployment],
                       version: Callable[[str], Mapping[str, Any] | None], *,
                       prune: bool) -> tuple[list[Change], list[Address]]:
    """The changes (no-ops included) and the unmanaged flows (deployed, not in the config; deletes when ``prune``)."""
    changes: list[Change] = []
    unmanaged: list[Address] = []
    wanted = {d.name for d in desired}
    for d in desired:
        live = deployed.get(d.name)
        changes.append(_flow_change(d, live, version))
        live_schedules = live.schedules if live is not None else ()
        for index in range(max(len(d.schedules), len(live_schedules))):
            after = d.schedules[index] if index < len(d.schedules) else None
            before = live_schedules[index] if index < len(live_schedules) else None
            changes.append(_schedule_change(d.name, index, before, after, d))
        changes.extend(trigger_changes(d.name, live.triggers if live is not None else {}, d.triggers))
    for name, live in sorted(deployed.items()):
        if name in wanted:
            continue
        address = Address("", ObjectKind.FLOW, name)
        if not prune:
            unmanaged.append(address)
            continue
        reason = "not in the config; --prune undeploys it"
        changes.extend(replace(c, reason=reason) for c in trigger_changes(name, live.triggers, {}))
        for index, before in enumerate(live.schedules):
            changes.append(Change(_schedule_address(name, index), Action.DELETE, _attrs(before, before=True),
                                  reason=reason, live=live))
        changes.append(Change(address, Action.DELETE, (AttributeDiff("digest", _short(live.digest), None),),
                              reason=reason, live=live))
    return changes, unmanaged


def _flow_change(d: DesiredFlow, live: Deployment | None,
                 version: Callable[[str], Mapping[str, Any] | None]) -> Change:
    address = Address("", ObjectKind.FLOW, d.name)
    if live is None:
        steps = [s["id"] for s in d.document["flow"]["steps"]]
        created = (AttributeDiff("workspace", None, d.workspace), AttributeDiff("digest", None, _short(d.digest)),
                   AttributeDiff("steps", None, steps))
        return Change(address, Action.CREATE, created, desired=d)
    if live.digest == d.digest and live.workspace == d.workspace:
        return Change(address, Action.NO_OP, desired=d, live=live)
    diffs = [AttributeDiff("digest", _short(live.digest), _short(d.digest))]
    if live.workspace != d.workspace:
        diffs.append(AttributeDiff("workspace", live.workspace, d.workspace))
    before = version(live.digest)
    if before is not None:
        diffs.extend(document_diffs(before, d.document))
    return Change(address, Action.UPDATE, tuple(diffs), desired=d, live=live)


def document_diffs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[AttributeDiff]:
    """Which steps changed (``steps.<id>.<field>``, one level into ``with``), and which other parts of the flow."""
    diffs: list[AttributeDiff] = []
    old_flow, new_flow = dict(before.get("flow", {})), dict(after.get("flow", {}))
    for part in ("steps", "finally"):
        diffs.extend(_step_diffs(part, old_flow.pop(part, []) or [], new_flow.pop(part, []) or []))
    for key in sorted(set(old_flow) | set(new_flow)):
        if old_flow.get(key) != new_flow.get(key):
            diffs.append(AttributeDiff(key, old_flow.get(key), new_flow.get(key)))
    for key in ("aliases", "env", "connections"):
        if before.get(key) != after.get(key):
            diffs.append(AttributeDiff(key, before.get(key), after.get(key)))
    return diffs


def _step_diffs(part: str, before: list[Mapping[str, Any]], after: list[Mapping[str, Any]]) -> list[AttributeDiff]:
    old = {s["id"]: s for s in before}
    new = {s["id"]: s for s in after}
    diffs: list[AttributeDiff] = []
    for sid in [*new, *(s for s in old if s not in new)]:
        if sid not in old:
            diffs.append(AttributeDiff(f"{part}.{sid}", None, new[sid].get("uses")))
        elif sid not in new:
            diffs.append(AttributeDiff(f"{part}.{sid}", old[sid].get("uses"), None))
        elif old[sid] != new[sid]:
            for field in sorted(set(old[sid]) | set(new[sid])):
                a, b = old[sid].get(field), new[sid].get(field)
                if a == b:
                    continue
                if isinstance(a, dict) and isinstance(b, dict):
                    diffs.extend(AttributeDiff(f"{part}.{sid}.{field}.{k}", a.get(k), b.get(k))
                                 for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))
                else:
                    diffs.append(AttributeDiff(f"{part}.{sid}.{field}", a, b))
    order = [s["id"] for s in before if s["id"] in new]
    if order != [s for s in new if s in old]:
        diffs.append(AttributeDiff(f"{part} order", [s["id"] for s in before], list(new)))
    return diffs


def _schedule_change(flow: str, index: int, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                     d: DesiredFlow) -> Change:
    address = _schedule_address(flow, index)
    deps = (Address("", ObjectKind.FLOW, flow),)
    if before is None:
        return Change(address, Action.CREATE, _attrs(after or {}, before=False), desired=after, depends_on=deps)
    if after is None:
        return Change(address, Action.DELETE, _attrs(before, before=True), reason="the flow has no schedule now",
                      live=before, depends_on=deps)
    diffs = tuple(AttributeDiff(k, before.get(k), after.get(k)) for k in _SCHEDULE_ATTRIBUTES
                  if before.get(k) != after.get(k))
    return Change(address, Action.UPDATE if diffs else Action.NO_OP, diffs, desired=after, live=before,
                  depends_on=deps)


def _attrs(schedule: Mapping[str, Any], *, before: bool) -> tuple[AttributeDiff, ...]:
    shown = [(k, schedule.get(k)) for k in _SCHEDULE_ATTRIBUTES if schedule.get(k) not in (None, {})]
    return tuple(AttributeDiff(k, v, None) if before else AttributeDiff(k, None, v) for k, v in shown)


def _schedule_address(flow: str, index: int) -> Address:
    return Address("", ObjectKind.SCHEDULE, f"{flow}/{index}")


def _flow_of(address: Address) -> str:
    return address.name if address.kind is ObjectKind.FLOW else address.name.partition("/")[0]


def _short(digest: str) -> str:
    return f"sha256:{digest[:SHORT]}"


def _order(changes: list[Change]) -> list[Change]:
    """Flows before their schedules; deletes after everything else, schedules first."""
    forward = [c for c in changes if c.action is not Action.DELETE]
    deletes = [c for c in changes if c.action is Action.DELETE]
    forward.sort(key=lambda c: (c.kind.order, _flow_of(c.address), c.address.name))
    deletes.sort(key=lambda c: (-c.kind.order, _flow_of(c.address), c.address.name))
    return forward + deletes


def _select(changes: list[Change], unmanaged: list[Address], targets: tuple[Address, ...],
            flow_targets: tuple[Address, ...]) -> tuple[list[Change], list[Address]]:
    """The changes a target names (a flow contains its schedules; a workspace, its flows), and the flow creates a
    chosen schedule needs first."""
    workspaces = {t.workspace for t in targets if t.kind is ObjectKind.WORKSPACE}

    def chosen(change: Change) -> bool:
        d = change.desired
        workspace = d.workspace if isinstance(d, DesiredFlow) else None
        if workspace is None and isinstance(change.live, Deployment):
            workspace = change.live.workspace
        return any(t.contains(change.address) for t in flow_targets) or (workspace in workspaces)

    for t in flow_targets:
        if not any(t.contains(a) for a in [*(c.address for c in changes), *unmanaged]):
            raise WeavzFlowError(f"target {t} matches nothing in the config or the deployment")
    by_address = {c.address: c for c in changes}
    picked = {c.address for c in changes if chosen(c) or _workspace_of_schedule(c, by_address, workspaces)}
    for address in list(picked):
        for dep in by_address[address].depends_on:
            if dep in by_address and by_address[dep].action is Action.CREATE:
                picked.add(dep)
    kept_unmanaged = [a for a in unmanaged if any(t.contains(a) for t in flow_targets)]
    return [c for c in changes if c.address in picked], kept_unmanaged


def _workspace_of_schedule(change: Change, by_address: Mapping[Address, Change], workspaces: set[str]) -> bool:
    if change.kind not in (ObjectKind.SCHEDULE, ObjectKind.TRIGGER) or not workspaces:
        return False
    parent = by_address.get(Address("", ObjectKind.FLOW, _flow_of(change.address)))
    if parent is None:
        return False
    d = parent.desired
    workspace = d.workspace if isinstance(d, DesiredFlow) else getattr(parent.live, "workspace", None)
    return workspace in workspaces


# --- applying ------------------------------------------------------------------------------------------------------


def deployed_by(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if env.get(DEPLOYED_BY_ENV):
        return env[DEPLOYED_BY_ENV]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def apply_deployment_change(change: Change, target: DeploymentTarget | None) -> None:
    """Publish one FLOW or SCHEDULE change to the schedule store."""
    if target is None:
        raise WeavzFlowError(f"{change.address} cannot be applied: this plan has no schedule store")
    by = deployed_by()
    with target.open() as repository:
        if change.kind is ObjectKind.FLOW:
            if change.action is Action.DELETE:
                repository.remove(change.address.name)
                return
            d: DesiredFlow = change.desired
            repository.deploy_flow(d.name, d.workspace, d.digest, d.document, by=by)
            return
        if change.kind is ObjectKind.TRIGGER:
            _set_trigger(repository, change, by)
            return
        flow, _, index = change.address.name.rpartition("/")
        schedule = None if change.action is Action.DELETE else change.desired
        try:
            repository.set_schedule(flow, int(index), schedule, by=by)
        except LookupError:
            if change.action is not Action.DELETE:  # deleting a schedule of a flow already gone is done
                raise WeavzFlowError(f"{change.address}: flow '{flow}' is not deployed; apply flow.{flow} first")\
                    from None


def _set_trigger(repository: DeploymentStore, change: Change, by: str) -> None:
    flow, _, key = change.address.name.partition("/")
    try:
        repository.set_trigger(flow, key, None if change.action is Action.DELETE else change.desired, by=by)
    except LookupError:
        if change.action is not Action.DELETE:  # deleting a trigger of a flow already gone is done
            raise WeavzFlowError(f"{change.address}: flow '{flow}' is not deployed; apply flow.{flow} first") from None
