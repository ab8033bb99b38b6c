"""``weavz-flow serve``: the Weavz-compatible REST API under uvicorn; with ``--scheduler``, the project's scheduled
flows run in the same process (the server layer knows nothing of schedules: the scheduler thread is started here,
around the server, and stopped once the server has shut down)."""

from __future__ import annotations

import logging.config
from pathlib import Path

import click

from weavz_flow.backends.stores import backend_store
from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_from_command_line, project_option
from weavz_flow.cli.queue_logging import configure_queue_logging
from weavz_flow.config.validate import load_valid_project
from weavz_flow.schedule.resumer import Resumer, ResumerThread
from weavz_flow.schedule.service import SchedulerThread, build_scheduler
from weavz_flow.schedule.session import ScheduleSession, open_schedule_session
from weavz_flow.schedule.sources import DeployedFlows
from weavz_flow.server.serve import ServeOptions, log_config, serve
from weavz_flow.server.settings import SERVICE_KEY_ENV, ServerSettings


def configure_scheduler_logging() -> None:
    """Log lines of the scheduler thread on serve's stderr, one per event, from its first (``scheduler started``).

    uvicorn applies :func:`log_config` only once the server starts, with ``dictConfig``, which also strips the
    handlers of every logger below ``weavz_flow``: a handler of our own on ``weavz_flow.schedule`` would be removed,
    and the lines logged before (the thread starts first) would find no handler at all. Applying the same config
    here first gives the scheduler uvicorn's handler from the start; uvicorn applying it again keeps it (but for the
    few microseconds in which it swaps the handler: closing that too would need a server startup hook). The
    scheduler logs no traceback above DEBUG (which this config does not show). Procrastinate's records (PostgreSQL)
    get their one-line handler, which dictConfig leaves alone (not below a configured logger)."""
    logging.config.dictConfig(log_config())
    configure_queue_logging()


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
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 lets the system choose one, which is printed.")
@click.option("--database-url", default=None, metavar="URL",
              help="SQLAlchemy URL or SQLite path [default: $WEAVZ_FLOW_DATABASE_URL or ./.weavz-flow/state.db; "
                   "with --scheduler, the project's store, as `weavz-flow schedule` finds it].")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--scheduler", "with_scheduler", is_flag=True,
              help="Also run the project's scheduled flows in this process (as `weavz-flow schedule` does); their "
                   "log lines go to stderr with the server's.")
@project_option()
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 256),
              help="With --scheduler: fires run at once.")
def serve_command(host: str, port: int, database_url: str | None, workers: int, with_scheduler: bool,
                  project_path: Path | None, concurrency: int) -> None:
    """Serve the Weavz-compatible REST API (official SDKs work with only base_url changed).

    Size limits (bytes unless said) default as shown and are raised by environment variables:
    WEAVZ_FLOW_LIMIT_REQUEST_BODY_BYTES (10 MiB), _KV_VALUE_BYTES (1 MiB), _FILE_BYTES (10 MiB), _METADATA_BYTES
    (64 KiB), _SECRET_BYTES (64 KiB), _JSON_DEPTH (64 levels).
    """
    if project_path is not None and not with_scheduler and project_from_command_line():  # $WEAVZ_FLOW_PROJECT: ignored
        raise click.UsageError("--project is for --scheduler")
    settings = ServerSettings.from_env()
    session: ScheduleSession | None = None
    thread: SchedulerThread | None = None
    resuming: ResumerThread | None = None
    catalog = load_catalog() if with_scheduler else None
    project = load_valid_project(project_path, catalog) if catalog is not None else None
    if project is not None:
        session = open_schedule_session(project, database_url=database_url, catalog=catalog)
        if database_url is None and backend_store(session.backend) is not None:
            # One database for both: the API serves the engine store the scheduled flows run on.
            database_url = session.store.url.render_as_string(hide_password=False)

    def announce(base_url: str) -> None:
        click.echo(f"weavz-flow API on {base_url} ({workers} worker{'s' if workers > 1 else ''})", err=True)
        click.echo(bootstrap_hint(base_url, settings.service_key is not None), err=True)
        warning = settings.service_key_warning()
        if warning is not None:
            click.echo(warning, err=True)

    try:
        if project is not None and session is not None:
            configure_scheduler_logging()
            flows = DeployedFlows(session.store, project.root)  # what apply deployed, not the checkout
            thread = SchedulerThread(build_scheduler(flows, session, concurrency)).start()
            resuming = ResumerThread(Resumer(session.records, session.backend, project.root)).start()
            click.echo(f"Scheduler running for {project.root}: schedules from {flows.describe()}.", err=True)
        serve(ServeOptions(host=host, port=port, database_url=database_url, workers=workers), on_listening=announce)
    finally:
        # The server has shut down (SIGINT/SIGTERM): no new fires; those running finish first.
        if thread is not None:
            click.echo("Stopping the scheduler: waiting for running fires to finish.", err=True)
            thread.stop()
        if resuming is not None:
            resuming.stop()
        if session is not None:
            session.close()
