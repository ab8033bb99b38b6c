"""``validate``: every problem in a project, offline. Schema errors come from loading; the checks add references,
catalog, template and schedule problems. Nothing here prints."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.checks.backend_fit import NOT_NATIVE, runs_remote
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.checks.flow_refs import check_flows
from weavz_flow.config.checks.flow_templates import check_templates
from weavz_flow.config.checks.flow_triggers import check_flow_triggers
from weavz_flow.config.checks.secret_refs import SecretsCheck, check_secret_refs
from weavz_flow.config.checks.workspace_refs import check_workspaces
from weavz_flow.config.load import read_project
from weavz_flow.config.project import Project
from weavz_flow.diagnostics import Diagnostic
from weavz_flow.errors import ConfigError


@dataclass(frozen=True)
class ValidationReport:
    """Diagnostics sorted by file, line and column. ``project`` holds whatever loaded, valid or not."""

    diagnostics: list[Diagnostic]
    project: Project
    files_checked: int

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors


def validate_project(
    path: Path | str | None,
    catalog: Catalog,
    *,
    cwd: Path | None = None,
    secrets: SecretsCheck = SecretsCheck.SKIP,
    environ: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Load the project containing ``path`` and check it; raises ProjectNotFoundError when there is none.

    ``secrets`` says whether an unset secret reference is an error, a warning or not looked at (the default: the
    commands that read secrets report them themselves); ``environ`` (default the process's) is where variables are
    looked up, ``WEAVZ_API_URL`` among them (a remote backend, as for the commands)."""
    result = read_project(path, cwd=cwd)
    project = result.project
    findings = Findings(list(result.diagnostics))
    env = os.environ if environ is None else environ
    check_workspaces(project, catalog, findings)
    check_flows(project, catalog, findings, remote=runs_remote(project.settings, env))
    check_flow_triggers(project, catalog, findings)
    check_templates(project, findings)
    check_secret_refs(project, secrets, findings, env)
    unique = list(dict.fromkeys(findings.items))  # a shared node (YAML alias) can yield one problem twice
    return ValidationReport(sorted(unique, key=sort_key), project, len(result.files))


def load_valid_project(path: Path | str | None, catalog: Catalog, *, cwd: Path | None = None) -> Project:
    """The project, checked as ``validate`` checks it; raises ConfigError with every error when it is not valid.

    Commands that act (plan, apply, run, the scheduler) start here, as Terraform plans only a valid configuration:
    an unknown integration or a broken template is reported with its position before anything reaches a backend.
    An action that the project's backend cannot run does not stop it: the command may be given another backend
    (``--api-url``), and the backend refuses the action itself."""
    report = validate_project(path, catalog, cwd=cwd)
    errors = [d for d in report.errors if d.code != NOT_NATIVE]
    if errors:
        raise ConfigError(errors)
    return report.project


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    if d.position is None:
        return ("", 0, 0, d.message)
    return (d.position.file, d.position.line, d.position.column, d.message)
