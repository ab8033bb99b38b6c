"""Approval policy checks: the aliases, integrations and actions a policy's filters name against the workspace and
the catalog, and its rules with the engine's own checker (``engine/gates/rules.py``), so ``validate`` refuses what
``apply`` would. Webhook secret references are checked with the other secrets (secret_refs.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.approval_policies import ApprovalPolicyConfig
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.project import SourceFile
from weavz_flow.engine.gates.rules import check_rules
from weavz_flow.errors import ApiError
from weavz_flow.suggest import did_you_mean
from weavz_flow.wire.vocabulary import RiskMode

_INDEX = re.compile(r"\[(\d+)\]")


def check_approval_policies(workspace: WorkspaceFile, source: SourceFile, catalog: Catalog,
                            findings: Findings) -> None:
    for name, policy in workspace.approval_policies.items():
        path = ("approval_policies", name)
        integrations = _check_filters(workspace, policy, path, source, catalog, findings)
        _check_actions(policy, integrations, path, source, catalog, findings)
        _check_rules(policy, path, source, findings)


def _check_filters(workspace: WorkspaceFile, policy: ApprovalPolicyConfig, path: tuple[str, ...],
                   source: SourceFile, catalog: Catalog, findings: Findings) -> list[str]:
    """The integrations the policy's aliases and integration names pin (those that exist)."""
    pinned: list[str] = []
    for i, alias in enumerate(policy.aliases or ()):
        cfg = workspace.integrations.get(alias)
        if cfg is not None:
            pinned.append(cfg.integration)
        elif not source.damage.may_hold(alias, "integrations"):
            findings.error("unknown-alias", f"'{alias}' is not an alias of workspace '{workspace.workspace}'",
                           source.at(*path, "aliases", i),
                           did_you_mean(alias, workspace.integrations) or "declare it under 'integrations'")
    for i, integration in enumerate(policy.integration_names or ()):
        if integration in catalog:
            pinned.append(integration)
        else:
            findings.error("unknown-integration", f"unknown integration '{integration}'",
                           source.at(*path, "integration_names", i),
                           did_you_mean(integration, catalog.names) or "list them with 'weavz-flow integrations list'")
    return pinned


def _check_actions(policy: ApprovalPolicyConfig, pinned: list[str], path: tuple[str, ...], source: SourceFile,
                   catalog: Catalog, findings: Findings) -> None:
    if not policy.actions:
        return
    named = bool(policy.aliases or policy.integration_names)
    if named and not pinned:
        return  # every alias or integration named is unknown, and reported
    infos = [i for i in (catalog.find(n) for n in dict.fromkeys(pinned)) if i is not None] if named \
        else list(catalog)
    known = {a for info in infos for a in info.actions}
    for i, action in enumerate(policy.actions):
        if action in known:
            continue
        where = "integration " + ", ".join(f"'{info.name}'" for info in infos) if named else "any integration"
        hint = did_you_mean(action, known) if named else None
        findings.error("unknown-action", f"{where} has no action '{action}'", source.at(*path, "actions", i),
                       hint or _list_hint(infos))


def _list_hint(infos: Iterable[object]) -> str:
    names = [getattr(i, "name", "") for i in infos]
    if len(names) == 1:
        return f"list its actions with 'weavz-flow integrations show {names[0]}'"
    return "list an integration's actions with 'weavz-flow integrations show NAME'"


def _check_rules(policy: ApprovalPolicyConfig, path: tuple[str, ...], source: SourceFile, findings: Findings) -> None:
    if policy.risk_mode is RiskMode.MODEL_ASSISTED:
        findings.error("risk-mode-unsupported", "risk_mode 'model_assisted' needs Weavz's risk model, which "
                       "weavz-flow does not have", source.at(*path, "risk_mode"),
                       "use risk_mode 'always', or 'rules' with conditions over the input")
    if policy.rules is None:
        return
    try:
        check_rules(policy.rules)
    except ApiError as exc:
        field = (exc.details or {}).get("fields", [{}])[0].get("field", "rules")
        findings.error("invalid-rules", exc.message, source.at(*path, *_field_path(field)),
                       "a condition is {path, op: present|equals|matches|in, value}; see docs/approval-rules.md")


def _field_path(field: str) -> tuple[str | int, ...]:
    """``rules.conditions[0].op`` -> ("rules", "conditions", 0, "op"): the checker's field name as a YAML path."""
    out: list[str | int] = []
    for part in field.split("."):
        head = _INDEX.split(part)
        out.append(head[0])
        out.extend(int(n) for n in head[1::2] if n)
    return tuple(p for p in out if p != "")
