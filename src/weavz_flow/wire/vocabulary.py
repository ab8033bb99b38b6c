"""The closed vocabularies and the size limits of the managed objects, declared once for the engine (its checks
and its tables), the config files and the wire models."""

from __future__ import annotations

from enum import StrEnum

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ALIAS_PATTERN = r"^[a-z][a-z0-9_-]*$"
ALIAS_MAX = 64
SLUG_MAX = 100
NAME_MAX = 200  # a workspace's, an organization's or an API key's name
EXTERNAL_ID_MAX = 255  # a connection's or an end user's externalId, a connection's displayName
PARTIAL_NAME_MAX = 100
DISPLAY_NAME_MAX = 255  # an end user's or an alias's display name
EMAIL_MAX = 320
DESCRIPTION_MAX = 500  # a partial's description
BASE_URL_MAX = 2000  # a connection's provider base URL
CATALOG_NAME_MAX = 200  # an action's or a trigger's name
IDEMPOTENCY_KEY_MAX = 255
MCP_END_USER_ACCESS_MAX = 64  # an MCP server's endUserAccess (e.g. "restricted")
REDIRECT_URI_MAX = 2000  # a connect session's success or error redirect URI
CONNECT_ERROR_MAX = 500  # why a connect session failed
AUTH_METHOD_KEY_MAX = 100


class Strategy(StrEnum):
    """How an alias picks a connection (DESIGN.md, execute pipeline step 4)."""

    FIXED = "fixed"  # the alias's own connection (none at all for integrations without auth)
    PER_USER = "per_user"  # the end user's connection for the integration
    PER_USER_WITH_FALLBACK = "per_user_with_fallback"  # the end user's if present, else the alias's


class EndUserConnect(StrEnum):
    # How an alias's end users bring their own connection (an alias's settings key ``endUserConnect``). A comment,
    # not a docstring: a docstring would show in the config files' JSON Schema.
    PORTAL = "portal"  # through the end-user portal (an eut_ link: POST /api/v1/end-users/{id}/connect-token)


END_USER_CONNECT_SETTING = "endUserConnect"  # the alias settings key (config: the alias's ``end_user_connect``)


class ConnectionType(StrEnum):
    SECRET_TEXT = "SECRET_TEXT"
    BASIC_AUTH = "BASIC_AUTH"
    CUSTOM_AUTH = "CUSTOM_AUTH"
    OAUTH2 = "OAUTH2"
    PLATFORM_OAUTH2 = "PLATFORM_OAUTH2"  # Weavz's own OAuth app: made on the platform, never from a config file


