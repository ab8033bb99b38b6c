"""Checks of a flow's ``on:`` entries: each trigger's alias and name (with "did you mean"), its input against the
catalog's TriggerInfo (unknown keys, literal types, required fields), keys unique in the flow, and webhook paths
unique in the project. A trigger's ``with`` is literal: it is registered once, not rendered per run."""

from __future__ import annotations

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import TriggerInfo
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.checks.literal_types import literal_problem
from weavz_flow.config.model.flow import FlowFile
from weavz_flow.config.model.flow_on import TriggerSpec
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.project import Project, SourceFile
from weavz_flow.config.templates import is_template
from weavz_flow.suggest import did_you_mean


def check_flow_triggers(project: Project, catalog: Catalog, findings: Findings) -> None:
    paths: dict[str, str] = {}  # webhook path -> the flow that took it first
    for name, flow in sorted(project.flows.items()):
        source = project.flow_source(name)
        _check_keys(flow, source, findings)
        if flow.on and flow.steps and not source.damage.touches("inputs"):
            _check_inputs(flow, source, findings)
        workspace = project.workspaces.get(flow.workspace)
        for index, entry in enumerate(flow.on):
            if entry.webhook is not None:
                first = paths.setdefault(entry.webhook.path, name)
                if first != name:
                    findings.error("duplicate-webhook-path", f"webhook path '{entry.webhook.path}' is taken by flow "
                                   f"'{first}' already", source.at("on", index, "webhook", "path"),
                                   "give each flow webhook its own path")
            elif entry.trigger is not None and workspace is not None:
                _TriggerCheck(entry.trigger, ("on", index, "trigger"), workspace, project, source, catalog,
                              findings).run()


def _check_keys(flow: FlowFile, source: SourceFile, findings: Findings) -> None:
    seen: dict[str, int] = {}
    for index, entry in enumerate(flow.on):
        if entry.key in seen:
            findings.error("duplicate-trigger", f"'on' has entry '{entry.key}' twice", source.at("on", index),
                           f"give one of them an 'id'; the first is at {source.at('on', seen[entry.key])}")
        else:
            seen[entry.key] = index


def _check_inputs(flow: FlowFile, source: SourceFile, findings: Findings) -> None:
    for name, spec in flow.inputs.items():
        if spec.required and not spec.has_default:
            findings.error("trigger-input", f"flow started by events has required input '{name}' without a default",
                           source.key_at("inputs", name), "give it a default: an event passes no inputs")


class _TriggerCheck:
    def __init__(self, spec: TriggerSpec, path: tuple[str | int, ...], workspace: WorkspaceFile, project: Project,
                 source: SourceFile, catalog: Catalog, findings: Findings) -> None:
        self.spec, self.path, self.workspace, self.source = spec, path, workspace, source
        self.ws_source = project.workspace_source(workspace.workspace)
        self.catalog, self.findings = catalog, findings

    def run(self) -> None:
        spec = self.spec
        alias = self.workspace.integrations.get(spec.alias)
        if alias is None:
            if not self.ws_source.damage.may_hold(spec.alias, "integrations"):
                self.findings.error("unknown-alias",
                                    f"'{spec.alias}' is not an alias of workspace '{self.workspace.workspace}'",
                                    self.source.at(*self.path, "uses"),
                                    did_you_mean(spec.alias, self.workspace.integrations)
                                    or f"declare it under 'integrations' in workspace '{self.workspace.workspace}'")
            return
        info = self.catalog.find(alias.integration)
        if info is None:
            return  # reported on the alias
        trigger = info.triggers.get(spec.trigger)
        if trigger is None:
            hint = did_you_mean(spec.trigger, info.triggers) or (
                "its triggers: " + ", ".join(sorted(info.triggers)) if info.triggers
                else f"integration '{info.name}' defines no triggers")
            self.findings.error("unknown-trigger", f"integration '{info.name}' has no trigger '{spec.trigger}'",
                                self.source.at(*self.path, "uses"), hint)
            return
        self._check_input(trigger)

    def _check_input(self, trigger: TriggerInfo) -> None:
        given = self.spec.with_
        for key, value in given.items():
            where = self.source.at(*self.path, "with", key)
            if is_template(value):
                self.findings.error("trigger-template", "a trigger's input is registered once, not rendered: "
                                    "templates are not allowed here", where, "give a literal value")
                continue
            field = trigger.field(key)
            if field is None:
                self.findings.error("unknown-input-key", f"'{key}' is not an input of trigger '{trigger.key}'",
                                    self.source.key_at(*self.path, "with", key),
                                    did_you_mean(key, trigger.field_names)
                                    or f"its inputs: {', '.join(trigger.field_names) or 'none'}")
                continue
            problem = literal_problem(field, value)
            if problem:
                self.findings.error("wrong-type", problem.message, where, problem.hint)
        if self.source.damage.touches(*self.path, "with") or self._partial_may_supply():
            return
        merged = {**trigger.defaults(), **given}
        missing = [f for f in trigger.required if merged.get(f) is None]
        if missing:
            names = ", ".join(f"'{m}'" for m in missing)
            self.findings.error("missing-input", f"trigger '{trigger.key}' requires {names}, which the entry does "
                                "not set", self.source.at(*self.path, "uses"),
                                f"add {'it' if len(missing) == 1 else 'them'} under 'with'")

    def _partial_may_supply(self) -> bool:
        """A default partial of the alias for this trigger (or the whole integration) may give a required value:
        the engine merges it when the source is registered."""
        return any(p.alias == self.spec.alias and (p.default or p.enforced) and p.action in (None, self.spec.trigger)
                   for p in self.workspace.partials.values())
