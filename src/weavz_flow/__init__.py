"""weavz-flow: a self-hostable engine for the Weavz unified action API, driven by YAML in git.

The library's entry points (the engine, the backends, the flow runner, plan and apply) load on first use: importing
the package, as every CLI command does, must not pull in the store, the server or the HTTP stack.
"""

import importlib as _importlib
import typing as _typing

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo
from weavz_flow.diagnostics import Diagnostic, Position, Severity
from weavz_flow.errors import ApiError, ConfigError, ErrorCode, WeavzFlowError
from weavz_flow.log_lines import install as _install_one_line_logging
from weavz_flow.sensitive import Sensitive

if _typing.TYPE_CHECKING:
    from weavz_flow.backends.local import LocalBackend
    from weavz_flow.backends.protocol import Backend
    from weavz_flow.backends.remote import RemoteBackend
    from weavz_flow.config.load import load_project
    from weavz_flow.config.project import Project
    from weavz_flow.engine.engine import Engine
    from weavz_flow.plan.apply import ApplyResult, apply_plan
    from weavz_flow.plan.model import Plan
    from weavz_flow.plan.session import PlanRequest, make_plan, open_backend
    from weavz_flow.runner.outcome import RunResult
    from weavz_flow.runner.run import FlowRunner

_install_one_line_logging()  # every weavz_flow log record is one line, whichever module logs it

# Entry point -> the module defining it, imported when the name is first read.
_LAZY = {
    "ApplyResult": "weavz_flow.plan.apply",
    "Backend": "weavz_flow.backends.protocol",
    "Engine": "weavz_flow.engine.engine",
    "FlowRunner": "weavz_flow.runner.run",
    "LocalBackend": "weavz_flow.backends.local",
    "Plan": "weavz_flow.plan.model",
    "PlanRequest": "weavz_flow.plan.session",
    "Project": "weavz_flow.config.project",
    "RemoteBackend": "weavz_flow.backends.remote",
    "RunResult": "weavz_flow.runner.outcome",
    "apply_plan": "weavz_flow.plan.apply",
    "load_project": "weavz_flow.config.load",
    "make_plan": "weavz_flow.plan.session",
    "open_backend": "weavz_flow.plan.session",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'weavz_flow' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later reads skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ActionInfo",
    "ApiError",
    "ApplyResult",
    "Backend",
    "Catalog",
    "ConfigError",
    "Diagnostic",
    "Engine",
    "ErrorCode",
    "FlowRunner",
    "InputField",
    "IntegrationInfo",
    "LocalBackend",
    "Plan",
    "PlanRequest",
    "Position",
    "Project",
    "RemoteBackend",
    "RunResult",
    "Sensitive",
    "Severity",
    "WeavzFlowError",
    "apply_plan",
    "load_project",
    "make_plan",
    "open_backend",
]
