"""``weavz-flow serve``: the Weavz-compatible REST API under uvicorn."""

from __future__ import annotations

import click

from weavz_flow.server.serve import ServeOptions, serve
from weavz_flow.server.settings import SERVICE_KEY_ENV, ServerSettings


def bootstrap_hint(base_url: str, service_key_enabled: bool) -> str:
    """How an operator gets a first API key on a fresh server."""
    if not service_key_enabled:
        return (
            f"The service key is disabled: set {SERVICE_KEY_ENV} and restart to create an organization and its first "
            "API key over HTTP."
        )
    return "\n".join([
        "To get a first API key, create an organization, then a key for it:",
        f'  curl -s -X POST {base_url}/api/v1/orgs -H "X-Service-Key: ${SERVICE_KEY_ENV}" \\',
        '       -H "Content-Type: application/json" -d \'{"name": "my-org"}\'',
        f'  curl -s -X POST {base_url}/api/v1/api-keys -H "X-Service-Key: ${SERVICE_KEY_ENV}" \\',
        '       -H "X-Org-ID: <org.id from the first answer>" -H "Content-Type: application/json" \\',
        '       -d \'{"name": "first-key"}\'',
        "The answer's plainKey (wvz_...) is shown once; send it as 'Authorization: Bearer wvz_...'.",
    ])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--database-url", default=None, metavar="URL",
              help="SQLAlchemy URL or SQLite path [default: $WEAVZ_FLOW_DATABASE_URL or ./.weavz-flow/state.db].")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve_command(host: str, port: int, database_url: str | None, workers: int) -> None:
    """Serve the Weavz-compatible REST API (official SDKs work with only base_url changed)."""
    settings = ServerSettings.from_env()
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"weavz-flow API on http://{shown_host}:{port} ({workers} worker{'s' if workers > 1 else ''})", err=True)
    click.echo(bootstrap_hint(f"http://{shown_host}:{port}", settings.service_key is not None), err=True)
    serve(ServeOptions(host=host, port=port, database_url=database_url, workers=workers))
