"""Checks before a run's first step: what would make a step fail that can be known without running anything.

For each step: its alias exists on the backend in the flow's workspace (for the declared integration) and allows
the step's action; the end user it acts for exists; the connection its alias's strategy needs exists (``fixed``: the
alias's pinned connection; ``per_user``: the end user's own for that integration; ``per_user_with_fallback``: either).
An ``end_user`` or ``if`` that reads an earlier step's output cannot be known yet: the step's checks that need it are
skipped and said so. Reads are bounded whatever the flow's length: the workspace list, the connection list and one
snapshot of the flow's workspace.

Every problem found is reported at once, with the steps it affects (id and file:line) and the fix; the same text
serves ``run`` (which then fails before any side effect) and ``--dry-run``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.backends.live import LiveAlias, LiveConnection, WorkspaceSnapshot
from weavz_flow.backends.protocol import Backend
from weavz_flow.config.model.flow import FlowFile, StepConfig
from weavz_flow.config.project import Project
from weavz_flow.errors import ApiError, ErrorCode, WeavzFlowError
from weavz_flow.redact import Redactor
from weavz_flow.runner.context import RunContext
from weavz_flow.runner.prepare import truthy
from weavz_flow.runner.render import RenderError, Where, render_value

NeedsConnection = Callable[[str], bool | None]  # integration name -> needs a connection (None: unknown)
_SHOWN = 8  # names listed in a fix ("pass one of: ...")


@dataclass(frozen=True, slots=True)
class StepPlace:
    step_id: str
    where: str | None  # "flows/announce.yaml:9", when the flow's source is known

    def __str__(self) -> str:
        return f"step '{self.step_id}'" + (f" ({self.where})" if self.where else "")


@dataclass(frozen=True, slots=True)
class Problem:
    code: str  # the engine's error code the step would fail with
    message: str
    fix: str
    steps: tuple[StepPlace, ...] = ()  # empty: the whole flow


@dataclass(frozen=True, slots=True)
class Unchecked:
    step: StepPlace
    reason: str


@dataclass(frozen=True, slots=True)
class PreflightReport:
    flow: str
    problems: tuple[Problem, ...] = ()
    unchecked: tuple[Unchecked, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        """The problems as one message: run's error and dry-run's report use this same wording."""
        count = len(self.problems)
        lines = [f"flow '{self.flow}' cannot run: {count} problem{'s' if count != 1 else ''} found before any step "
                 "ran (nothing was executed)"]
        for problem in self.problems:
            where = ", ".join(str(s) for s in problem.steps)
            lines.append(f"  - {where + ': ' if where else ''}{problem.message}")
            lines.append(f"    fix: {problem.fix}")
        return "\n".join(lines)

    def unchecked_lines(self) -> list[str]:
        return [f"{u.step}: not checked before the run: {u.reason}" for u in self.unchecked]


class PreflightError(WeavzFlowError):
    """A run refused before its first step; the message names every problem found."""

    def __init__(self, report: PreflightReport, redactor: Redactor | None = None) -> None:
        text = report.text()
        super().__init__(redactor.text(text) if redactor is not None else text)
        self.report = report


@dataclass(slots=True)
class _Collector:
    """Problems keyed by their text, so one cause shared by several steps is reported once with all of them."""

    problems: dict[tuple[str, str, str], list[StepPlace]] = field(default_factory=dict)
    unchecked: list[Unchecked] = field(default_factory=list)

    def add(self, code: str, message: str, fix: str, place: StepPlace | None = None) -> None:
        places = self.problems.setdefault((code, message, fix), [])
        if place is not None and place not in places:
            places.append(place)

    def report(self, flow: str) -> PreflightReport:
        found = tuple(Problem(code, message, fix, tuple(places))
                      for (code, message, fix), places in self.problems.items())
        return PreflightReport(flow, found, tuple(self.unchecked))


def check_flow(project: Project, backend: Backend, context: RunContext,
               needs_connection: NeedsConnection | None = None) -> PreflightReport:
    """Everything that would fail the flow's steps and is knowable before it runs (see the module docstring)."""
    flow = context.flow
    out = _Collector()
    source = project.flow_sources.get(flow.name)
    file = source.display if source else flow.name
    numbered = [("steps", i, s) for i, s in enumerate(flow.steps)] + [("finally", i, s)
                                                                     for i, s in enumerate(flow.finally_)]
    places = {step.id: StepPlace(step.id, _where(project, flow, section, i)) for section, i, step in numbered}
    try:
        workspaces = {w.slug: w for w in backend.list_workspaces()}
        live = workspaces.get(flow.workspace)
        if live is None:
            out.add("WORKSPACE_NOT_FOUND", f"workspace '{flow.workspace}' does not exist on {backend.description}",
                    f"run `weavz-flow apply` to create it{_one_of(workspaces, ', or point the flow at one of:')}")
            return out.report(flow.name)
        snapshot = backend.snapshot(live)
        connections = backend.list_connections()
    except ApiError as exc:
        if exc.code is not ErrorCode.SCOPE_DENIED:
            raise
        # A workspace-scoped API key may execute actions yet not read the workspace's configuration.
        for place in places.values():
            out.unchecked.append(Unchecked(place, f"the API key cannot read the workspace ({exc.code.value})"))
        return out.report(flow.name)
    checker = _StepChecker(project, flow, snapshot, connections, needs_connection, out)
    names = context.template_vars(frozenset())
    for step in flow.all_steps:
        place = places[step.id]
        if step.if_ is not None:
            try:
                condition = render_value(step.if_, names, Where(file, step.id, "if"))
            except RenderError:
                condition = True  # known only at run time: the step may run, so it is checked
            if not truthy(condition):
                continue  # it will be skipped
        end_user = context.end_user
        known_user = True
        if step.end_user is not None:
            try:
                end_user = render_value(step.end_user, names, Where(file, step.id, "end_user"))
            except RenderError:
                known_user = False
                out.unchecked.append(Unchecked(place, "its end_user comes from an earlier step's output; the end "
                                                      "user and the connection it needs are checked when it runs"))
        checker.check(step, place, str(end_user) if end_user is not None else None, known_user)
    return out.report(flow.name)


