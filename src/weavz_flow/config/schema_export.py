"""JSON Schema of the three config file kinds, generated from the models.

Regenerate the committed copies with ``python -m weavz_flow.config.schema_export [DIR]`` (default ``schemas``);
a test fails when they drift from the models. Editors pick them up through a first-line comment such as
``# yaml-language-server: $schema=../schemas/flow.schema.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from weavz_flow.config.model.flow import FlowFile
from weavz_flow.config.model.project_file import ProjectFile
from weavz_flow.config.model.workspace import WorkspaceFile

SCHEMA_FILES: dict[str, tuple[type[BaseModel], str]] = {
    "project.schema.json": (ProjectFile, "weavz-flow project file (weavz-flow.yaml)"),
    "workspace.schema.json": (WorkspaceFile, "weavz-flow workspace file"),
    "flow.schema.json": (FlowFile, "weavz-flow flow file"),
}


def json_schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for file_name, (model, title) in SCHEMA_FILES.items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        out[file_name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://weavz-flow.dev/schemas/{file_name}",
            **schema,
            "title": title,
        }
    return out


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, schema in json_schemas().items():
        target = directory / file_name
        target.write_text(render_schema(schema), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in write_schemas(Path(args[0] if args else "schemas")):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
