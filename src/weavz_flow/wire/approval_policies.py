"""Approval policy bodies (weavz-api.md §1.8, §2.8; weavz-sdk-wire.md §2.6).

The SDK camelCases only the keys it knows (``workspaceId``, ``riskMode``, ...) and passes the others as the caller
wrote them, so an approver's ``user_ids`` / ``webhook_url`` may arrive in snake_case: both spellings are accepted.
A webhook approver's ``webhookSecret`` is write-only: answers show ``webhookSecretSet``, and a secret the server
generated appears once, in the create or update answer that made it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from weavz_flow.wire.base import (
    NO_NUL,
    NOT_BLANK,
    AliasRef,
    BaseUrl,
    CatalogRef,
    Description,
    IdempotencyKey,
    Int32,
    Listing,
    Ref,
    Secret,
    Stamped,
    WireModel,
    WireRequest,
)
from weavz_flow.wire.vocabulary import (
    APPROVAL_DEFAULT_TIMEOUT_S,
    APPROVAL_POLICY_NAME_MAX,
    APPROVAL_TIMEOUT_MAX_S,
    ApprovalAccessMode,
    ApprovalDecision,
    ApproverType,
    DefaultOnTimeout,
    EndUserMode,
    ExecuteSource,
    RiskMode,
    Strategy,
)

PolicyName = Annotated[str, StringConstraints(min_length=1, max_length=APPROVAL_POLICY_NAME_MAX, pattern=NOT_BLANK)]
OrgRole = Literal["owner", "admin", "member"]
WEBHOOK_SECRET_MIN = 16
WebhookSecret = Annotated[Secret, Field(min_length=WEBHOOK_SECRET_MIN, max_length=500)]
Timeout = Annotated[int, Field(ge=1, le=APPROVAL_TIMEOUT_MAX_S)]
ReuseWindow = Annotated[int, Field(ge=0, le=APPROVAL_TIMEOUT_MAX_S)]
FilterList = list[Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=NO_NUL)]]
DEFAULT_APPROVERS: tuple[dict[str, Any], ...] = ({"type": "org_role", "roles": ["owner", "admin"]},)


class ApproverIn(WireRequest):
    type: ApproverType
    roles: list[OrgRole] = Field(default_factory=list)
    user_ids: list[Ref] = Field(default_factory=list)
    webhook_url: BaseUrl | None = None
    webhook_secret: WebhookSecret | None = None


class ApproverOut(WireModel):
    type: ApproverType
    roles: list[str] = Field(default_factory=list)
    user_ids: list[str] = Field(default_factory=list)
    webhook_url: str | None = Field(default=None, exclude_if=lambda v: v is None)
    webhook_secret_set: bool | None = Field(default=None, exclude_if=lambda v: v is None)
    # Only in the answer that generated it, once.
    webhook_secret: str | None = Field(default=None, exclude_if=lambda v: v is None)


class PolicyFields(WireRequest):
    """Every field of a policy, with the documented defaults; ``name`` is required by :class:`ApprovalPolicyCreate`
    (a policy given to ``/test`` may leave it out)."""

    name: PolicyName = "test policy"
    workspace_id: Ref | None = None
    description: Description | None = None
    enabled: bool = True
    priority: Int32 = 100
    sources: list[ExecuteSource] | None = None
    mcp_server_ids: FilterList | None = None
    workspace_integration_ids: FilterList | None = None
    integration_names: FilterList | None = None
    integration_aliases: FilterList | None = None
    action_names: FilterList | None = None
    connection_strategies: list[Strategy] | None = None
    end_user_mode: EndUserMode = EndUserMode.ANY
    decision: ApprovalDecision = ApprovalDecision.REQUIRE_APPROVAL
    risk_mode: RiskMode = RiskMode.ALWAYS
    rules: dict[str, Any] | None = None
    approvers: list[ApproverIn] = Field(default_factory=lambda: [ApproverIn.model_validate(a)
                                                                 for a in DEFAULT_APPROVERS])
    timeout_seconds: Timeout = APPROVAL_DEFAULT_TIMEOUT_S
    default_on_timeout: DefaultOnTimeout = DefaultOnTimeout.REJECT
    reuse_window_seconds: ReuseWindow | None = None
    approval_access_mode: ApprovalAccessMode = ApprovalAccessMode.DASHBOARD_AND_HOSTED_LINK
    metadata: dict[str, Any] | None = None


class ApprovalPolicyCreate(PolicyFields):
    name: PolicyName


class ApprovalPolicyUpdate(WireRequest):
    """A PATCH: only the fields sent change; an explicit null clears the nullable ones (a filter back to "any")."""

    name: PolicyName | None = None
    workspace_id: Ref | None = None
    description: Description | None = None
    enabled: bool | None = None
    priority: Int32 | None = None
    sources: list[ExecuteSource] | None = None
    mcp_server_ids: FilterList | None = None
    workspace_integration_ids: FilterList | None = None
    integration_names: FilterList | None = None
    integration_aliases: FilterList | None = None
    action_names: FilterList | None = None
    connection_strategies: list[Strategy] | None = None
    end_user_mode: EndUserMode | None = None
    decision: ApprovalDecision | None = None
    risk_mode: RiskMode | None = None
    rules: dict[str, Any] | None = None
    approvers: list[ApproverIn] | None = None
    timeout_seconds: Timeout | None = None
    default_on_timeout: DefaultOnTimeout | None = None
    reuse_window_seconds: ReuseWindow | None = None
    approval_access_mode: ApprovalAccessMode | None = None
    metadata: dict[str, Any] | None = None


class ApprovalPolicy(Stamped):
    id: str
    org_id: str
    workspace_id: str | None = None
    name: str
    description: str | None = None
    enabled: bool
    priority: int
    sources: list[str] | None = None
    mcp_server_ids: list[str] | None = None
    workspace_integration_ids: list[str] | None = None
    integration_names: list[str] | None = None
    integration_aliases: list[str] | None = None
    action_names: list[str] | None = None
    connection_strategies: list[str] | None = None
    end_user_mode: str
    decision: str
    risk_mode: str
    rules: dict[str, Any] | None = None
    approvers: list[ApproverOut]
    timeout_seconds: int
    default_on_timeout: str
    reuse_window_seconds: int | None = None
    approval_access_mode: str
    metadata: dict[str, Any] | None = None


class ApprovalPolicyEnvelope(WireModel):
    policy: ApprovalPolicy


class ApprovalPolicyList(Listing[ApprovalPolicy]):
    items_field = "policies"
    policies: list[ApprovalPolicy] = Field(default_factory=list)
    total: int


class TestContext(WireRequest):
    """The call to evaluate a policy against (weavz-api.md §2.8). ``actionCategories`` is accepted and unused: no
    rule of ours reads it."""

    workspace_id: Ref | None = None
    source: ExecuteSource = ExecuteSource.SDK
    integration_name: Ref
    action_name: CatalogRef
    integration_alias: AliasRef | None = None
    workspace_integration_id: Ref | None = None
    connection_strategy: Strategy | None = None
    end_user_id: Ref | None = None
    mcp_server_id: Ref | None = None
    input: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: IdempotencyKey | None = None
    action_categories: list[str] | None = None


class PolicyTest(WireRequest):
    """``policy`` is a full policy body (not saved), or ``{id}`` for a saved one."""

    policy: dict[str, Any]
    context: TestContext


class PolicyTestResult(WireModel):
    decision: str  # allow, or the matching policy's decision
    matched: bool
    reasons: list[str]
    policy_id: str | None = None

