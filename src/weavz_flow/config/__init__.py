"""Layer 6: the config language. Load a project (:func:`load_project`), check it (:func:`validate_project`), read
the secrets it references (:func:`resolve_secret`). Models live in :mod:`weavz_flow.config.model`."""

from weavz_flow.config.discovery import config_files, find_project_root
from weavz_flow.config.load import ReadResult, load_project, read_project
from weavz_flow.config.model import (
    AliasConfig,
    ConnectionConfig,
    EndUserConfig,
    FlowConfig,
    FlowFile,
    InputSpec,
    PartialConfig,
    ProjectFile,
    RetryConfig,
    ScheduleConfig,
    SecretRef,
    StepConfig,
    Strategy,
    WorkspaceConfig,
    WorkspaceFile,
)
from weavz_flow.config.partial_selection import applicable_partials, merged_values
from weavz_flow.config.project import FileKind, Project, SourceFile
from weavz_flow.config.secret_values import SecretUnavailableError, resolve_secret
from weavz_flow.config.validate import ValidationReport, validate_project

__all__ = [
    "AliasConfig",
    "ConnectionConfig",
    "EndUserConfig",
    "FileKind",
    "FlowConfig",
    "FlowFile",
    "InputSpec",
    "PartialConfig",
    "Project",
    "ProjectFile",
    "ReadResult",
    "RetryConfig",
    "ScheduleConfig",
    "SecretRef",
    "SecretUnavailableError",
    "SourceFile",
    "StepConfig",
    "Strategy",
    "ValidationReport",
    "WorkspaceConfig",
    "WorkspaceFile",
    "applicable_partials",
    "config_files",
    "find_project_root",
    "load_project",
    "merged_values",
    "read_project",
    "resolve_secret",
    "validate_project",
]
