"""The project file, ``weavz-flow.yaml``: it marks the project root and says where live state lives."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag

from weavz_flow.config.model.base import EnvName, HttpUrl, Name, SecretRef, StrictModel

PROJECT_FILE_NAME = "weavz-flow.yaml"


class LocalBackend(StrictModel):
    """The embedded engine. ``database_url`` is a SQLAlchemy URL; absent means the engine's default SQLite file."""

    type: Literal["local"] = "local"
    database_url: Annotated[str, StringConstraints(min_length=1)] | None = None


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


class ProjectFile(StrictModel):
    version: Literal[1] = Field(description="config language version; 1 is the only one")
    name: Name | None = None
    backend: Backend = Field(default_factory=LocalBackend)
    env: list[EnvName] = Field(
        default_factory=list, description="environment variables flow templates may read as env.<NAME>"
    )
    include: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        default=None,
        description="globs of config files, relative to the project root; default: every *.yaml and *.yml below it, "
        "skipping hidden folders and folders that hold their own weavz-flow.yaml",
    )
