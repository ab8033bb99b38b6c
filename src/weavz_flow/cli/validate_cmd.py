"""``weavz-flow validate [PATH] [--json] [--secrets/--no-secrets]``: check a project offline; exit 0 when valid, 1 on
errors."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.checks.secret_refs import SecretsCheck
from weavz_flow.config.render_json import render_json
from weavz_flow.config.render_text import render_text
from weavz_flow.config.schedules import scheduled_flows
from weavz_flow.config.validate import validate_project
from weavz_flow.diagnostics import Diagnostic, Severity
from weavz_flow.errors import ProjectNotFoundError


@click.command()
@project_option("path", positional=True)
@click.option("--json", "as_json", is_flag=True, help="print a JSON document (format_version 1) instead of text")
@click.option("--secrets/--no-secrets", "secrets", default=None,
              help="--secrets: a secret reference that is unset here is an error, as plan, apply and run would refuse "
                   "it (validate where they run); --no-secrets: do not look at them (CI without secrets); "
                   "default: a warning")
def validate(path: Path | None, as_json: bool, secrets: bool | None) -> None:
    """Check the project containing PATH (default: the working directory): schema, references, catalog, templates,
    the backend each action needs, and whether referenced secrets are set."""
    render = render_json if as_json else render_text
    mode = SecretsCheck.WARN if secrets is None else (SecretsCheck.REQUIRE if secrets else SecretsCheck.SKIP)
    try:
        report = validate_project(path, load_catalog(), secrets=mode)
    except ProjectNotFoundError as exc:
        problem = Diagnostic(Severity.ERROR, "project-not-found", str(exc))
        click.echo(render([problem], 0), nl=False)
        sys.exit(1)
    click.echo(render(report.diagnostics, report.files_checked, scheduled_flows(report.project)), nl=False)
    sys.exit(0 if report.valid else 1)
