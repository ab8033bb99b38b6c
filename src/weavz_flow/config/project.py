"""A loaded project: the project file, workspaces by slug, flows by name, and where each came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from weavz_flow.config.model.flow import FlowFile
from weavz_flow.config.model.project_file import ProjectFile
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.recover import NO_DAMAGE, Damage
from weavz_flow.config.yaml_source import NodePath, PositionMap
from weavz_flow.diagnostics import Position


class FileKind(StrEnum):
    PROJECT = "project"
    WORKSPACE = "workspace"
    FLOW = "flow"


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # absolute
    display: str  # as messages name it
    kind: FileKind
    positions: PositionMap
    damage: Damage = NO_DAMAGE  # what a schema error left out of the model (checks stay quiet about it)

    def at(self, *path: str | int) -> Position:
        """Position of the value at ``path`` (or of its nearest ancestor)."""
        return self.positions.value(tuple(path))

    def key_at(self, *path: str | int) -> Position:
        return self.positions.key(tuple(path))

    def at_path(self, path: NodePath) -> Position:
        return self.positions.value(path)


@dataclass(frozen=True)
class Project:
    """Everything declared under one project root. Models are validated; cross-references may still be wrong
    (that is :func:`weavz_flow.config.validate.validate_project`'s job)."""

    root: Path
    settings: ProjectFile
    settings_source: SourceFile | None
    workspaces: Mapping[str, WorkspaceFile] = field(default_factory=dict)
    flows: Mapping[str, FlowFile] = field(default_factory=dict)
    workspace_sources: Mapping[str, SourceFile] = field(default_factory=dict)
    flow_sources: Mapping[str, SourceFile] = field(default_factory=dict)
    # Slugs of workspace files too broken to build: flows naming one are not told it is undeclared.
    unbuilt_workspaces: frozenset[str] = frozenset()

    def workspace_source(self, slug: str) -> SourceFile:
        return self.workspace_sources[slug]

    def flow_source(self, name: str) -> SourceFile:
        return self.flow_sources[name]

    def flows_of(self, slug: str) -> list[FlowFile]:
        return [f for f in self.flows.values() if f.workspace == slug]
