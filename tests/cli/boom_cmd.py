"""A command with a bug, for the crash handler's tests: it raises what no handler expects."""

from __future__ import annotations

import click


@click.command()
def boom() -> None:
    raise RuntimeError("a bug, not a user error")
