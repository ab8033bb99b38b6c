"""``weavz-flow import``: write YAML for live objects the configuration does not declare yet."""

from __future__ import annotations

from pathlib import Path

import click

from weavz_flow.cli.project_option import project_option
from weavz_flow.config.import_yaml import write_import
from weavz_flow.config.load import load_project
from weavz_flow.plan.import_live import collect_import
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.session import open_backend


@click.command("import")
@project_option("path", positional=True)
@click.option("--workspace", "workspace", metavar="SLUG", help="Import only this workspace.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write every file into this directory, leaving the project's files as they are: new workspace "
                   "files, and for a declared workspace its file with the imported objects added (default: new files "
                   "in the project's workspaces/ directory, else its root; declared files are extended in place).")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def import_command(path: Path | None, workspace: str | None, out_dir: Path | None, api_url: str | None) -> None:
    """Write YAML for live workspaces, connections, end users, aliases, partials, MCP servers and approval policies
    the config lacks."""
    project = load_project(path)
    everything_in_out_dir = out_dir is not None
    if out_dir is None:
        out_dir = project.root / "workspaces" if (project.root / "workspaces").is_dir() else project.root
    backend = open_backend(project, api_url=api_url)
    try:
        live = read_live(backend)
    finally:
        backend.close()
    result = collect_import(project, live, out_dir=out_dir, workspace=workspace,
                            everything_in_out_dir=everything_in_out_dir)
    for line in result.skipped:
        click.echo(f"Skipped: {line}", err=True)
    if result.empty:
        click.echo("Nothing to import: the configuration declares every live object.")
        return
    for written in write_import(result):
        click.echo(f"Wrote {written}")
    if result.secrets:
        click.echo("Stored credentials and webhook secrets cannot be read back. Set these before plan or apply:")
        for name in result.secrets:
            click.echo(f"  {name}")
