"""``weavz-flow triggers list | test | replay``: the trigger sources through the project's backend (the local engine,
or a remote API: ``GET /api/v1/triggers``, ``POST /api/v1/triggers/test``, and the weavz-flow extension ``POST
/api/v1/triggers/events/{id}/replay``). Errors are the backend's, with their Weavz code (rendered once, in
cli/main.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from weavz_flow.backends.triggers import TriggerSourceItem, split_trigger
from weavz_flow.cli.backend_session import api_url_option, opened_backend, table_console, utc_seconds
from weavz_flow.cli.project_option import project_option
from weavz_flow.log_lines import escape_controls


@click.group("triggers")
def triggers() -> None:
    """Trigger sources (API callbacks and deployed flows' triggers): list them, see a trigger's sample event, and
    replay a stored event."""


@triggers.command("list")
@click.option("--workspace", metavar="SLUG", help="Only this workspace's sources [default: every workspace].")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON (camelCase, as the API lists them).")
@project_option()
@api_url_option
def list_sources(workspace: str | None, as_json: bool, project_path: Path | None, api_url: str | None) -> None:
    """The enabled trigger sources, oldest first."""
    with opened_backend(project_path, api_url) as backend:
        found = backend.list_trigger_sources(workspace)
    if as_json:
        click.echo(json.dumps([item.document() for item in found], indent=2))
        return
    if not found:
        click.echo("No trigger sources" + (f" in workspace {workspace}." if workspace else "."))
        return
    table = Table("ID", "WORKSPACE", "TRIGGER", "TYPE", "TARGET", "EVERY", "NEXT POLL (UTC)", "LAST ERROR",
                  box=None, pad_edge=False, header_style="bold")
    for item in found:
        table.add_row(*(Text(escape_controls(c)) for c in _row(item)))  # Text: never read as rich markup
    table_console().print(table)


def _row(item: TriggerSourceItem) -> tuple[str, ...]:
    s = item.source
    target = f"flow {s.flow_name}" if s.flow_name else (s.callback_url or "-")
    every = f"{s.polling_interval_minutes:g}m" if s.polling_interval_minutes else "-"
    return (s.id, item.workspace, f"{s.integration_name}.{s.trigger_name}", s.trigger_type, target, every,
            utc_seconds(s.next_poll_at), s.last_error or "")


def _trigger_ref(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, str]:
    try:
        return split_trigger(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@triggers.command("test")
@click.argument("trigger", metavar="INTEGRATION.TRIGGER", callback=_trigger_ref)
@click.option("--json", "as_json", is_flag=True, help="Print the API's answer ({sampleData}).")
@project_option()
@api_url_option
def test(trigger: tuple[str, str], as_json: bool, project_path: Path | None, api_url: str | None) -> None:
    """The sample event a trigger delivers (what a simulated source sends, and what POST /triggers/test answers)."""
    integration, name = trigger
    with opened_backend(project_path, api_url) as backend:
        sample = backend.test_trigger(integration, name)
    if as_json:
        click.echo(json.dumps({"sampleData": sample}, indent=2))
        return
    click.echo(f"Sample event of {integration}.{name}:", err=True)
    click.echo(json.dumps(sample, indent=2, sort_keys=True))


@triggers.command("replay")
@click.argument("event_id", metavar="EVENT_ID")
@project_option()
@api_url_option
def replay(event_id: str, project_path: Path | None, api_url: str | None) -> None:
    """Hand the stored event EVENT_ID on again: a callback source delivers it again (in order, after the source's
    earlier undelivered events), a flow's trigger starts another run."""
    with opened_backend(project_path, api_url) as backend:
        backend.replay_trigger_event(event_id)
    click.echo(f"Event {event_id} will be handed on again.")
