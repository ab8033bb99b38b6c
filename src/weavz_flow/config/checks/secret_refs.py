"""Secret references that ``plan``/``apply`` (connections, webhook approvers, the remote API key) or ``run`` (a
flow's ``secrets``) would refuse: an unset or empty variable, an unreadable or empty file. Values are read only to see
that they are there; nothing of them is kept or shown.

Whether this is an error depends on where validate runs (:class:`SecretsCheck`): CI on a pull request usually has
no secrets, and the config can still be checked there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.base import SecretRef
from weavz_flow.config.model.project_file import RemoteBackend
from weavz_flow.config.project import Project, SourceFile
from weavz_flow.config.secret_values import SecretUnavailableError, resolve_secret
from weavz_flow.suggest import closest


class SecretsCheck(StrEnum):
    REQUIRE = "require"  # an unavailable secret is an error (validate where plan or run will run)
    WARN = "warn"  # a warning (the default: validate passes where secrets are not given)
    SKIP = "skip"  # not looked at


def check_secret_refs(project: Project, mode: SecretsCheck, findings: Findings,
                      environ: Mapping[str, str] | None = None) -> None:
    if mode is SecretsCheck.SKIP:
        return
    check = _Check(project.root, mode, findings, os.environ if environ is None else environ)
    backend = project.settings.backend
    if isinstance(backend, RemoteBackend) and project.settings_source is not None:
        check.ref(backend.api_key, project.settings_source, ("backend", "api_key"), "plan, apply and run")
    for slug, workspace in project.workspaces.items():
        source = project.workspace_source(slug)
        for ext_id, conn in workspace.connections.items():
            for key, ref in conn.secret_refs().items():
                check.ref(ref, source, ("connections", ext_id, *key.split(".")), "plan and apply")
        for name, policy in workspace.approval_policies.items():
            for i, approver in enumerate(policy.approvers):
                if approver.webhook_secret is not None:
                    check.ref(approver.webhook_secret, source,
                              ("approval_policies", name, "approvers", i, "webhook_secret"), "plan and apply")
    for name, flow in project.flows.items():
        for secret, ref in flow.secrets.items():
            check.ref(ref, project.flow_source(name), ("secrets", secret), "run")


class _Check:
    def __init__(self, root: Path, mode: SecretsCheck, findings: Findings, environ: Mapping[str, str]) -> None:
        self.root, self.mode, self.findings, self.environ = root, mode, findings, environ

    def ref(self, ref: SecretRef, source: SourceFile, path: tuple[str | int, ...], who: str) -> None:
        empty = False
        try:
            empty = resolve_secret(ref, self.root, self.environ).reveal() == ""
        except SecretUnavailableError as exc:
            problem = str(exc)
        else:
            if not empty:
                return
            problem = f"the secret {ref.describe()} is empty"
        if ref.env is not None:
            hint, where = self._env_hint(ref.env, empty, who), source.at(*path, "env")
        else:
            hint = "write the secret into the file" if empty else "create the file (and keep it out of git)"
            where = source.at(*path, "file")
        report = self.findings.error if self.mode is SecretsCheck.REQUIRE else self.findings.warning
        report("secret-unavailable", f"{problem}; {who} would refuse it", where, hint)

    def _env_hint(self, name: str, empty: bool, who: str) -> str:
        if empty:
            return f"give {name} a value before {who}"
        # A set variable of a close name is likely the one meant; names only, never a value.
        close = closest(name, (n for n in self.environ if n != name), limit=1, cutoff=0.85)
        return f"did you mean '{close[0]}', which is set?" if close else f"export {name} before {who}"
