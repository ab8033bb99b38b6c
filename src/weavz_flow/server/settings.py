"""Server settings, read from the environment when the server starts (also in each worker process)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from weavz_flow.sensitive import Sensitive

SERVICE_KEY_ENV = "WEAVZ_FLOW_SERVICE_KEY"
DATABASE_URL_ENV = "WEAVZ_FLOW_DATABASE_URL"
DEFAULT_DATABASE_PATH = Path(".weavz-flow") / "state.db"
DEFAULT_KEY_FILE = Path(".weavz-flow") / "secret.key"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    # The operator's bootstrap key; None disables the X-Service-Key routes entirely.
    service_key: Sensitive[str] | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ
        key = env.get(SERVICE_KEY_ENV, "")
        return cls(service_key=Sensitive(key) if key else None)


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """``WEAVZ_FLOW_DATABASE_URL``, else a SQLite file under ``./.weavz-flow/`` in the working directory."""
    env = os.environ if environ is None else environ
    url = env.get(DATABASE_URL_ENV, "")
    if url:
        return url
    return f"sqlite:///{DEFAULT_DATABASE_PATH.resolve()}"
