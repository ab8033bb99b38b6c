"""Loading the catalog for a command, telling the user when the one-off cache build makes it pause."""

from __future__ import annotations

from pathlib import Path

import click

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.integrations.registry import load_full_catalog


def _announce(path: Path) -> None:
    click.echo(f"Building the catalog cache once per SDK version (about 10 s): {path}", err=True)


def load_catalog() -> Catalog:
    return load_full_catalog(on_build=_announce)
