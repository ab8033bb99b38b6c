"""Who is asking: the organization and, for a workspace-scoped API key, the workspaces it may touch."""

from __future__ import annotations

from dataclasses import dataclass

from weavz_flow.errors import ApiError, ErrorCode


@dataclass(frozen=True, slots=True)
class Caller:
    org_id: str
    # None: org-wide. Otherwise the only workspaces this caller may touch.
    workspace_ids: frozenset[str] | None = None
    api_key_id: str | None = None
    # May approve or reject approval requests (an API key's permissions.approvals.decide; the operator always may).
    may_decide_approvals: bool = False

    @classmethod
    def system(cls, org_id: str) -> Caller:
        """The trusted in-process caller (local backend, CLI): org-wide, no API key, the operator who may decide."""
        return cls(org_id=org_id, may_decide_approvals=True)

    @property
    def org_wide(self) -> bool:
        return self.workspace_ids is None

    def may_access(self, workspace_id: str) -> bool:
        return self.workspace_ids is None or workspace_id in self.workspace_ids

    def check_workspace(self, workspace_id: str) -> None:
        if not self.may_access(workspace_id):
            raise ApiError(
                ErrorCode.SCOPE_DENIED,
                "This API key is not allowed to access this workspace",
                details={"workspaceId": workspace_id},
            )

    def require_org_wide(self, what: str) -> None:
        if not self.org_wide:
            raise ApiError(ErrorCode.SCOPE_DENIED, f"{what} needs an organization-wide API key")
