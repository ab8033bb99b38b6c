"""A step's action against the backend it will run on: the embedded engine runs native actions only (the engine's
NATIVE_ACTION_UNSUPPORTED), so validate says so at the step instead of the run failing there.

The backend is the one commands pick: ``WEAVZ_API_URL`` (like ``--api-url``) means a remote one, else the project
file's. A remote backend may be hosted Weavz, which runs every catalog action, or a ``weavz-flow serve``, which does
not: only a warning then."""

from __future__ import annotations

from collections.abc import Mapping

from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.project_file import ProjectFile
from weavz_flow.diagnostics import Position

NOT_NATIVE = "not-native"
API_URL_ENV = "WEAVZ_API_URL"  # the same as weavz_flow.backends.remote's, which validate does not import

HOSTED_HINT = ("run it on hosted Weavz: in weavz-flow.yaml set backend: {type: remote, api_url: "
               "https://api.weavz.io, api_key: {env: WEAVZ_API_KEY}}")


def runs_remote(settings: ProjectFile, environ: Mapping[str, str]) -> bool:
    return bool(environ.get(API_URL_ENV)) or settings.backend.type == "remote"


def check_step_backend(remote: bool, info: IntegrationInfo, action: ActionInfo, where: Position,
                       findings: Findings) -> None:
    if info.runs_here(action.name):
        return
    if not remote:
        findings.error(NOT_NATIVE, f"'{action.key}' does not run on the embedded engine (backend type 'local'): "
                       "it is in the Weavz catalog but not native here", where, HOSTED_HINT)
    else:
        findings.warning(NOT_NATIVE, f"'{action.key}' is not native: only hosted Weavz runs it, a 'weavz-flow "
                         "serve' backend refuses it", where, "make sure backend.api_url is hosted Weavz")
