"""The ``approval_policies:`` section of a workspace file: human gates declared in git (issue 17, build item 6).

A policy is known by its name within its workspace. Its fields are the Weavz API's (weavz-api.md §1.8, §2.8) in
snake_case, with two renames: ``aliases`` is the wire's ``integrationAliases`` (alias names of this workspace) and
``actions`` is ``actionNames``. Every default is :class:`weavz_flow.wire.approval_policies.PolicyFields`', read from
there, so the YAML and the API never disagree about what an absent field means.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from weavz_flow.config.model.base import ActionName, AliasName, HttpUrl, IntegrationName, SecretRef, StrictModel
from weavz_flow.wire.approval_policies import DEFAULT_APPROVERS, OrgRole, PolicyFields, ReuseWindow, Timeout
from weavz_flow.wire.base import NOT_BLANK, Description, Int32
from weavz_flow.wire.vocabulary import (
    APPROVAL_POLICY_NAME_MAX,
    ApprovalAccessMode,
    ApprovalDecision,
    ApproverType,
    DefaultOnTimeout,
    EndUserMode,
    ExecuteSource,
    RiskMode,
    Strategy,
)

__all__ = ["ApprovalPolicyConfig", "ApproverConfig", "PolicyName"]

# The API's rule (any text that is not blank), so that every live policy can be imported under its own name.
PolicyName = Annotated[str, StringConstraints(min_length=1, max_length=APPROVAL_POLICY_NAME_MAX, pattern=NOT_BLANK)]


def _wire_default(name: str) -> Any:
    """The API's default for a policy field: one definition, the wire model's."""
    return PolicyFields.model_fields[name].get_default(call_default_factory=True)


class ApproverConfig(StrictModel):
    """Who decides: ``org_role`` (API keys of the organization holding one of ``roles``), ``end_user`` (the end user
    the call was made for, through the hosted link) or ``webhook`` (signed ``approval.*`` events POSTed to
    ``webhook_url``)."""

    type: ApproverType
    roles: list[OrgRole] = Field(default_factory=list)
    user_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=1024)]] = Field(default_factory=list)
    webhook_url: HttpUrl | None = None
    webhook_secret: SecretRef | None = Field(default=None, description=(
        "the webhook's signing secret (at least 16 characters), as {env: NAME} or {file: PATH}; write-only on the "
        "backend, so plan compares a fingerprint of it. Absent: the backend generates one that weavz-flow never "
        "sees"))

    @model_validator(mode="after")
    def _webhook_fields(self) -> ApproverConfig:
        if self.type is ApproverType.WEBHOOK and self.webhook_url is None:
            raise PydanticCustomError("webhook_url_required", "a webhook approver needs a 'webhook_url'",
                                      {"fix": "add webhook_url: https://..."})
        if self.type is not ApproverType.WEBHOOK:
            extra = "webhook_url" if self.webhook_url is not None else \
                "webhook_secret" if self.webhook_secret is not None else None
            if extra is not None:
                raise PydanticCustomError(
                    "webhook_field_unused", "'{key}' is only for an approver of type webhook",
                    {"key": extra, "at_key": extra, "fix": f"remove '{extra}', or set type: webhook"})
        return self


def _default_approvers() -> list[ApproverConfig]:
    return [ApproverConfig.model_validate(a) for a in DEFAULT_APPROVERS]


class ApprovalPolicyConfig(StrictModel):
    """A human gate of this workspace: calls its filters match are paused for approval (or notified, blocked or
    auto-approved, per ``decision``). Absent filters match every call. Only workspace policies are declared in a
    workspace file; organization-wide ones (``workspaceId`` null) are managed through the API."""

    enabled: bool = _wire_default("enabled")
    priority: Int32 = Field(default=_wire_default("priority"), description="lower first; ties go to the most "
                            "severe decision")
    description: Description | None = None
    sources: list[ExecuteSource] | None = Field(default=None, description="execute sources it applies to "
                                                "(flow for weavz-flow's runner); absent: all")
    integration_names: list[IntegrationName] | None = None
    aliases: list[AliasName] | None = Field(default=None, description=(
        "aliases of this workspace (the API's integrationAliases)"))
    actions: list[ActionName] | None = Field(default=None, description=(
        "action names, as the catalog names them (send_channel_message, not slack_bot.send_channel_message; the "
        "API's actionNames): combine with 'aliases' or 'integration_names' to pin the integration"))
    connection_strategies: list[Strategy] | None = None
    end_user_mode: EndUserMode = _wire_default("end_user_mode")
    decision: ApprovalDecision = _wire_default("decision")
    risk_mode: RiskMode = Field(default=_wire_default("risk_mode"), description=(
        "always: every matching call; rules: only calls whose input 'rules' match (model_assisted needs Weavz's "
        "risk model, which weavz-flow does not have)"))
    rules: dict[str, Any] | None = Field(default=None, description=(
        "{match: any|all, conditions: [{path, op: present|equals|matches|in, value}]} over the call's final input: "
        "path is dotted (a.b.0.c), matches is a full-match regular expression, in takes a list "
        "(docs/approval-rules.md)"))
    approvers: list[ApproverConfig] = Field(default_factory=_default_approvers)
    timeout_seconds: Timeout = _wire_default("timeout_seconds")
    default_on_timeout: DefaultOnTimeout = _wire_default("default_on_timeout")
    reuse_window_seconds: ReuseWindow | None = None
    approval_access_mode: ApprovalAccessMode = _wire_default("approval_access_mode")
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _rules_with_their_mode(self) -> ApprovalPolicyConfig:
        if self.risk_mode is RiskMode.RULES and self.rules is None:
            raise PydanticCustomError("rules_required", "risk_mode 'rules' needs 'rules'",
                                      {"at_key": "risk_mode",
                                       "fix": "add rules: {conditions: [{path: ..., op: equals, value: ...}]}"})
        return self
