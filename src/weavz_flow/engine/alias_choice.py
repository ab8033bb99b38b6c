"""Step 3 of the execute pipeline over workspace integrations already read, and the errors of steps 3-4.

Shared by the engine's SQL path (:mod:`weavz_flow.engine.resolution`) and the remote backend's dry run, which reads
the workspace's integrations with ``GET /api/v1/workspaces/{id}/integrations`` and must pick and fail the same way.
The rule: a named alias must exist and be for the integration; without one, the integration's only alias, else the
alias named like the integration, else AMBIGUOUS_INTEGRATION when there are several, else none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.vocabulary import Strategy


class AliasRecord(Protocol):
    """What the choice reads of a workspace integration: a table row, or one read over the API."""

    @property
    def alias(self) -> str: ...
    @property
    def integration_name(self) -> str: ...


A = TypeVar("A", bound=AliasRecord)


def choose_alias(rows: Sequence[A], integration_name: str, *, integration_alias: str | None = None) -> A | None:
    """The targeted workspace integration among the workspace's ``rows``, or None when it has none for the
    integration (then only an explicit connection, or an integration without auth, can run)."""
    if integration_alias is not None:
        named = next((r for r in rows if r.alias == integration_alias), None)
        if named is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"No integration alias '{integration_alias}' in this workspace",
                           details={"integrationAlias": integration_alias}, status=404)
        check_integration(named, integration_name)
        return named
    candidates = [r for r in rows if r.integration_name == integration_name]
    if len(candidates) == 1:
        return candidates[0]
    for row in candidates:
        if row.alias == integration_name:
            return row
    if candidates:
        aliases = sorted(r.alias for r in candidates)
        raise ApiError(
            ErrorCode.AMBIGUOUS_INTEGRATION,
            f"Integration '{integration_name}' has several aliases in this workspace ({', '.join(aliases)}); "
            "give integrationAlias or workspaceIntegrationId",
            details={"integrationName": integration_name, "aliases": aliases},
        )
    return None


def check_integration(row: AliasRecord, integration_name: str) -> None:
    if row.integration_name != integration_name:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            f"Alias '{row.alias}' is for integration '{row.integration_name}', not '{integration_name}'",
            details={"integrationAlias": row.alias, "integrationName": integration_name},
        )


def check_enabled(alias: str, enabled_actions: Sequence[str] | None, action_name: str) -> None:
    if enabled_actions is not None and action_name not in enabled_actions:
        raise ApiError(
            ErrorCode.ACTION_NOT_ALLOWED,
            f"Action '{action_name}' is not enabled for alias '{alias}'",
            details={"integrationAlias": alias, "actionName": action_name, "enabledActions": list(enabled_actions)},
        )


def connection_required(integration_name: str, why: str) -> ApiError:
    return ApiError(ErrorCode.CONNECTION_REQUIRED, f"A connection is required for '{integration_name}': {why}",
                    details={"integrationName": integration_name})


def per_user_required(integration_name: str, alias: str, strategy: Strategy, end_user_id: str | None) -> ApiError:
    """No end user's connection and nothing to fall back to: ``per_user``, or ``per_user_with_fallback`` whose
    fallback connection is not set (yet)."""
    fallback = "; no fallback connection is set" if strategy == Strategy.PER_USER_WITH_FALLBACK else ""
    if end_user_id is None:
        return connection_required(integration_name, f"alias '{alias}' uses {strategy} connections{fallback}; "
                                                     "give endUserId")
    return connection_required(integration_name,
                               f"end user '{end_user_id}' has no connection for '{integration_name}'{fallback}")


def end_user_not_found(end_user_id: str) -> ApiError:
    return ApiError(ErrorCode.END_USER_NOT_FOUND, f"End user '{end_user_id}' not found in this workspace",
                    details={"endUserId": end_user_id})


def connection_not_found(external_id: str, integration_name: str) -> ApiError:
    return ApiError(ErrorCode.CONNECTION_NOT_FOUND,
                    f"Connection '{external_id}' not found for integration '{integration_name}'",
                    details={"connectionExternalId": external_id, "integrationName": integration_name})
