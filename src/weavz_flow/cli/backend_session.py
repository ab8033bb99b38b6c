"""What the commands that read and act through the project's backend share (``approvals``, ``triggers``): the
``--api-url`` option, the backend opened for one command, and the table and time forms of their output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from weavz_flow.backends.protocol import Backend
from weavz_flow.config.load import load_project
from weavz_flow.plan.session import open_backend

_PIPE_WIDTH = 200  # rich's width when stdout is not a terminal (it would use 80 and fold the ids)

api_url_option = click.option("--api-url",
                              help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")


@contextmanager
def opened_backend(project_path: Path | None, api_url: str | None) -> Iterator[Backend]:
    backend = open_backend(load_project(project_path), api_url=api_url)
    try:
        yield backend
    finally:
        backend.close()


def utc_seconds(text: str | None) -> str:
    """An API timestamp (ISO 8601, UTC) to the second, in UTC; ``-`` for none."""
    if not text:
        return "-"
    moment = datetime.fromisoformat(text)
    return f"{moment.astimezone(UTC) if moment.tzinfo else moment:%Y-%m-%d %H:%M:%S}"


def table_console() -> Console:
    """A console for tables, wide enough when piped that no id is folded."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = _PIPE_WIDTH
    return console
