"""One declared surface: ``weavz_flow.__all__``. Packages import each other by module path, never through a
package ``__init__``.

Per-package re-exports were decorative (174 of 190 cross-package imports bypassed them) and costly: importing any
engine module ran ``engine/__init__``, which imported the whole engine, so ``validate`` loaded the store and the
execute pipeline it never uses. A package ``__init__`` therefore holds its docstring and nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import weavz_flow

PACKAGE = Path(weavz_flow.__file__).parent
INITS = sorted(p for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE)


@pytest.mark.parametrize("path", INITS, ids=[str(p.parent.relative_to(PACKAGE)) for p in INITS])
def test_a_package_init_declares_no_surface(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert body == [], f"{path.relative_to(PACKAGE)} declares names; import them from their modules instead"

