"""Errors of the backends layer that are not Weavz API errors (those are :class:`weavz_flow.errors.ApiError`)."""

from __future__ import annotations

from weavz_flow.errors import WeavzFlowError


class LockHeldError(WeavzFlowError):
    """Another apply holds the backend's lock and did not release it in time."""

    def __init__(self, where: str, waited_s: float) -> None:
        self.where = where
        self.waited_s = waited_s
        super().__init__(
            f"another apply is running against {where} (waited {waited_s:g}s for its lock); "
            "try again when it has finished"
        )


class BackendUnavailableError(WeavzFlowError):
    """The backend could not be reached or opened (network error, unreadable database)."""
