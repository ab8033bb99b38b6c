"""A step's action against the project's backend: the embedded engine runs native actions only (the engine's
NATIVE_ACTION_UNSUPPORTED), so validate says so at the step instead of the run failing there."""

from __future__ import annotations

from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.project_file import ProjectFile
from weavz_flow.diagnostics import Position

HOSTED_HINT = ("run it on hosted Weavz: in weavz-flow.yaml set backend: {type: remote, api_url: "
               "https://api.weavz.io, api_key: {env: WEAVZ_API_KEY}}")


def check_step_backend(settings: ProjectFile, info: IntegrationInfo, action: ActionInfo, where: Position,
                       findings: Findings) -> None:
    if info.runs_here(action.name):
        return
    if settings.backend.type == "local":
        findings.error("not-native", f"'{action.key}' does not run on the embedded engine (backend type 'local'): "
                       "it is in the Weavz catalog but not native here", where, HOSTED_HINT)
    else:
        findings.warning("not-native", f"'{action.key}' is not native: only hosted Weavz runs it, a 'weavz-flow "
                         "serve' backend refuses it", where, "make sure backend.api_url is hosted Weavz")
