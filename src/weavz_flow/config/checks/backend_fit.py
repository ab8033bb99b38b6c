"""A step's action against the project's backend: the embedded engine runs native actions only (the engine's
NATIVE_ACTION_UNSUPPORTED), so validate says so at the step instead of the run failing there."""

from __future__ import annotations

from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.project_file import ProjectFile
from weavz_flow.diagnostics import Position
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

HOSTED_HINT = ("run it on hosted Weavz: in weavz-flow.yaml set backend: {type: remote, api_url: "
               "https://api.weavz.io, api_key: {env: WEAVZ_API_KEY}}")


def runs_on_embedded_engine(info: IntegrationInfo, action: ActionInfo) -> bool:
    if not info.native:
        return False
    # A native integration lists its SDK twin's other actions too; only its own ones run here. Looking them up
    # imports that one native module, which is why the cheap flag is read first.
    native = NATIVE_INTEGRATIONS.get(info.name)
    return native is not None and action.name in native.actions


def check_step_backend(settings: ProjectFile, info: IntegrationInfo, action: ActionInfo, where: Position,
                       findings: Findings) -> None:
    if runs_on_embedded_engine(info, action):
        return
    if settings.backend.type == "local":
        findings.error("not-native", f"'{action.key}' does not run on the embedded engine (backend type 'local'): "
                       "it is in the Weavz catalog but not native here", where, HOSTED_HINT)
    else:
        findings.warning("not-native", f"'{action.key}' is not native: only hosted Weavz runs it, a 'weavz-flow "
                         "serve' backend refuses it", where, "make sure backend.api_url is hosted Weavz")
