"""``weavz-flow init [DIR]``: a starter project that validates, plans, applies and runs offline on the embedded
engine; never overwrites a file."""

from __future__ import annotations

from pathlib import Path

import click

from weavz_flow.config.schema_export import json_schemas, render_schema
from weavz_flow.errors import WeavzFlowError

STATE_DIR = ".weavz-flow/"

PROJECT_TEXT = """\
# yaml-language-server: $schema=schemas/project.schema.json
# The project file: it marks this folder as a weavz-flow project (found by walking up, as git finds .git).
version: 1
backend:
  type: local  # the embedded engine; its state (and keys) live in .weavz-flow/, which stays out of git
"""

WORKSPACE_TEXT = """\
# yaml-language-server: $schema=../schemas/workspace.schema.json
# A workspace and its integration aliases. The built-ins below need no connection and run offline; add
# connections (with secrets from the environment: secret: {env: NAME}) for integrations that call a provider.
workspace: main
name: Main

integrations:
  kv:
    integration: kv-store
    settings:
      persistence: {scope: workspace}
  transform:
    integration: data-transformer
"""

FLOW_TEXT = """\
# yaml-language-server: $schema=../schemas/flow.schema.json
# Runs on the built-ins only: `weavz-flow run hello -i name=you` (after `weavz-flow apply`).
flow: hello
workspace: main
description: Counts greetings per name in the KV store and shapes a greeting.

inputs:
  name: {type: string, default: world}

steps:
  - id: count
    uses: kv.add_to_list
    with:
      key: "greetings:{{ inputs.name }}"
      value: "{{ run.id }}"
  - id: greeting
    uses: transform.transform_json
    with:
      input:
        name: "{{ inputs.name }}"
        runs: "{{ steps.count.output }}"
      mapping:
        hello: $.name
        runs: $.runs
"""

GITIGNORE_TEXT = f"""\
# weavz-flow's local state: the embedded engine's database, its keys and run records. Never commit it.
{STATE_DIR}
"""


def starter_files() -> dict[str, str]:
    """Each file of a starter project, by its path relative to the project folder."""
    files = {
        "weavz-flow.yaml": PROJECT_TEXT,
        ".gitignore": GITIGNORE_TEXT,
        "workspaces/main.yaml": WORKSPACE_TEXT,
        "flows/hello.yaml": FLOW_TEXT,
    }
    # The schemas the headers name, from the models of this version (editors validate as you type).
    files.update({f"schemas/{name}": render_schema(schema) for name, schema in json_schemas().items()})
    return files


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a starter project into DIRECTORY (default: here): weavz-flow.yaml, .gitignore, a workspace, a first
    flow that runs offline, and the JSON Schemas their headers name. Refuses to overwrite existing files."""
    files = starter_files()
    existing = sorted(name for name in files if (directory / name).exists())
    if existing:
        raise WeavzFlowError(f"not overwriting existing files in {directory}: {', '.join(existing)}; "
                             "choose an empty folder or move them away")
    for name, text in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    where = "" if directory == Path(".") else f"cd {directory} && "
    click.echo(f"Wrote a starter project to {directory}: {', '.join(n for n in files if not n.startswith('schemas/'))}"
               " and schemas/.")
    click.echo(f"Next: {where}weavz-flow validate && weavz-flow plan && weavz-flow apply && weavz-flow run hello")