class _StepChecker:
    def __init__(self, project: Project, flow: FlowFile, snapshot: WorkspaceSnapshot,
                 connections: list[LiveConnection], needs_connection: NeedsConnection | None,
                 out: _Collector) -> None:
        self.flow = flow
        self.workspace = snapshot.workspace
        self.declared = project.workspaces.get(flow.workspace)
        self.aliases = {a.alias: a for a in snapshot.aliases}
        self.end_users = sorted(u.external_id for u in snapshot.end_users)
        self.connections = [c for c in connections if c.workspace_id in (None, snapshot.workspace.id)]
        self.by_id = {c.id: c for c in self.connections}
        self.needs_connection = needs_connection
        self.out = out

    def check(self, step: StepConfig, place: StepPlace, end_user: str | None, known_user: bool) -> None:
        ws = self.flow.workspace
        if end_user is not None and end_user not in self.end_users:
            self.out.add("END_USER_NOT_FOUND", f"end user '{end_user}' does not exist in workspace '{ws}'",
                         f"create end user '{end_user}' in workspace {ws} (under end_users: in its workspace file, "
                         f"then `weavz-flow apply`){_one_of(self.end_users, ', or pass one of:')}", place)
            known_user = False  # its connections cannot be looked up
        alias = self.aliases.get(step.alias)
        if alias is None:
            self._missing_alias(step, place)
            return
        declared = self.declared.integrations.get(step.alias) if self.declared else None
        if declared is not None and declared.integration != alias.integration:
            self.out.add("INTEGRATION_MISMATCH",
                         f"alias '{step.alias}' is '{alias.integration}' on the backend but '{declared.integration}' "
                         f"in workspace '{ws}'", "run `weavz-flow apply` to bring the backend in line", place)
            return
        if alias.enabled_actions is not None and step.action not in alias.enabled_actions:
            self.out.add("ACTION_NOT_ALLOWED", f"action '{step.action}' is not enabled for alias '{step.alias}'",
                         f"add '{step.action}' to the alias's actions: in workspace {ws} and apply"
                         f"{_one_of(alias.enabled_actions, ', or use one of:')}", place)
        if self.needs_connection is not None and self.needs_connection(alias.integration) is False:
            return
        if known_user:
            self._connection(alias, place, end_user)

    def _missing_alias(self, step: StepConfig, place: StepPlace) -> None:
        ws = self.flow.workspace
        if self.declared is not None and step.alias in self.declared.integrations:
            fix = f"run `weavz-flow apply`: alias '{step.alias}' is declared in workspace {ws} but not applied"
        else:
            fix = f"declare alias '{step.alias}' under integrations: of workspace {ws} and apply" \
                  f"{_one_of(self.aliases, ', or use one of:')}"
        self.out.add("ALIAS_NOT_FOUND", f"alias '{step.alias}' does not exist in workspace '{ws}'", fix, place)

    def _connection(self, alias: LiveAlias, place: StepPlace, end_user: str | None) -> None:
        ws, name, integration = self.flow.workspace, alias.alias, alias.integration
        pinned = self.by_id.get(alias.connection_id) if alias.connection_id else None
        if alias.strategy == "fixed":
            if pinned is None:
                self._no_pinned(alias, place)
            return
        own = [c for c in self.connections if c.end_user == end_user and c.integration == integration] \
            if end_user is not None else []
        if own or (alias.strategy == "per_user_with_fallback" and pinned is not None):
            return
        if alias.strategy == "per_user_with_fallback":
            self._no_pinned(alias, place, f" and end user '{end_user}' has no {integration} connection"
                            if end_user else " and no end user is given")
            return
        with_one = sorted({c.end_user for c in self.connections if c.integration == integration and c.end_user})
        if end_user is None:
            self.out.add("CONNECTION_REQUIRED", f"alias '{name}' uses per_user connections and no end user is given",
                         "pass --end-user, or set end_user: on the flow or the step"
                         f"{_one_of(with_one, f'; end users with a {integration} connection:')}", place)
            return
        self.out.add("CONNECTION_REQUIRED", f"end user '{end_user}' has no {integration} connection for alias "
                                            f"'{name}' (per_user)",
                     f"create a {integration} connection for end user '{end_user}' in workspace {ws} and apply"
                     f"{_one_of(with_one, ', or pass one of:')}", place)

    def _no_pinned(self, alias: LiveAlias, place: StepPlace, extra: str = "") -> None:
        what = f"pins connection id {alias.connection_id}, which does not exist" if alias.connection_id \
            else "has no connection"
        self.out.add("CONNECTION_REQUIRED", f"alias '{alias.alias}' ({alias.strategy}) {what}{extra}",
                     f"set connection: on alias '{alias.alias}' in workspace {self.flow.workspace} to an existing "
                     f"{alias.integration} connection and apply", place)


def _where(project: Project, flow: FlowFile, section: str, index: int) -> str | None:
    source = project.flow_sources.get(flow.name)
    if source is None:
        return None
    position = source.at(section, index)
    return f"{position.file}:{position.line}"


def _one_of(names: Mapping[str, Any] | list[str] | tuple[str, ...], lead: str) -> str:
    """`` <lead> a, b, c`` (at most _SHOWN names), or nothing when there are none."""
    listed = sorted(names)
    if not listed:
        return ""
    more = f", ... ({len(listed) - _SHOWN} more)" if len(listed) > _SHOWN else ""
    return f"{lead} " + ", ".join(listed[:_SHOWN]) + more
