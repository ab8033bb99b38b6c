"""``weavz-flow force-unlock LOCK_ID``: remove an apply lock left on the backend (by a killed apply, say) at once."""

from __future__ import annotations

from pathlib import Path

import click

from weavz_flow.backends.kv_lock import force_unlock as remove_lock
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.validate import load_valid_project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.session import open_backend


@click.command("force-unlock")
@click.argument("lock_id")
@project_option()
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def force_unlock(lock_id: str, project_path: Path | None, api_url: str | None) -> None:
    """Remove the apply lock LOCK_ID (named in the error of an apply that found it held)."""
    project = load_valid_project(project_path, load_catalog())
    backend = open_backend(project, api_url=api_url)
    try:
        if not isinstance(backend, RemoteBackend):
            raise WeavzFlowError("the local engine's apply lock is released by the system when its holder exits; "
                                 "there is nothing to force-unlock")
        ticket = remove_lock(backend.state, lock_id)
    finally:
        backend.close()
    click.echo(f"Removed lock {ticket.id} held by {ticket.holder} since {ticket.since}. If that apply is still "
               "running, it no longer excludes others: run plan to check the result.")
