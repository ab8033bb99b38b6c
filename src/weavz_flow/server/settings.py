"""Server settings, read from the environment when the server starts (also in each worker process)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavz_flow.errors import WeavzFlowError
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.auth_failures import AuthFailureLimits

SERVICE_KEY_ENV = "WEAVZ_FLOW_SERVICE_KEY"
DATABASE_URL_ENV = "WEAVZ_FLOW_DATABASE_URL"
DEFAULT_DATABASE_PATH = Path(".weavz-flow") / "state.db"
DEFAULT_KEY_FILE = Path(".weavz-flow") / "secret.key"


MCP_STATELESS_ENV = "WEAVZ_FLOW_MCP_STATELESS"
AUTH_FAILURE_LIMIT_ENV = "WEAVZ_FLOW_AUTH_FAILURE_LIMIT"
AUTH_FAILURE_WINDOW_ENV = "WEAVZ_FLOW_AUTH_FAILURE_WINDOW_S"
APPROVAL_SWEEP_ENV = "WEAVZ_FLOW_APPROVAL_SWEEP_S"
DEFAULT_APPROVAL_SWEEP_S = 2.0
STORE_LOCAL_THREADS_ENV = "WEAVZ_FLOW_STORE_LOCAL_THREADS"
TRIGGER_SWEEP_ENV = "WEAVZ_FLOW_TRIGGER_SWEEP_S"
DEFAULT_TRIGGER_SWEEP_S = 2.0
SERVICE_KEY_MIN_LENGTH = 32
# Values copied from examples and tutorials rather than generated; compared without case.
_PLACEHOLDER_KEYS = frozenset({
    "changeme", "change-me", "change_me", "changeit", "secret", "password", "test", "dev", "development", "admin",
    "service-key", "service_key", "servicekey", "my-service-key", "your-service-key", "your_service_key",
    "<service-key>", "xxx", "123456", "weavz", "weavz-flow", "example",
    "change-me-to-a-long-random-string", "replace-with-a-long-random-secret", "please-change-this-service-key",
    "00000000000000000000000000000000", "0123456789abcdef0123456789abcdef",
})


@dataclass(frozen=True, slots=True)
class ServerSettings:
    # The operator's bootstrap key; None disables the X-Service-Key routes entirely.
    service_key: Sensitive[str] | None = None
    auth_failures: AuthFailureLimits = field(default_factory=AuthFailureLimits)
    # MCP sessions live in one process: with several workers a session's next request may reach another, so serve
    # --workers N (N > 1) runs the MCP endpoint stateless (server/mcp/http_endpoint.py).
    mcp_stateless: bool = False
    # Seconds between rounds of approval timeouts and webhook deliveries (engine/approval_sweep.py); None: no rounds
    # (an app built in a test, which drives them itself). ``from_env`` (serve) always sets it.
    approval_sweep_s: float | None = None
    # Seconds between rounds of trigger polls and callback deliveries (engine/trigger_sweep.py); None as above.
    trigger_sweep_s: float | None = None
    # Threads per process for executes of store-local actions (server/execute_lanes.py); None: by the store, one on
    # SQLite, two on PostgreSQL.
    store_local_threads: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ
        key = env.get(SERVICE_KEY_ENV, "")
        defaults = AuthFailureLimits()
        limits = AuthFailureLimits(
            max_failures=_number(env, AUTH_FAILURE_LIMIT_ENV, int, defaults.max_failures),
            window_s=_number(env, AUTH_FAILURE_WINDOW_ENV, float, defaults.window_s),
        )
        return cls(service_key=Sensitive(key) if key else None, auth_failures=limits,
                   mcp_stateless=env.get(MCP_STATELESS_ENV, "") == "1",
                   approval_sweep_s=_number(env, APPROVAL_SWEEP_ENV, float, DEFAULT_APPROVAL_SWEEP_S),
                   trigger_sweep_s=_number(env, TRIGGER_SWEEP_ENV, float, DEFAULT_TRIGGER_SWEEP_S),
                   store_local_threads=_number(env, STORE_LOCAL_THREADS_ENV, int, None))

    def service_key_warning(self) -> str | None:
        """One line for the operator when the service key is weak (it is still accepted: dev setups use short ones)."""
        if self.service_key is None:
            return None
        key = self.service_key.reveal()
        if key.strip().lower() in _PLACEHOLDER_KEYS or len(set(key)) < 8:
            problem = "looks like a placeholder"
        elif len(key) < SERVICE_KEY_MIN_LENGTH:
            problem = f"is shorter than {SERVICE_KEY_MIN_LENGTH} characters"
        else:
            return None
        return (f"warning: {SERVICE_KEY_ENV} {problem}; anyone who guesses it administers every organization "
                "(generate one: python3 -c \"import secrets; print(secrets.token_urlsafe(32))\")")


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float], default: float | None) -> Any:
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise WeavzFlowError(f"{name} must be a positive number, not {text!r}") from None
    if value <= 0:
        raise WeavzFlowError(f"{name} must be a positive number, not {text!r}")
    return value


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """``WEAVZ_FLOW_DATABASE_URL``, else a SQLite file under ``./.weavz-flow/`` in the working directory."""
    env = os.environ if environ is None else environ
    url = env.get(DATABASE_URL_ENV, "")
    if url:
        return url
    return f"sqlite:///{DEFAULT_DATABASE_PATH.resolve()}"
