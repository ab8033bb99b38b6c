"""Flow checks: workspace, end users, step ``uses``, ``needs`` and partials, and each step's input against the
catalog after the applicable partials are merged."""

from __future__ import annotations

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.config.checks.backend_fit import check_step_backend
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.checks.flow_partials import check_step_partials
from weavz_flow.config.checks.literal_types import literal_problem
from weavz_flow.config.checks.partial_refs import check_partial_names
from weavz_flow.config.model.flow import FlowFile, StepConfig
from weavz_flow.config.model.workspace import Strategy, WorkspaceFile
from weavz_flow.config.partial_selection import applicable_partials, enforcer_of, merged_values
from weavz_flow.config.project import Project, SourceFile
from weavz_flow.config.templates import is_template
from weavz_flow.diagnostics import Position
from weavz_flow.suggest import did_you_mean


def check_flows(project: Project, catalog: Catalog, findings: Findings, *, remote: bool = False) -> None:
    """``remote``: the steps run on a remote backend (else on the embedded engine)."""
    for name, flow in project.flows.items():
        source = project.flow_source(name)
        workspace = project.workspaces.get(flow.workspace)
        if workspace is None and flow.workspace not in project.unbuilt_workspaces:
            findings.error("unknown-workspace", f"workspace '{flow.workspace}' is not declared in this project",
                           source.at("workspace"),
                           did_you_mean(flow.workspace, project.workspaces)
                           or f"declare it in a workspace file ('workspace: {flow.workspace}')")
        _check_step_ids(flow, source, findings)
        _check_schedule_inputs(flow, source, findings)
        if workspace is None:
            continue
        ws_source = project.workspace_source(flow.workspace)
        if flow.end_user is not None:
            _check_end_user(flow.end_user, workspace, ws_source, source, findings, "end_user")
        for section, steps in (("steps", flow.steps), ("finally", flow.finally_)):
            for index, step in enumerate(steps):
                _StepCheck(flow, step, (section, index), workspace, ws_source, source, catalog, findings,
                           project, remote).run()


def _check_step_ids(flow: FlowFile, source: SourceFile, findings: Findings) -> None:
    seen: dict[str, tuple[str, int]] = {}
    order = {s.id: i for i, s in enumerate(flow.steps)}
    for section, steps in (("steps", flow.steps), ("finally", flow.finally_)):
        for index, step in enumerate(steps):
            if step.id in seen:
                findings.error("duplicate-step", f"step id '{step.id}' is used twice in this flow",
                               source.at(section, index, "id"), f"first used at {source.at(*seen[step.id], 'id')}")
            else:
                seen[step.id] = (section, index)
            for j, dep in enumerate(step.needs or ()):
                where = source.at(section, index, "needs", j)
                if section == "finally":
                    findings.error("invalid-needs", "'needs' is not used in 'finally' steps: they run in order",
                                   where, "remove 'needs' from this step")
                elif dep not in order and not source.damage.may_hold(dep, "steps"):
                    findings.error("unknown-step", f"'needs' names unknown step '{dep}'", where,
                                   did_you_mean(dep, order) or "name an earlier step's id")
                elif dep in order and order[dep] >= index:
                    findings.error("later-step", f"'needs' names step '{dep}', which is not an earlier step", where,
                                   f"move step '{dep}' above this one, or drop it from 'needs'")


def _check_schedule_inputs(flow: FlowFile, source: SourceFile, findings: Findings) -> None:
    if flow.schedule is None:
        return
    for name, spec in flow.inputs.items():
        if spec.required and not spec.has_default:
            findings.error("schedule-input", f"scheduled flow has required input '{name}' without a default",
                           source.key_at("inputs", name), "give it a default: a schedule passes no inputs")


def _check_end_user(
    end_user: str, workspace: WorkspaceFile, ws_source: SourceFile, source: SourceFile, findings: Findings,
    *path: str | int,
) -> None:
    if is_template(end_user) or end_user in workspace.end_users or ws_source.damage.may_hold(end_user, "end_users"):
        return
    findings.error("unknown-end-user", f"end user '{end_user}' is not declared in workspace '{workspace.workspace}'",
                   source.at(*path), did_you_mean(end_user, workspace.end_users) or "declare it under 'end_users'")


