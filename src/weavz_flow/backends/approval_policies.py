"""Approval policies as plan, apply and import see them: the settings a workspace file declares, a live policy, and
what a create or update asks a backend to store.

:class:`PolicySettings` holds every field the config manages, in the wire's snake_case names and plain values (enums
as their strings, lists as tuples), so the desired and the live side compare with ``==``. ``mcpServerIds`` and
``workspaceIntegrationIds`` are backend ids, which a workspace file cannot name: they are not managed, and an update
leaves them as they are. A webhook approver's secret is write-only: a live policy carries at most a fingerprint of
each (:attr:`LiveApprovalPolicy.secret_fingerprints`, filled by a backend that can compute them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from pydantic import SecretStr

from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.approval_policies import ApprovalPolicy, ApprovalPolicyCreate, ApprovalPolicyUpdate, ApproverIn


@dataclass(frozen=True, slots=True)
class ApproverSettings:
    type: str
    roles: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    webhook_url: str | None = None

    def plain(self) -> dict[str, Any]:
        """The approver as a plan shows it (what is empty left out)."""
        out: dict[str, Any] = {"type": self.type}
        if self.roles:
            out["roles"] = list(self.roles)
        if self.user_ids:
            out["user_ids"] = list(self.user_ids)
        if self.webhook_url is not None:
            out["webhook_url"] = self.webhook_url
        return out


@dataclass(frozen=True, slots=True)
class PolicySettings:
    enabled: bool
    priority: int
    end_user_mode: str
    decision: str
    risk_mode: str
    approvers: tuple[ApproverSettings, ...]
    timeout_seconds: int
    default_on_timeout: str
    approval_access_mode: str
    description: str | None = None
    sources: tuple[str, ...] | None = None
    integration_names: tuple[str, ...] | None = None
    integration_aliases: tuple[str, ...] | None = None
    action_names: tuple[str, ...] | None = None
    connection_strategies: tuple[str, ...] | None = None
    rules: Mapping[str, Any] | None = None
    reuse_window_seconds: int | None = None
    metadata: Mapping[str, Any] | None = None

    def request_fields(self) -> dict[str, Any]:
        """The fields of the wire's create and update bodies (approvers without their secrets)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple) and f.name != "approvers":
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        out.pop("approvers")
        return out


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(PolicySettings))


@dataclass(frozen=True, slots=True)
class LiveApprovalPolicy:
    """A workspace's approval policy. Natural key: (workspace, name)."""

    id: str
    workspace_id: str
    name: str
    settings: PolicySettings
    # A fingerprint of each approver's stored webhook secret (None for an approver without one); None when this
    # backend cannot compute them (a remote API: the project's state then holds what apply last stored).
    secret_fingerprints: tuple[str | None, ...] | None = None


@dataclass(frozen=True, slots=True)
class ApprovalPolicySpec:
    workspace_id: str
    name: str
    settings: PolicySettings
    # One per approver: the webhook secret to store, or None (a webhook approver then keeps the secret it had at
    # that place, or gets a generated one that nobody sees).
    webhook_secrets: tuple[Sensitive[str] | None, ...] = ()

    def create_request(self) -> ApprovalPolicyCreate:
        return ApprovalPolicyCreate.model_validate({"workspace_id": self.workspace_id, "name": self.name,
                                                    **self.settings.request_fields(), "approvers": self._approvers()})

    def update_request(self) -> ApprovalPolicyUpdate:
        """Every managed field, an absent optional one as an explicit null (it clears: the config is the truth)."""
        return ApprovalPolicyUpdate.model_validate({"name": self.name, **self.settings.request_fields(),
                                                    "approvers": self._approvers()})

    def _approvers(self) -> list[ApproverIn]:
        out = []
        for i, a in enumerate(self.settings.approvers):
            secret = self.webhook_secrets[i] if i < len(self.webhook_secrets) else None
            out.append(ApproverIn.model_validate({
                "type": a.type, "roles": list(a.roles), "user_ids": list(a.user_ids), "webhook_url": a.webhook_url,
                "webhook_secret": SecretStr(secret.reveal()) if secret is not None else None}))
        return out


def _listed(value: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def policy_settings_of(p: ApprovalPolicy) -> PolicySettings:
    approvers = tuple(ApproverSettings(a.type.value, tuple(a.roles), tuple(a.user_ids), a.webhook_url)
                      for a in p.approvers)
    return PolicySettings(
        enabled=p.enabled, priority=p.priority, end_user_mode=p.end_user_mode, decision=p.decision,
        risk_mode=p.risk_mode, approvers=approvers, timeout_seconds=p.timeout_seconds,
        default_on_timeout=p.default_on_timeout, approval_access_mode=p.approval_access_mode,
        description=p.description, sources=_listed(p.sources), integration_names=_listed(p.integration_names),
        integration_aliases=_listed(p.integration_aliases), action_names=_listed(p.action_names),
        connection_strategies=_listed(p.connection_strategies), rules=p.rules,
        reuse_window_seconds=p.reuse_window_seconds, metadata=p.metadata,
    )


def approval_policy_of(p: ApprovalPolicy, secret_fingerprints: tuple[str | None, ...] | None = None,
                       ) -> LiveApprovalPolicy:
    return LiveApprovalPolicy(p.id, p.workspace_id or "", p.name, policy_settings_of(p), secret_fingerprints)

