"""``weavz-flow plan``: what apply would change, as text, JSON or Markdown; optionally saved for a later apply."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.validate import load_valid_project
from weavz_flow.plan.model import Plan
from weavz_flow.plan.render_json import render_json
from weavz_flow.plan.render_markdown import render_markdown
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.saved import save_plan
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan, open_backend, parse_targets, state_notes

RENDERERS: dict[str, Callable[[Plan], str]] = {"text": render_text, "json": render_json, "markdown": render_markdown}


@click.command("plan")
@project_option("path", positional=True)
@click.option("--format", "output_format", type=click.Choice(sorted(RENDERERS)), default=None,
              help="text (default), json (format_version 1) or markdown (for a pull-request comment).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (the same as --format json).")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when converged, 2 when there are changes, 1 on error.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `apply FILE`.")
@click.option("--prune", is_flag=True, help="Plan to destroy live objects the config does not declare.")
@click.option("--target", "targets", multiple=True, metavar="ADDRESS", help="Limit the plan to this address.")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def plan(path: Path | None, output_format: str | None, as_json: bool, detailed_exitcode: bool, out: Path | None,
         prune: bool, targets: tuple[str, ...], api_url: str | None) -> None:
    """Show what apply would change to make the backend match the configuration."""
    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} ask for different formats; give one")
    chosen = "json" if as_json else (output_format or "text")
    catalog = load_catalog()
    project = load_valid_project(path, catalog)
    backend = open_backend(project, api_url=api_url, catalog=catalog)
    try:
        book = fingerprint_book(project, backend)
        result = make_plan(project, backend, PlanRequest(prune=prune, targets=parse_targets(targets)), book=book)
        if out is not None:
            save_plan(result, out, project_root=project.root, backend_identity=backend.identity)
    finally:
        backend.close()
    for note in state_notes(book):  # on stderr: --json and --format markdown output stay one document
        click.echo(note, err=True)
    click.echo(RENDERERS[chosen](result), nl=False)
    if out is not None and chosen == "text":
        click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: weavz-flow apply {out}")
    if detailed_exitcode and result.has_changes:
        sys.exit(2)
