"""Where schedulers and workers get schedules and flows from.

:class:`DeployedFlows` (what ``weavz-flow schedule``, ``worker`` and ``serve --scheduler`` use): the deployment that
``apply`` published to the store (:mod:`weavz_flow.plan.deployment`). It is read again on every tick, so a schedule
added, changed or removed by an apply is picked up within a tick, without a restart; each fire records the flow
version (digest) it was scheduled with, and the worker runs exactly that version, loaded from the store. The store is
the one truth for every process, so a fire of a flow that is no longer deployed (or whose schedule is disabled) is
abandoned at once.

:class:`ProjectFlows`: one project checkout (the library's in-process use and its tests). Several processes may run
different checkouts during a rolling deploy, so a fire its checkout lacks is only abandoned once it is stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from weavz_flow.backends.schedules import DeploymentStore
from weavz_flow.backends.stores import Store
from weavz_flow.config.model.flow import ScheduleConfig
from weavz_flow.config.project import Project
from weavz_flow.config.schedules import ScheduledFlow
from weavz_flow.plan.deployment import SHORT, canonical_json, project_from_version, schedule_config
from weavz_flow.plan.flow_triggers import trigger_documents
from weavz_flow.schedule.project_schedules import abandon_reason, schedules_of

NOT_DEPLOYED = "abandoned: the flow is no longer deployed (an apply removed it, or its schedule)"
NO_TRIGGERS = "abandoned: the flow is no longer deployed with 'on' triggers (an apply removed it, or them)"
_CACHE = 64  # flow versions kept parsed per process


@dataclass(frozen=True, slots=True)
class Scheduled:
    config: ScheduleConfig
    digest: str | None  # the flow version its fires run; None: the checkout's flow of that name


@dataclass(frozen=True, slots=True)
class Triggered:
    """A flow's ``on:`` entries as deployed (plan/flow_triggers.py's objects, by key)."""

    workspace: str
    digest: str | None  # the flow version its events' fires run
    triggers: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Runnable:
    """A fire's flow, ready to run: a project that holds it under the fire's schedule name."""

    project: Project
    digest: str | None
    document: Mapping[str, Any] | None = None  # the deployed flow version document (a run that waits records it)


class FlowSource(Protocol):
    authoritative: bool  # a fire of a schedule this source lacks is abandoned at once (else only once stale)

    def describe(self) -> str:
        """Where the schedules come from, for a startup line."""
        ...

    def schedules(self) -> dict[str, Scheduled]:
        """Schedule name (the flow's name) -> its schedule, enabled or not."""
        ...

    def triggers(self) -> dict[str, Triggered]:
        """Flow name -> its ``on:`` entries, for every flow that has some."""
        ...

    def runnable(self, schedule: str, digest: str | None, *, event: bool = False) -> Runnable | str:
        """The flow a fire of ``schedule`` scheduled with ``digest`` runs (``event``: the fire of an event of its
        ``on:`` entries), or why the fire is abandoned instead."""
        ...


class ProjectFlows:
    authoritative = False

    def __init__(self, project: Project) -> None:
        self.project = project

    def describe(self) -> str:
        return f"the project at {self.project.root}"

    def schedules(self) -> dict[str, Scheduled]:
        return {name: Scheduled(config, None) for name, config in schedules_of(self.project).items()}

    def triggers(self) -> dict[str, Triggered]:
        return {name: Triggered(flow.workspace, None,
                                trigger_documents(flow, self.project.workspaces.get(flow.workspace)))
                for name, flow in sorted(self.project.flows.items()) if flow.on}

    def runnable(self, schedule: str, digest: str | None, *, event: bool = False) -> Runnable | str:
        if event:
            flow = self.project.flows.get(schedule)
            return Runnable(self.project, None) if flow is not None and flow.on else NO_TRIGGERS
        reason = abandon_reason(schedules_of(self.project), schedule)
        return reason if reason is not None else Runnable(self.project, None)


class DeployedFlows:
    authoritative = True

    def __init__(self, store: Store, root: Path | None = None) -> None:
        self.repository = DeploymentStore(store)
        self.root = root or Path.cwd()  # where a flow's `file:` secret references are read from
        self._configs: dict[str, ScheduleConfig] = {}
        self._projects: OrderedDict[str, tuple[Project, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()  # a worker runs several fires at once, each asking for its flow

    def describe(self) -> str:
        return f"the flows deployed by `weavz-flow apply` in {self.repository.store!r}"

    def schedules(self) -> dict[str, Scheduled]:
        found: dict[str, Scheduled] = {}
        for name, deployment in self.repository.deployments().items():
            if deployment.schedules:  # one schedule per flow today: index 0 (see plan/deployment.py)
                found[name] = Scheduled(self._config(deployment.schedules[0]), deployment.digest)
        return found

    def triggers(self) -> dict[str, Triggered]:
        return {name: Triggered(d.workspace, d.digest, d.triggers)
                for name, d in self.repository.deployments().items() if d.triggers}

    def runnable(self, schedule: str, digest: str | None, *, event: bool = False) -> Runnable | str:
        deployment = self.repository.deployment(schedule)
        if event:
            if deployment is None or not deployment.triggers:
                return NO_TRIGGERS
        elif deployment is None or not deployment.schedules:
            return NOT_DEPLOYED
        else:
            reason = abandon_reason({schedule: self._config(deployment.schedules[0])}, schedule)
            if reason is not None:
                return reason
        wanted = digest or deployment.digest  # a fire scheduled before digests were recorded: the deployed one
        found = self._project(wanted)
        if found is None:
            return f"abandoned: flow version sha256:{wanted[:SHORT]} of '{schedule}' is not in the store"
        return Runnable(found[0], wanted, found[1])

    def listed(self) -> list[ScheduledFlow]:
        """The deployed schedules as ``schedule --list`` shows them (by flow name)."""
        found = []
        for name, deployment in self.repository.deployments().items():
            if deployment.schedules:
                c = self._config(deployment.schedules[0])
                found.append(ScheduledFlow(name, deployment.workspace, c.cron, c.timezone, False, c.enabled,
                                           c.overlap, c.missed))
        return found

    def _config(self, schedule: Any) -> ScheduleConfig:
        key = canonical_json(schedule)
        config = self._configs.get(key)
        if config is None:
            config = self._configs[key] = schedule_config(schedule)
        return config

    def _project(self, digest: str) -> tuple[Project, dict[str, Any]] | None:
        with self._lock:
            found = self._projects.get(digest)
            if found is not None:
                self._projects.move_to_end(digest)
                return found
        document = self.repository.version(digest)
        if document is None:
            return None
        found = (project_from_version(document, self.root), document)
        with self._lock:
            self._projects[digest] = found
            while len(self._projects) > _CACHE:
                self._projects.popitem(last=False)
        return found


def as_source(source: FlowSource | Project) -> FlowSource:
    return ProjectFlows(source) if isinstance(source, Project) else source