class _StepCheck:
    def __init__(
        self,
        flow: FlowFile,
        step: StepConfig,
        path: tuple[str, int],
        workspace: WorkspaceFile,
        ws_source: SourceFile,
        source: SourceFile,
        catalog: Catalog,
        findings: Findings,
        project: Project,
        remote: bool,
    ) -> None:
        self.flow, self.step, self.path = flow, step, path
        self.workspace, self.source, self.catalog, self.findings = workspace, source, catalog, findings
        self.ws_source, self.settings_source, self.remote = ws_source, project.settings_source, remote

    def at(self, *rest: str | int) -> Position:
        return self.source.at(*self.path, *rest)

    def key_at(self, *rest: str | int) -> Position:
        return self.source.key_at(*self.path, *rest)

    def run(self) -> None:
        step = self.step
        if step.end_user is not None:
            _check_end_user(step.end_user, self.workspace, self.ws_source, self.source, self.findings, *self.path,
                            "end_user")
        alias_cfg = self.workspace.integrations.get(step.alias)
        if alias_cfg is None:
            if self.ws_source.damage.may_hold(step.alias, "integrations"):
                return
            self.findings.error("unknown-alias",
                                f"'{step.alias}' is not an alias of workspace '{self.workspace.workspace}'",
                                self.at("uses"), did_you_mean(step.alias, self.workspace.integrations)
                                or f"declare it under 'integrations' in workspace '{self.workspace.workspace}'")
            return
        if (alias_cfg.strategy is Strategy.PER_USER and step.end_user is None and self.flow.end_user is None
                and not self.source.damage.touches("end_user") and not self.source.damage.touches(*self.path)):
            self.findings.error("end-user-required",
                                f"alias '{step.alias}' uses strategy 'per_user', so the step needs an end user",
                                self.at("uses"), "set 'end_user' on the step or the flow")
        self._check_partial_names()
        check_step_partials(self.workspace, step, self.at, self.key_at, self.findings)
        info = self.catalog.find(alias_cfg.integration)
        if info is None:
            return  # reported on the alias
        action = info.actions.get(step.action)
        if action is None:
            self.findings.error("unknown-action", f"integration '{info.name}' has no action '{step.action}'",
                                self.at("uses"), did_you_mean(step.action, info.actions)
                                or f"list its actions with 'weavz-flow integrations show {info.name}'")
            return
        settings_damage = self.settings_source.damage if self.settings_source is not None else None
        if settings_damage is None or not settings_damage.touches("backend"):
            check_step_backend(self.remote, info, action, self.at("uses"), self.findings)
        # An 'actions' list with a name the catalog lacks is reported there; it may be this action misspelled.
        if alias_cfg.actions is not None and step.action not in alias_cfg.actions \
                and all(a in info.actions for a in alias_cfg.actions):
            self.findings.error("action-not-enabled",
                                f"action '{step.action}' is not enabled on alias '{step.alias}'", self.at("uses"),
                                "add it to the alias's 'actions' list")
        self._check_input(action, info)

    def _misspelled_partial(self, info: IntegrationInfo) -> bool:
        """Whether a partial of this alias names an action the catalog lacks (reported there): it may be meant for
        this step's action, and its values with it."""
        return any(p.alias == self.step.alias and p.action is not None and p.action not in info.actions
                   for p in self.workspace.partials.values())

    def _check_partial_names(self) -> None:
        check_partial_names(self.workspace, self.step.partials or (), self.step.uses,
                            lambda i: self.at("partials", i), self.ws_source.damage, self.findings)

    def _check_input(self, action: ActionInfo, info: IntegrationInfo) -> None:
        step = self.step
        partials = applicable_partials(self.workspace, step)
        for key in step.with_:
            enforcer = enforcer_of(partials, key)
            if enforcer is not None:
                self.findings.error(
                    "enforced-key",
                    f"'{key}' is enforced by partial '{enforcer}'; the step's value would be silently replaced",
                    self.key_at("with", key), f"remove '{key}' from the step or from the partial's 'enforced'",
                )
            field = action.field(key)
            if field is None:
                self.findings.error("unknown-input-key", f"'{key}' is not an input of '{action.key}'",
                                    self.key_at("with", key), did_you_mean(key, action.field_names)
                                    or f"its inputs: 'weavz-flow integrations show {action.integration} "
                                       f"{action.name}'")
                continue
            problem = literal_problem(field, step.with_[key])
            if problem:
                self.findings.error("wrong-type", problem.message, self.at("with", key), problem.hint)
        merged = {**action.defaults(), **merged_values(partials, step.with_)}
        missing = [f for f in action.required if merged.get(f) is None]
        # A value may sit in what a schema error left out: the step's own 'with', or a partial.
        unsure = self.source.damage.touches(*self.path, "with") or self.ws_source.damage.lost_any("partials") \
            or any(self.ws_source.damage.touches("partials", name) for name, _ in partials) \
            or self._misspelled_partial(info)
        if missing and not unsure:
            names = ", ".join(f"'{m}'" for m in missing)
            via = " (after partials)" if partials else ""
            self.findings.error("missing-input", f"'{action.key}' requires {names}, which the step does not set{via}",
                                self.at("uses"),
                                f"add {'it' if len(missing) == 1 else 'them'} under 'with' or in a default partial")
