"""Errors of the backends layer that are not Weavz API errors (those are :class:`weavz_flow.errors.ApiError`)."""

from __future__ import annotations

from weavz_flow.errors import WeavzFlowError


class LockHeldError(WeavzFlowError):
    """Another apply holds the backend's lock and did not release it in time."""

    def __init__(self, where: str, waited_s: float, *, holder: str | None = None, since: str | None = None,
                 lock_id: str | None = None, lease_s: float | None = None) -> None:
        self.where = where
        self.waited_s = waited_s
        self.holder = holder
        self.since = since
        self.lock_id = lock_id
        if holder is None:
            message = (f"another apply is running against {where} (waited {waited_s:g}s for its lock); "
                       "try again when it has finished")
        else:
            message = (f"another apply is running against {where}: the state is locked by {holder} since {since} "
                       f"(lock id {lock_id}; waited {waited_s:.0f}s). Try again when it has finished; if that apply "
                       f"was killed, its lock expires {lease_s:g}s after its last heartbeat, or remove it now with "
                       f"`weavz-flow force-unlock {lock_id}`")
        super().__init__(message)


class BackendUnavailableError(WeavzFlowError):
    """The backend could not be reached or opened (network error, unreadable database)."""
