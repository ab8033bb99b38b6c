"""The project file, ``weavz-flow.yaml``: it marks the project root and says where live state lives."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, PositiveInt, StringConstraints, Tag

from weavz_flow.config.model.base import EnvName, HttpUrl, Name, SecretRef, Slug, StrictModel
from weavz_flow.size_limits import SizeLimits

PROJECT_FILE_NAME = "weavz-flow.yaml"


class Limits(StrictModel):
    """How large what flows store may be; each absent limit keeps its default (weavz_flow.size_limits)."""

    kv_value_bytes: PositiveInt | None = Field(default=None, description="one kv-store value as JSON (default 1 MiB)")
    file_bytes: PositiveInt | None = Field(default=None, description="one stored file (default 10 MiB)")
    metadata_bytes: PositiveInt | None = Field(default=None, description="an end user's metadata (default 64 KiB)")
    secret_bytes: PositiveInt | None = Field(default=None, description="a connection's credential (default 64 KiB)")

    def size_limits(self) -> SizeLimits:
        return SizeLimits.of(**self.model_dump(exclude_none=True))


class LocalBackend(StrictModel):
    """The embedded engine. ``database_url`` is a SQLAlchemy URL; absent means the engine's default SQLite file."""

    type: Literal["local"] = "local"
    database_url: Annotated[str, StringConstraints(min_length=1)] | None = None
    limits: Limits = Field(default_factory=Limits, description="size limits of what flows store; defaults if absent")


class RemoteBackend(StrictModel):
    """Any Weavz-compatible API (``weavz-flow serve`` or hosted Weavz)."""

    type: Literal["remote"]
    api_url: HttpUrl
    api_key: SecretRef


def _backend_kind(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("type", "local"))
    return str(getattr(value, "type", "local"))


Backend = Annotated[
    Annotated[LocalBackend, Tag("local")] | Annotated[RemoteBackend, Tag("remote")],
    Discriminator(_backend_kind, custom_error_type="backend_type",
                  custom_error_message="backend 'type' must be 'local' or 'remote'"),
]


class StateSettings(StrictModel):
    """Where a remote backend keeps weavz-flow's state and lock, and the key of its credential fingerprints."""

    workspace: Slug | None = Field(
        default=None, description="the workspace whose kv-store holds the state (default: a reserved workspace "
        "'weavz-flow-state' that apply creates; a scoped API key names one of its own workspaces)")
    fingerprint_key: SecretRef | None = Field(
        default=None, description="secret the fingerprint key is derived from (default: env WEAVZ_FLOW_STATE_KEY "
        "if set, else the backend's API key)")


class ProjectFile(StrictModel):
    version: Literal[1] = Field(description="config language version; 1 is the only one")
    name: Name | None = None
    backend: Backend = Field(default_factory=LocalBackend)
    state: StateSettings = Field(default_factory=StateSettings,
                                 description="remote backends: where weavz-flow keeps its state and lock")
    env: list[EnvName] = Field(
        default_factory=list, description="environment variables flow templates may read as env.<NAME>"
    )
    include: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        default=None,
        description="globs of config files, relative to the project root; default: every *.yaml and *.yml below it, "
        "skipping hidden folders and folders that hold their own weavz-flow.yaml",
    )
