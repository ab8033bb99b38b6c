"""One exception tree for the whole library.

Every error a user can meet derives from :class:`WeavzFlowError`. Errors that cross the Weavz-compatible API carry a
machine ``code`` (the Weavz error enum), an HTTP ``status`` and structured ``details``; the server turns them into
``{error, code, details}`` in one handler and the CLI into a message and an exit code in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # generic
    VALIDATION_ERROR = "VALIDATION_ERROR"
    MISSING_FIELDS = "MISSING_FIELDS"
    NO_UPDATES = "NO_UPDATES"
    INVALID_JSON = "INVALID_JSON"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    SLUG_EXISTS = "SLUG_EXISTS"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    RATE_LIMITED = "RATE_LIMITED"
    # auth / access
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    SCOPE_DENIED = "SCOPE_DENIED"
    # connections
    CONNECTION_NOT_FOUND = "CONNECTION_NOT_FOUND"
    CONNECTION_REQUIRED = "CONNECTION_REQUIRED"
    CREDENTIAL_HOST_DENIED = "CREDENTIAL_HOST_DENIED"  # not a Weavz code: a base URL would move a credential
    # catalog / execution
    INTEGRATION_NOT_FOUND = "INTEGRATION_NOT_FOUND"
    ACTION_NOT_FOUND = "ACTION_NOT_FOUND"
    ACTION_FAILED = "ACTION_FAILED"
    ACTION_NOT_ALLOWED = "ACTION_NOT_ALLOWED"
    AMBIGUOUS_INTEGRATION = "AMBIGUOUS_INTEGRATION"
    NATIVE_ACTION_UNSUPPORTED = "NATIVE_ACTION_UNSUPPORTED"
    # aliases / partials / users
    ALIAS_CONFLICT = "ALIAS_CONFLICT"
    PARTIAL_NOT_FOUND = "PARTIAL_NOT_FOUND"
    PARTIAL_MISMATCH = "PARTIAL_MISMATCH"
    END_USER_NOT_FOUND = "END_USER_NOT_FOUND"
    # storage / KV
    MISSING_KEY = "MISSING_KEY"
    STORAGE_ERROR = "STORAGE_ERROR"
    # MCP servers, their tools and tokens (issue 16, mcp-rest); the first three are Weavz's
    MCP_BEARER_BLOCKS_PER_USER = "MCP_BEARER_BLOCKS_PER_USER"
    MCP_BEARER_DISABLED = "MCP_BEARER_DISABLED"
    INVALID_TOKEN = "INVALID_TOKEN"
    MCP_SERVER_NOT_FOUND = "MCP_SERVER_NOT_FOUND"
    MCP_TOOL_NOT_FOUND = "MCP_TOOL_NOT_FOUND"
    MCP_TOKEN_NOT_FOUND = "MCP_TOKEN_NOT_FOUND"
    MCP_MODE_UNSUPPORTED = "MCP_MODE_UNSUPPORTED"
    MCP_TOKEN_EXPIRED = "MCP_TOKEN_EXPIRED"
    MCP_TOKEN_REVOKED = "MCP_TOKEN_REVOKED"
    MCP_SERVER_SUSPENDED = "MCP_SERVER_SUSPENDED"
    # hosted connect (issue 15: connect sessions, cst_ tokens)
    CONNECT_SESSION_NOT_FOUND = "CONNECT_SESSION_NOT_FOUND"
    CONNECT_SESSION_EXPIRED = "CONNECT_SESSION_EXPIRED"
    CONNECT_SESSION_USED = "CONNECT_SESSION_USED"  # completed or failed already: a cst_ token works once
    CONNECT_FAILED = "CONNECT_FAILED"  # the generic reason of a failed session (a provider refused, the user gave up)
    # end-user portal (eut_ tokens; not Weavz codes: the portal's pages and the engine service use them)
    PORTAL_TOKEN_INVALID = "PORTAL_TOKEN_INVALID"
    PORTAL_TOKEN_EXPIRED = "PORTAL_TOKEN_EXPIRED"
    # docfix (issue 15, dynamic property options; Weavz's names, weavz-api.md §5)
    NOT_DYNAMIC = "NOT_DYNAMIC"  # the property has no options the provider lists
    OPTIONS_FAILED = "OPTIONS_FAILED"  # the provider's listing failed
    # OAuth2 (issue 15, OAuth2 done properly): OAuth apps, the authorization-code flow and token refresh
    OAUTH_APP_NOT_FOUND = "OAUTH_APP_NOT_FOUND"
    NO_OAUTH_APP = "NO_OAUTH_APP"
    INVALID_OAUTH_APP = "INVALID_OAUTH_APP"
    OAUTH_ERROR = "OAUTH_ERROR"
    TOKEN_EXCHANGE_FAILED = "TOKEN_EXCHANGE_FAILED"
    REFRESH_FAILED = "REFRESH_FAILED"
    # human gates (issue 17; Weavz's names, weavz-api.md §5)
    APPROVAL_POLICY_BLOCKED = "APPROVAL_POLICY_BLOCKED"
    APPROVAL_POLICY_NOT_FOUND = "APPROVAL_POLICY_NOT_FOUND"
    APPROVAL_NOT_FOUND = "APPROVAL_NOT_FOUND"
    APPROVAL_ALREADY_DECIDED = "APPROVAL_ALREADY_DECIDED"
    APPROVAL_EXPIRED = "APPROVAL_EXPIRED"
    APPROVAL_UPDATE_CONFLICT = "APPROVAL_UPDATE_CONFLICT"
    APPROVAL_DECISION_SCOPE_REQUIRED = "APPROVAL_DECISION_SCOPE_REQUIRED"
    APPROVAL_SELF_DECISION_DENIED = "APPROVAL_SELF_DECISION_DENIED"
    APPROVAL_DECISION_DENIED = "APPROVAL_DECISION_DENIED"
    # not Weavz codes: the retry of a call whose approval was refused or canceled, and a bad hosted link
    APPROVAL_REJECTED = "APPROVAL_REJECTED"
    APPROVAL_CANCELED = "APPROVAL_CANCELED"
    APPROVAL_LINK_INVALID = "APPROVAL_LINK_INVALID"
    # triggers (issue 18); TRIGGER_SOURCE_NOT_FOUND and WEBHOOK_SIGNATURE_INVALID are not Weavz codes
    TRIGGER_NOT_FOUND = "TRIGGER_NOT_FOUND"
    TRIGGER_SOURCE_NOT_FOUND = "TRIGGER_SOURCE_NOT_FOUND"
    POLLING_INTERVAL_TOO_SHORT = "POLLING_INTERVAL_TOO_SHORT"
    WEBHOOK_SIGNATURE_INVALID = "WEBHOOK_SIGNATURE_INVALID"
    WEBHOOK_PATH_TAKEN = "WEBHOOK_PATH_TAKEN"  # a flow's webhook path is another flow's (weavz-flow's own)


# Statuses the Weavz docs give for each code; codes the docs leave open follow their family (see weavz-api.md §5).
DEFAULT_STATUS: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_ERROR: 400,
    ErrorCode.MISSING_FIELDS: 400,
    ErrorCode.NO_UPDATES: 400,
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.SLUG_EXISTS: 409,
    ErrorCode.QUOTA_EXCEEDED: 403,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.SCOPE_DENIED: 403,
    ErrorCode.CONNECTION_NOT_FOUND: 404,
    ErrorCode.CONNECTION_REQUIRED: 400,
    ErrorCode.CREDENTIAL_HOST_DENIED: 400,
    ErrorCode.INTEGRATION_NOT_FOUND: 404,
    ErrorCode.ACTION_NOT_FOUND: 404,
    ErrorCode.ACTION_FAILED: 400,
    ErrorCode.ACTION_NOT_ALLOWED: 403,
    ErrorCode.AMBIGUOUS_INTEGRATION: 400,
    ErrorCode.NATIVE_ACTION_UNSUPPORTED: 400,
    ErrorCode.ALIAS_CONFLICT: 409,
    ErrorCode.PARTIAL_NOT_FOUND: 404,
    ErrorCode.PARTIAL_MISMATCH: 400,
    ErrorCode.END_USER_NOT_FOUND: 404,
    ErrorCode.MISSING_KEY: 400,
    ErrorCode.STORAGE_ERROR: 500,
    ErrorCode.MCP_BEARER_BLOCKS_PER_USER: 409,  # at create/update; authenticate answers it with 403
    ErrorCode.MCP_BEARER_DISABLED: 409,
    ErrorCode.INVALID_TOKEN: 401,
    ErrorCode.MCP_SERVER_NOT_FOUND: 404,
    ErrorCode.MCP_TOOL_NOT_FOUND: 404,
    ErrorCode.MCP_TOKEN_NOT_FOUND: 404,
    ErrorCode.MCP_MODE_UNSUPPORTED: 400,
    ErrorCode.MCP_TOKEN_EXPIRED: 401,
    ErrorCode.MCP_TOKEN_REVOKED: 401,
    ErrorCode.MCP_SERVER_SUSPENDED: 401,
    ErrorCode.CONNECT_SESSION_NOT_FOUND: 404,
    ErrorCode.CONNECT_SESSION_EXPIRED: 410,
    ErrorCode.CONNECT_SESSION_USED: 409,
    ErrorCode.CONNECT_FAILED: 400,
    ErrorCode.PORTAL_TOKEN_INVALID: 404,
    ErrorCode.PORTAL_TOKEN_EXPIRED: 410,
    ErrorCode.NOT_DYNAMIC: 400,
    ErrorCode.OPTIONS_FAILED: 400,
    # OAuth2 (issue 15)
    ErrorCode.OAUTH_APP_NOT_FOUND: 404,
    ErrorCode.NO_OAUTH_APP: 400,
    ErrorCode.INVALID_OAUTH_APP: 400,
    ErrorCode.OAUTH_ERROR: 400,
    ErrorCode.TOKEN_EXCHANGE_FAILED: 400,
    ErrorCode.REFRESH_FAILED: 400,
    # human gates (issue 17)
    ErrorCode.APPROVAL_POLICY_BLOCKED: 403,
    ErrorCode.APPROVAL_POLICY_NOT_FOUND: 404,
    ErrorCode.APPROVAL_NOT_FOUND: 404,
    ErrorCode.APPROVAL_ALREADY_DECIDED: 409,
    ErrorCode.APPROVAL_EXPIRED: 410,
    ErrorCode.APPROVAL_UPDATE_CONFLICT: 409,
    ErrorCode.APPROVAL_DECISION_SCOPE_REQUIRED: 403,
    ErrorCode.APPROVAL_SELF_DECISION_DENIED: 403,
    ErrorCode.APPROVAL_DECISION_DENIED: 403,
    ErrorCode.APPROVAL_REJECTED: 403,
    ErrorCode.APPROVAL_CANCELED: 409,
    ErrorCode.APPROVAL_LINK_INVALID: 404,
    ErrorCode.TRIGGER_NOT_FOUND: 404,
    ErrorCode.TRIGGER_SOURCE_NOT_FOUND: 404,
    ErrorCode.POLLING_INTERVAL_TOO_SHORT: 403,
    ErrorCode.WEBHOOK_SIGNATURE_INVALID: 401,
    ErrorCode.WEBHOOK_PATH_TAKEN: 409,
}


class WeavzFlowError(Exception):
    """Root of every error this library raises on purpose."""

    exit_code: int = 1

    def format_message(self) -> str:
        return str(self)


class ApiError(WeavzFlowError):
    """An error with a Weavz error code, an HTTP status and structured details.

    ``message`` and ``details`` must never contain a credential: callers pass values through
    :func:`weavz_flow.redact.redact` before raising when they quote provider text.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.status = status if status is not None else DEFAULT_STATUS.get(code, 400)
        self.headers = headers  # HTTP response headers the server adds (Retry-After on a 429)

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message, "code": str(self.code)}
        if self.details is not None:
            body["details"] = self.details
        return body

    def format_message(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!s}, status={self.status}, message={self.message!r})"


class ConfigError(WeavzFlowError):
    """A project's configuration could not be loaded; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Any]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else None
        super().__init__(str(first) if first is not None else "invalid configuration")

    def format_message(self) -> str:
        if len(self.diagnostics) <= 1:
            return str(self)
        listed = "\n".join(f"  {d}" for d in self.diagnostics)
        return f"{len(self.diagnostics)} problems in the configuration (weavz-flow validate lists them too):\n{listed}"


class CatalogError(WeavzFlowError):
    """The integration catalog could not be built or read."""


class ProjectNotFoundError(WeavzFlowError):
    """No ``weavz-flow.yaml`` was found in the working directory or any parent."""
