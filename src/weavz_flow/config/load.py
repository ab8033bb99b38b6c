"""Loading a project: find the root, read every config file, validate each against its model, collect diagnostics.

:func:`read_project` never stops at the first problem: it returns the project built from every file that loaded,
plus all diagnostics. :func:`load_project` is the strict form for commands that need a valid project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from weavz_flow.config.discovery import config_files, display_path, find_project_root
from weavz_flow.config.model.flow import FlowFile
from weavz_flow.config.model.project_file import PROJECT_FILE_NAME, ProjectFile
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.project import FileKind, Project, SourceFile
from weavz_flow.config.recover import NO_DAMAGE, Recovered, recover
from weavz_flow.config.schema_errors import diagnostics_from_error
from weavz_flow.config.yaml_source import PositionMap, parse_yaml
from weavz_flow.diagnostics import Diagnostic, Position, Severity
from weavz_flow.errors import ConfigError
from weavz_flow.suggest import did_you_mean

_KIND_KEYS = {"flow": FileKind.FLOW, "workspace": FileKind.WORKSPACE}


@dataclass(frozen=True)
class ReadResult:
    project: Project
    diagnostics: list[Diagnostic]
    files: list[Path]  # every file read, the project file first



def load_project(path: Path | str | None = None) -> Project:
    """The project containing ``path`` (default: the working directory); raises ConfigError with every problem."""
    result = read_project(path)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:
        raise ConfigError(errors)
    return result.project


def read_project(path: Path | str | None = None, *, cwd: Path | None = None) -> ReadResult:
    """Read the project containing ``path``; raises ProjectNotFoundError when there is none."""
    root = find_project_root(path)
    diagnostics: list[Diagnostic] = []

    project_path = root / PROJECT_FILE_NAME
    settings_source, settings = _read_project_file(project_path, display_path(project_path, cwd), diagnostics)

    workspaces: dict[str, WorkspaceFile] = {}
    flows: dict[str, FlowFile] = {}
    workspace_sources: dict[str, SourceFile] = {}
    flow_sources: dict[str, SourceFile] = {}
    unbuilt: set[str] = set()
    files = [project_path, *config_files(root, settings.include)]
    for file in files[1:]:
        loaded = _read_config_file(file, display_path(file, cwd), diagnostics, unbuilt)
        if loaded is None:
            continue
        source, model = loaded
        if isinstance(model, WorkspaceFile):
            _add_unique(model.workspace, source, model, workspaces, workspace_sources, "workspace", diagnostics)
        elif isinstance(model, FlowFile):
            _add_unique(model.flow, source, model, flows, flow_sources, "flow", diagnostics)

    project = Project(root, settings, settings_source, workspaces, flows, workspace_sources, flow_sources,
                      frozenset(unbuilt))
    return ReadResult(project, diagnostics, files)


def _read_project_file(
    path: Path, display: str, diagnostics: list[Diagnostic]
) -> tuple[SourceFile | None, ProjectFile]:
    fallback = ProjectFile(version=1)
    text = _read_text(path, display, diagnostics)
    if text is None:
        return None, fallback
    doc = parse_yaml(text, display)
    diagnostics.extend(doc.diagnostics)
    source = SourceFile(path.resolve(), display, FileKind.PROJECT, doc.positions)
    if doc.data is None and not doc.diagnostics:
        empty = _error("missing-key", "the project file is empty; write 'version: 1'", Position(display, 1, 1))
        diagnostics.append(empty)
        return source, fallback
    if doc.diagnostics and not isinstance(doc.data, dict):
        return source, fallback
    result = _validate(ProjectFile, doc.data, doc.positions, diagnostics)
    if not isinstance(result.model, ProjectFile):
        # Not even 'version' holds: keep the defaults, but say that everything of this file may be lost.
        return SourceFile(source.path, display, FileKind.PROJECT, doc.positions, result.damage), fallback
    return SourceFile(source.path, display, FileKind.PROJECT, result.positions, result.damage), result.model


def _read_config_file(
    path: Path, display: str, diagnostics: list[Diagnostic], unbuilt: set[str]
) -> tuple[SourceFile, WorkspaceFile | FlowFile] | None:
    text = _read_text(path, display, diagnostics)
    if text is None:
        return None
    doc = parse_yaml(text, display)
    diagnostics.extend(doc.diagnostics)
    if doc.data is None:
        if not doc.diagnostics:
            diagnostics.append(
                Diagnostic(Severity.WARNING, "empty-file", "empty file, ignored", Position(display, 1, 1))
            )
        return None
    start = doc.positions.value(())
    if not isinstance(doc.data, dict):
        diagnostics.append(_error("invalid-file", "a config file must be a mapping with a 'workspace' or 'flow' key",
                                  start))
        return None
    # A flow file names its workspace too, so 'flow' decides first.
    kind = next((k for key, k in _KIND_KEYS.items() if key in doc.data), None)
    if kind is None:
        message = "not a weavz-flow config file: expected a top-level 'workspace' or 'flow' key"
        hint = next((h for k in doc.data if (h := did_you_mean(str(k), _KIND_KEYS))), None)
        if hint is None:
            hint = f"list the project's config files with 'include' in {PROJECT_FILE_NAME} to skip other YAML"
        diagnostics.append(_error("invalid-file", message, start, hint))
        return None
    # Duplicate keys and bad tags are already reported; the data keeps the first value, so checking goes on.
    model_type: type[WorkspaceFile | FlowFile] = WorkspaceFile if kind is FileKind.WORKSPACE else FlowFile
    result = _validate(model_type, doc.data, doc.positions, diagnostics)
    if result.model is None:
        if kind is FileKind.WORKSPACE and isinstance(doc.data.get("workspace"), str):
            unbuilt.add(doc.data["workspace"])
        return None
    source = SourceFile(path.resolve(), display, kind, result.positions, result.damage)
    return source, result.model  # type: ignore[return-value]


def _validate(model: type[BaseModel], data: Any, positions: PositionMap, diagnostics: list[Diagnostic]) -> Recovered:
    """The model of ``data``; on schema errors, every error reported and the model of what is valid."""
    try:
        return Recovered(model.model_validate(data), positions, NO_DAMAGE)
    except ValidationError as exc:
        diagnostics.extend(diagnostics_from_error(exc, positions, model))
        return recover(model, data, positions, exc)


def _add_unique(
    name: str,
    source: SourceFile,
    model: Any,
    models: dict[str, Any],
    sources: dict[str, SourceFile],
    what: str,
    diagnostics: list[Diagnostic],
) -> None:
    if name in models:
        first = sources[name].at(what)
        diagnostics.append(_error(f"duplicate-{what}", f"{what} '{name}' is declared twice", source.at(what),
                                  f"first declared at {first}"))
        return
    models[name] = model
    sources[name] = source


def _read_text(path: Path, display: str, diagnostics: list[Diagnostic]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        diagnostics.append(_error("invalid-file", f"not UTF-8 text ({exc.reason})", Position(display, 1, 1)))
    except OSError as exc:
        diagnostics.append(_error("invalid-file", f"cannot read file: {exc.strerror}", Position(display, 1, 1)))
    return None


def _error(code: str, message: str, where: Position, hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, where, hint)
