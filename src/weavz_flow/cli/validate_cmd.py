"""``weavz-flow validate [PATH] [--json]``: check a project offline; exit 0 when valid, 1 on errors."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.render_json import render_json
from weavz_flow.config.render_text import render_text
from weavz_flow.config.schedules import scheduled_flows
from weavz_flow.config.validate import validate_project
from weavz_flow.diagnostics import Diagnostic, Severity
from weavz_flow.errors import ProjectNotFoundError


@click.command()
@project_option("path", positional=True)
@click.option("--json", "as_json", is_flag=True, help="print a JSON document (format_version 1) instead of text")
def validate(path: Path | None, as_json: bool) -> None:
    """Check the project containing PATH (default: the working directory): schema, references, catalog, templates."""
    render = render_json if as_json else render_text
    try:
        report = validate_project(path, load_catalog())
    except ProjectNotFoundError as exc:
        problem = Diagnostic(Severity.ERROR, "project-not-found", str(exc))
        click.echo(render([problem], 0), nl=False)
        sys.exit(1)
    click.echo(render(report.diagnostics, report.files_checked, scheduled_flows(report.project)), nl=False)
    sys.exit(0 if report.valid else 1)
