"""Finding a project's root (as git finds ``.git``) and the config files that belong to it."""

from __future__ import annotations

import os
from pathlib import Path

from weavz_flow.config.model.project_file import PROJECT_FILE_NAME
from weavz_flow.errors import ProjectNotFoundError

CONFIG_SUFFIXES = (".yaml", ".yml")


def find_project_root(start: Path | str | None = None) -> Path:
    """The nearest folder, from ``start`` (default: the working directory) upwards, holding ``weavz-flow.yaml``."""
    here = Path(start) if start is not None else Path.cwd()
    here = here.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE_NAME).is_file():
            return folder
    raise ProjectNotFoundError(
        f"no {PROJECT_FILE_NAME} found in {here} or any parent folder; create one with 'version: 1' to start a project"
    )


def config_files(root: Path, include: list[str] | None = None) -> list[Path]:
    """Config files of the project at ``root``, sorted, without the project file itself.

    With ``include`` globs, exactly the matching files. Otherwise every ``*.yaml``/``*.yml`` below the root, skipping
    hidden folders and folders that hold their own project file (they are separate projects).
    """
    project_file = (root / PROJECT_FILE_NAME).resolve()
    if include is not None:
        found = {p.resolve() for pattern in include for p in root.glob(pattern) if p.is_file()}
        return sorted(p for p in found if p != project_file)
    out: list[Path] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (here / d / PROJECT_FILE_NAME).is_file()
        )
        out.extend(here / f for f in files if f.endswith(CONFIG_SUFFIXES) and not f.startswith("."))
    return sorted(p.resolve() for p in out if p.resolve() != project_file)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """How a file is named in messages: relative to the working directory when under it, else absolute."""
    base = (cwd or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.resolve().as_posix()
