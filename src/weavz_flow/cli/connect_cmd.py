"""``weavz-flow connect link``: print an end-user portal link, where that end user connects, replaces or disconnects
their own accounts (the ``eut_`` token in it is shown once; whoever holds the link manages those connections)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from weavz_flow.backends.portal_links import DEFAULT_PORTAL_BASE_URL, PortalLinkRequest
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.load import load_project
from weavz_flow.config.model.base import parse_duration
from weavz_flow.plan.session import open_backend
from weavz_flow.public_url import PUBLIC_URL_ENV
from weavz_flow.wire.portal import MAX_EXPIRES_IN_S, MIN_EXPIRES_IN_S


def _expires(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        seconds = parse_duration(value).total_seconds()
    except ValueError:
        raise click.BadParameter("give a duration such as 7d, 12h or 90m") from None
    if not MIN_EXPIRES_IN_S <= seconds <= MAX_EXPIRES_IN_S or seconds != int(seconds):
        raise click.BadParameter(f"a link lasts from {timedelta(seconds=MIN_EXPIRES_IN_S)} to "
                                 f"{timedelta(seconds=MAX_EXPIRES_IN_S).days} days, in whole seconds")
    return int(seconds)


@click.group("connect")
def connect() -> None:
    """End users connecting their own accounts."""


@connect.command("link")
@click.option("--workspace", required=True, help="The workspace (slug) of the end user.")
@click.option("--end-user", "end_user", required=True, help="The end user's externalId.")
@click.option("--integration", help="Show only this integration's aliases on the portal.")
@click.option("--expires", callback=_expires, metavar="DURATION",
              help="How long the link works, 1h to 30d [default: 7d].")
@click.option("--base-url", envvar=PUBLIC_URL_ENV, default=DEFAULT_PORTAL_BASE_URL, show_default=True,
              help=f"Where `weavz-flow serve` is reached, for links of the local engine [env: {PUBLIC_URL_ENV}]; a "
                   "remote backend names its own.")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
@click.option("--json", "as_json", is_flag=True, help="Print {connectUrl, expiresAt} as JSON.")
@project_option()
def link(workspace: str, end_user: str, integration: str | None, expires: int | None, base_url: str,
         api_url: str | None, as_json: bool, project_path: Path | None) -> None:
    """Print a portal link for END_USER of WORKSPACE: give it to that person only."""
    backend = open_backend(load_project(project_path), api_url=api_url)
    try:
        made = backend.portal_link(PortalLinkRequest(workspace, end_user, integration, expires, base_url))
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps({"connectUrl": made.url.reveal(), "expiresAt": made.expires_at}))
        return
    click.echo(made.url.reveal())
    click.echo(f"Expires {made.expires_at}. Anyone with this link manages {end_user}'s connections: send it to "
               "them only.", err=True)
