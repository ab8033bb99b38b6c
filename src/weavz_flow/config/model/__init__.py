"""Typed models of the three kinds of config file; later layers (plan, runner, schedule) consume these."""

from weavz_flow.config.model.base import Duration, SecretRef, StrictModel, parse_duration
from weavz_flow.config.model.flow import (
    FlowFile,
    InputSpec,
    InputType,
    Missed,
    Overlap,
    RetryConfig,
    ScheduleConfig,
    StepConfig,
)
from weavz_flow.config.model.project_file import PROJECT_FILE_NAME, LocalBackend, ProjectFile, RemoteBackend
from weavz_flow.config.model.workspace import (
    AliasConfig,
    AliasSettings,
    ConnectionConfig,
    ConnectionType,
    EndUserConfig,
    PartialConfig,
    PersistenceScope,
    PersistenceSettings,
    Strategy,
    WorkspaceFile,
)

# The names the issue uses for the per-file models.
FlowConfig = FlowFile
WorkspaceConfig = WorkspaceFile

__all__ = [
    "PROJECT_FILE_NAME",
    "AliasConfig",
    "AliasSettings",
    "ConnectionConfig",
    "ConnectionType",
    "Duration",
    "EndUserConfig",
    "FlowConfig",
    "FlowFile",
    "InputSpec",
    "InputType",
    "LocalBackend",
    "Missed",
    "Overlap",
    "PartialConfig",
    "PersistenceScope",
    "PersistenceSettings",
    "ProjectFile",
    "RemoteBackend",
    "RetryConfig",
    "ScheduleConfig",
    "SecretRef",
    "StepConfig",
    "Strategy",
    "StrictModel",
    "WorkspaceConfig",
    "WorkspaceFile",
    "parse_duration",
]
