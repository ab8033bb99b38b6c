"""``weavz-flow mcp token SERVER``: mint a token for a declared (and applied) MCP server. The token alone goes to
stdout, so it can be piped; what it is and when it expires go to stderr."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic_core import PydanticCustomError

from weavz_flow.cli.project_option import project_option
from weavz_flow.config.load import load_project
from weavz_flow.config.model.base import parse_duration
from weavz_flow.plan.mcp_token import TokenRequest, mint_token
from weavz_flow.plan.session import open_backend


def _seconds(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(parse_duration(value).total_seconds())
    except PydanticCustomError as exc:
        raise click.BadParameter(exc.message()) from None


@click.command("token")
@click.argument("server")
@project_option()
@click.option("--workspace", metavar="SLUG", help="The workspace that declares SERVER (when several do).")
@click.option("--end-user", "end_user", metavar="ID",
              help="A token for this end user (externalId); without it, a new static bearer of a bearer-mode "
                   "server, and its previous bearer stops working.")
@click.option("--expires", callback=_seconds, metavar="DURATION",
              help="How long the end user's token lives, e.g. 1h or 30m [default: the server's, one hour].")
@click.option("--oauth", is_flag=True, help="An OAuth access token (mcpo_) instead of a bearer (mcp_).")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def token(server: str, project_path: Path | None, workspace: str | None, end_user: str | None,
          expires: int | None, oauth: bool, api_url: str | None) -> None:
    """Mint a token for MCP server SERVER and print it once."""
    if end_user is None and (expires is not None or oauth):
        raise click.UsageError("--expires and --oauth are for an end user's token: give --end-user")
    project = load_project(project_path)
    backend = open_backend(project, api_url=api_url)
    try:
        minted = mint_token(project, backend, TokenRequest(server, workspace, end_user, expires, oauth))
    finally:
        backend.close()
    click.echo(minted.token.reveal())
    if minted.kind == "bearer":
        click.echo(f"The static bearer of MCP server '{server}'; the previous one no longer works.", err=True)
    else:
        what = "OAuth access token" if minted.kind == "oauth" else "access token"
        click.echo(f"An {what} of MCP server '{server}' for end user '{minted.end_user}', expires at "
                   f"{minted.expires_at or 'an unknown time'}.", err=True)
