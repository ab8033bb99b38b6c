"""``weavz-flow apply``: converge the backend to the configuration (or apply a saved plan exactly)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.validate import load_valid_project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.apply import ApplyError, ApplyEvent, ApplyPhase, apply_plan
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.saved import check_still_valid, load_plan
from weavz_flow.plan.session import (
    PlanRequest,
    fingerprint_book,
    make_plan,
    open_backend,
    parse_targets,
    state_notes,
)


@click.command("apply")
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@project_option()
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--prune", is_flag=True, help="Destroy live objects the config does not declare.")
@click.option("--target", "targets", multiple=True, metavar="ADDRESS", help="Limit the apply to this address.")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
@click.option("--lock-timeout", default=30.0, show_default=True,
              help="Seconds to wait for another apply's lock (0: refuse at once, naming its holder).")
def apply(planfile: Path | None, project_path: Path | None, auto_approve: bool, prune: bool,
          targets: tuple[str, ...], api_url: str | None, lock_timeout: float) -> None:
    """Apply the changes `weavz-flow plan` shows; a saved plan applies only while it is still exact."""
    saved = load_plan(planfile) if planfile is not None else None
    if saved is not None and (prune or targets):
        raise click.UsageError("--prune and --target come from the saved plan; do not give them with PLANFILE")
    catalog = load_catalog()
    project = load_valid_project(project_path or (saved.project_root if saved is not None else None), catalog)
    request = (PlanRequest(saved.prune, saved.targets) if saved is not None
               else PlanRequest(prune, parse_targets(targets)))
    if saved is None and not auto_approve and not sys.stdin.isatty():
        raise WeavzFlowError("apply needs confirmation but stdin is not a terminal: review `weavz-flow plan` and "
                             "pass --auto-approve, or apply a saved plan file")
    backend = open_backend(project, api_url=api_url, catalog=catalog)
    try:
        with backend.lock(lock_timeout):
            book = fingerprint_book(project, backend)
            plan = make_plan(project, backend, request, book=book)
            for note in state_notes(book):
                click.echo(note, err=True)
            if saved is not None:
                check_still_valid(saved, plan, backend.identity)
            else:
                click.echo(render_text(plan), nl=False)
            if not plan.has_changes:
                if saved is not None:
                    click.echo("No changes. The live state matches the configuration.")
                return
            if saved is None and not auto_approve:
                click.confirm("\nApply these changes?", abort=True)
            click.echo("")
            result = apply_plan(plan, backend, book=book, on_event=_progress)
    finally:
        backend.close()
    if not result.ok:
        raise ApplyError(result)
    added, changed, destroyed, adopted = result.counts()
    tail = f", {adopted} adopted" if adopted else ""
    click.echo(f"\nApply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed{tail}.")


def _progress(event: ApplyEvent) -> None:
    change = event.change
    prefix = f"[{event.index}/{event.total}] {change.address}"
    if event.phase is ApplyPhase.STARTED:
        click.echo(f"{prefix}: {change.action.value}...")
    elif event.phase is ApplyPhase.DONE:
        click.echo(f"{prefix}: done")
    elif event.phase is ApplyPhase.ADOPTED:
        click.echo(f"{prefix}: already existed (an earlier apply was interrupted); adopted and updated")
    else:
        message = event.error.format_message() if event.error is not None else "failed"
        click.echo(f"{prefix}: FAILED: {message}", err=True)

