"""A small offline project for the watch tests: one workspace with built-in aliases and one flow, local backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan

PROJECT = "version: 1\nname: watch-test\nbackend: {type: local}\n"

WORKSPACE_HEAD = """\
workspace: lab
name: Lab
integrations:
  kv:
    integration: kv-store
    settings: {persistence: {scope: workspace}}
  files:
    integration: storage
    settings: {persistence: {scope: workspace}}
  transform:
    integration: data-transformer
  http:
    integration: http
"""

FLOW = """\
flow: report
workspace: lab
inputs:
  report: {type: string, default: daily}
steps:
  - id: record_run
    uses: kv.add_to_list
    with:
      key: "KEY_PREFIX:{{ inputs.report }}"
      value: "{{ run.id }}"
  - id: write_report
    uses: files.write_file
    with:
      path: "reports/{{ inputs.report }}.json"
      content: "{{ steps.record_run.output | tojson }}"
"""

BASE_ALIASES = ("kv", "files", "transform", "http")


def isolate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def clean_env() -> dict[str, str]:
    """This process's environment without the variables that would point a subprocess at another backend."""
    return {k: v for k, v in os.environ.items()
            if k not in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY")}


def workspace_text(extra_kv: int = 0) -> str:
    """The workspace file with ``extra_kv`` more kv-store aliases (kv1, kv2, ...)."""
    extra = "".join(f"  kv{i}:\n    integration: kv-store\n" for i in range(1, extra_kv + 1))
    return WORKSPACE_HEAD + extra


def write_project(root: Path, *, key_prefix: str = "runs") -> Path:
    (root / "workspaces").mkdir(parents=True, exist_ok=True)
    (root / "flows").mkdir(exist_ok=True)
    (root / "weavz-flow.yaml").write_text(PROJECT, encoding="utf-8")
    workspace_file(root).write_text(workspace_text(), encoding="utf-8")
    flow_file(root).write_text(FLOW.replace("KEY_PREFIX", key_prefix), encoding="utf-8")
    return root


def workspace_file(root: Path) -> Path:
    return root / "workspaces" / "lab.yaml"


def flow_file(root: Path) -> Path:
    return root / "flows" / "report.yaml"


def save_by_rename(path: Path, text: str) -> None:
    """Save as many editors do: write a temporary file beside the target, then rename it over the target."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def converge(root: Path) -> None:
    """Apply the project's plan on its local backend (another backend than the watcher's, as a second process
    would)."""
    project = load_project(root)
    backend = LocalBackend(root / ".weavz-flow")
    try:
        with backend.lock(0):
            result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
        assert result.ok, result.error
    finally:
        backend.close()
