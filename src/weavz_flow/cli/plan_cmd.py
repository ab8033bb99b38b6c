"""``weavz-flow plan``: what apply would change, as text or JSON; optionally saved for a later apply."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.config.validate import load_valid_project
from weavz_flow.plan.render_json import render_json
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.saved import save_plan
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan, open_backend, parse_targets, state_notes


@click.command("plan")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (format_version 1).")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when converged, 2 when there are changes, 1 on error.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `apply FILE`.")
@click.option("--prune", is_flag=True, help="Plan to destroy live objects the config does not declare.")
@click.option("--target", "targets", multiple=True, metavar="ADDRESS", help="Limit the plan to this address.")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def plan(path: Path | None, as_json: bool, detailed_exitcode: bool, out: Path | None, prune: bool,
         targets: tuple[str, ...], api_url: str | None) -> None:
    """Show what apply would change to make the backend match the configuration."""
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
    for note in state_notes(book):  # on stderr: --json output stays one document
        click.echo(note, err=True)
    click.echo(render_json(result) if as_json else render_text(result), nl=False)
    if out is not None and not as_json:
        click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: weavz-flow apply {out}")
    if detailed_exitcode and result.has_changes:
        sys.exit(2)
