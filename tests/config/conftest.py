from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.catalog_fixture import sdk_cache_dir  # noqa: F401  (pytest finds fixtures by name)
from tests.config.small_catalog import small_catalog
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.integrations.registry import load_full_catalog

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def full_catalog(sdk_cache_dir: Path) -> Catalog:  # noqa: F811
    return load_full_catalog()


@pytest.fixture
def catalog() -> Catalog:
    return small_catalog()


ProjectMaker = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectMaker:
    """Write files (name -> text) into a fresh project folder and chdir there, so messages use relative paths."""

    def make(files: dict[str, str], project_file: str = "version: 1\n") -> Path:
        root = tmp_path / "project"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        (root / "weavz-flow.yaml").write_text(project_file, encoding="utf-8")
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        monkeypatch.chdir(root)
        return root

    return make
