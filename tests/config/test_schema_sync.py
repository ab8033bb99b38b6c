"""The committed JSON Schemas match the models; regenerate with ``python -m weavz_flow.config.schema_export``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.config.conftest import EXAMPLES, REPO
from weavz_flow.config.schema_export import SCHEMA_FILES, json_schemas, render_schema, write_schemas


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_schema_is_current(name: str) -> None:
    committed = (REPO / "schemas" / name).read_text(encoding="utf-8")
    assert committed == render_schema(json_schemas()[name]), (
        "schemas/ is stale: run `python -m weavz_flow.config.schema_export`"
    )


def test_write_schemas(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(SCHEMA_FILES)
    flow = json.loads((tmp_path / "flow.schema.json").read_text())
    step = flow["$defs"]["StepConfig"]
    assert step["additionalProperties"] is False and {"with", "if", "for_each", "needs"} <= set(step["properties"])


def test_example_files_point_editors_at_the_schemas() -> None:
    for path in EXAMPLES.glob("*/*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=../../schemas/"), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), target