class ConnectionScope(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    WORKSPACE = "WORKSPACE"
    USER = "USER"


class PersistenceScope(StrEnum):
    # Namespace of the built-in state (kv-store, storage); Weavz's default is end_user. (A comment: a docstring
    # would show in the config files' JSON Schema.)
    END_USER = "end_user"
    WORKSPACE = "workspace"
    EXTERNAL = "external"


class McpMode(StrEnum):
    TOOLS = "TOOLS"  # one tool per enabled action of each alias, named {alias}__{action}
    CODE = "CODE"  # weavz_search / weavz_read_api / weavz_execute over a code sandbox: not supported here yet


class McpAuthMode(StrEnum):
    OAUTH = "oauth"  # the default: OAuth access tokens (mcpo_) that carry the end user
    BEARER = "bearer"  # one static bearer (mcp_) per server, no end-user identity
    OAUTH_AND_BEARER = "oauth_and_bearer"


class McpToolType(StrEnum):
    ACTION = "ACTION"  # the only tool type the SDK sends


class ExecuteSource(StrEnum):
    """Who called the execute pipeline (``X-Weavz-Source`` for REST; the surface otherwise)."""

    REST = "rest"
    SDK = "sdk"
    FLOW = "flow"
    MCP_TOOLS = "mcp_tools"
    MCP_CODE = "mcp_code"
    PLAYGROUND = "playground"  # Weavz's dashboard playground; a policy may name it, nothing here calls with it
    TRIGGER = "trigger"


# Human gates (issue 17; weavz-api.md §1.8, weavz-sdk-wire.md §2.6-2.7). Comments, not docstrings: a docstring
# would show in the config files' JSON Schema.
class ApprovalDecision(StrEnum):
    # What a matching policy does with a call.
    REQUIRE_APPROVAL = "require_approval"  # pause: answer 202 approval_required until a person decides
    NOTIFY_ONLY = "notify_only"  # run, and tell the approvers that it ran
    BLOCK = "block"  # refuse (APPROVAL_POLICY_BLOCKED)
    AUTO_APPROVE = "auto_approve"  # run; recorded as approved by the policy


# How severe a decision is, for ties between policies of the same priority (most severe wins).
DECISION_SEVERITY: dict[ApprovalDecision, int] = {
    ApprovalDecision.BLOCK: 3,
    ApprovalDecision.REQUIRE_APPROVAL: 2,
    ApprovalDecision.NOTIFY_ONLY: 1,
    ApprovalDecision.AUTO_APPROVE: 0,
}
# ``approval-policies/test`` answers "allow" when no enabled policy matches.
DECISION_ALLOW = "allow"


class RiskMode(StrEnum):
    ALWAYS = "always"  # every call the filters match
    RULES = "rules"  # only calls whose input the policy's rules match
    MODEL_ASSISTED = "model_assisted"  # Weavz's model-scored risk: refused here (no model), with a clear error


class EndUserMode(StrEnum):
    ANY = "any"
    END_USER_PRESENT = "end_user_present"
    NO_END_USER = "no_end_user"


class ApproverType(StrEnum):
    ORG_ROLE = "org_role"  # API keys of the organization that may decide (permissions.approvals.decide)
    DASHBOARD_USER = "dashboard_user"  # Weavz dashboard users: kept for compatibility, no dashboard here
    END_USER = "end_user"  # the end user the call was made for, through the hosted link
    WEBHOOK = "webhook"  # signed approval.* events POSTed to webhookUrl


class ApprovalAccessMode(StrEnum):
    DASHBOARD_ONLY = "dashboard_only"  # decided through the API (our "dashboard" is the API and the CLI)
    DASHBOARD_AND_HOSTED_LINK = "dashboard_and_hosted_link"
    HOSTED_LINK_ONLY = "hosted_link_only"


class DefaultOnTimeout(StrEnum):
    REJECT = "reject"
    EXPIRE = "expire"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELED = "canceled"
    CONSUMED = "consumed"  # approved, and the approved call has run (once)


class ApprovalEvent(StrEnum):
    REQUESTED = "approval.requested"
    APPROVED = "approval.approved"
    REJECTED = "approval.rejected"
    CANCELED = "approval.canceled"
    EXPIRED = "approval.expired"


APPROVAL_POLICY_NAME_MAX = 200
APPROVAL_REASON_MAX = 2000  # a decision's reason
APPROVAL_TIMEOUT_MAX_S = 30 * 24 * 3600  # a pending approval lives at most 30 days
APPROVAL_DEFAULT_TIMEOUT_S = 24 * 3600


# Token prefixes (weavz-sdk-wire.md §3 item 7): what each kind of token starts with, so that a leaked one is
# recognisable and a token of one kind is never accepted as another.
API_KEY_PREFIX = "wvz_"
CONNECT_SESSION_PREFIX = "cst_"
PORTAL_TOKEN_PREFIX = "eut_"
MCP_BEARER_PREFIX = "mcp_"
MCP_OAUTH_PREFIX = "mcpo_"
APPROVAL_LINK_PREFIX = "apl_"  # a hosted approval page's link token

MCP_SCOPES = ("mcp:tools", "mcp:code")
MCP_TOOL_NAME_SEPARATOR = "__"
