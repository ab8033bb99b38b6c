"""Template checks: Jinja syntax, and references to inputs, steps, secrets and environment variables that exist
and (for steps) are sure to have finished first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.flow import FlowFile, StepConfig
from weavz_flow.config.project import Project, SourceFile
from weavz_flow.config.templates import (
    CONTEXT_ROOTS,
    LOOP_ROOTS,
    STEP_FIELDS,
    TRIGGER_FIELDS,
    TRIGGER_ROOT,
    TemplateScan,
    TemplateSyntaxProblem,
    is_template,
    scan_template,
)
from weavz_flow.config.yaml_source import NodePath
from weavz_flow.suggest import did_you_mean


def check_templates(project: Project, findings: Findings) -> None:
    allowed_env = set(project.settings.env)
    settings = project.settings_source
    # A project file whose 'env' had a schema error may allow more than the model says.
    env_unsure = settings is not None and settings.damage.lost_any("env")
    for name, flow in project.flows.items():
        checker = _FlowTemplates(flow, project.flow_source(name), allowed_env, env_unsure, findings)
        if flow.end_user is not None:
            checker.check(flow.end_user, ("end_user",), step=None, loop=False)
        for section, steps in (("steps", flow.steps), ("finally", flow.finally_)):
            for index, step in enumerate(steps):
                for path, value, loop in _step_strings(step):
                    checker.check(value, (section, index, *path), step=step, loop=loop)


def _step_strings(step: StepConfig) -> Iterator[tuple[NodePath, str, bool]]:
    """Every string of a step that may be a template, with its path and whether ``item``/``index`` are defined."""
    looped = step.for_each is not None
    yield from ((p, v, looped) for p, v in _strings(step.with_, ("with",)))
    if isinstance(step.if_, str):
        yield ("if",), step.if_, False  # evaluated once, before the items (runner/step.py)
    if step.for_each is not None:
        yield from ((p, v, False) for p, v in _strings(step.for_each, ("for_each",)))
    if step.end_user is not None:
        yield ("end_user",), step.end_user, looped


def _strings(value: Any, path: NodePath) -> Iterator[tuple[NodePath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


# Where a flow file declares what a template reads.
_DECLARED_IN = {"inputs": ("inputs",), "secrets": ("secrets",), "steps": ("steps", "finally")}

# Besides its fields, a step's result is a mapping in the sandbox, so steps.x.get('output') is valid too.
_STEP_READS = frozenset(STEP_FIELDS) | {"get", "items", "keys", "values"}


class _FlowTemplates:
    def __init__(self, flow: FlowFile, source: SourceFile, allowed_env: set[str], env_unsure: bool,
                 findings: Findings) -> None:
        self.flow, self.source, self.allowed_env, self.findings = flow, source, allowed_env, findings
        self.env_unsure = env_unsure
        self.step_ids = [s.id for s in flow.all_steps]
        # A flow that also has a schedule (or is run by hand) gets trigger None then: reading it is still valid.
        self.trigger_root = frozenset({TRIGGER_ROOT}) if flow.on or source.damage.touches("on") else frozenset()

    def check(self, value: str, path: NodePath, *, step: StepConfig | None, loop: bool) -> None:
        where = self.source.at_path(path)
        if path[-1:] == ("if",) and not is_template(value):
            self.findings.error("invalid-if", "'if' must be a template such as \"{{ inputs.enabled }}\" or a boolean",
                                where)
            return
        if not is_template(value):
            return
        scan = scan_template(value)
        if isinstance(scan, TemplateSyntaxProblem):
            line = f" (template line {scan.line})" if scan.line > 1 else ""
            self.findings.error("template-syntax", f"template syntax error: {scan.message}{line}", where, scan.hint)
            return
        self._names(scan, where, step=step, loop=loop, path=path)
        self._refs(scan, where, step)

    def _names(self, scan: TemplateScan, where: Any, *, step: StepConfig | None, loop: bool, path: NodePath) -> None:
        known = CONTEXT_ROOTS | (LOOP_ROOTS if loop else frozenset()) | self.trigger_root
        if step is None:
            known = known - {"steps"}
        for name in sorted(scan.names - known):
            if name in LOOP_ROOTS and path[-1:] == ("if",) and step is not None and step.for_each is not None:
                self.findings.error(
                    "if-reads-item", f"'if' is evaluated once, before the 'for_each' items: '{name}' is not "
                    "defined there", where,
                    "to run the step for some items only, filter the list in 'for_each', e.g. for_each: "
                    "\"{{ inputs.users | selectattr('active') | list }}\", and keep 'if' for the whole step")
            elif name in LOOP_ROOTS:
                self.findings.error("unknown-name", f"'{name}' is only defined in a step with 'for_each'", where)
            elif name == TRIGGER_ROOT:
                self.findings.error("unknown-name", "'trigger' is only defined in a flow started by events ('on:')",
                                    where, "add an 'on:' trigger or webhook to the flow, or read 'inputs' instead")
            elif name == "steps":
                self.findings.error("unknown-name", "the flow's end_user cannot read step results", where)
            else:
                self.findings.error("unknown-name", f"template reads unknown name '{name}'", where,
                                    did_you_mean(name, known) or "known names: " + ", ".join(sorted(known)))

    def _refs(self, scan: TemplateScan, where: Any, step: StepConfig | None) -> None:
        flow = self.flow
        for ref in scan.refs:
            key = ref.key
            if any(self.source.damage.may_hold(key, c) for c in _DECLARED_IN.get(ref.root, ())):
                continue  # its declaration had a schema error, already reported
            if ref.root == "inputs" and key not in flow.inputs:
                self.findings.error("unknown-input", f"template reads undeclared input '{key}'", where,
                                    did_you_mean(key, flow.inputs) or "declare it under the flow's 'inputs'")
            elif ref.root == "secrets" and key not in flow.secrets:
                self.findings.error("unknown-secret", f"template reads undeclared secret '{key}'", where,
                                    did_you_mean(key, flow.secrets) or "declare it under the flow's 'secrets'")
            elif ref.root == "env" and key not in self.allowed_env and not self.env_unsure:
                self.findings.error("env-not-allowed", f"environment variable '{key}' is not in the project's 'env' "
                                    "allow-list", where, "add it to 'env' in weavz-flow.yaml")
            elif ref.root == TRIGGER_ROOT and key not in TRIGGER_FIELDS and self.trigger_root:
                self.findings.error("unknown-trigger-field", f"trigger has no '{key}'", where,
                                    did_you_mean(key, TRIGGER_FIELDS)
                                    or "the event's fields: " + ", ".join(TRIGGER_FIELDS))
            elif ref.root == "steps" and step is not None:
                self._step_ref(key, step, where)
                if ref.field is not None and ref.field not in _STEP_READS and key in self.step_ids:
                    self.findings.error("unknown-step-field", f"steps.{key} has no '{ref.field}'", where,
                                        did_you_mean(ref.field, STEP_FIELDS)
                                        or "a step's result has " + ", ".join(STEP_FIELDS))

    def _step_ref(self, key: str, step: StepConfig, where: Any) -> None:
        if key not in self.step_ids:
            self.findings.error("unknown-step", f"template reads unknown step '{key}'", where,
                                did_you_mean(key, self.step_ids) or "steps of this flow: "
                                + ", ".join(f"'{s}'" for s in self.step_ids))
        elif key == step.id:
            self.findings.error("later-step", f"step '{key}' reads its own result", where,
                                "read it from a later step")
        elif key not in self.flow.predecessors(step.id):
            if self.step_ids.index(key) > self.step_ids.index(step.id):
                self.findings.error("later-step", f"template reads step '{key}', which runs later", where,
                                    f"move step '{key}' above this one")
            else:
                self.findings.error("later-step", f"template reads step '{key}', which may still be running",
                                    where, f"add '{key}' to this step's 'needs'")
