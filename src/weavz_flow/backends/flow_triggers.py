"""The scheduler's port to the trigger sources of deployed flows (issue 18): register a flow's ``on:`` entries,
poll the due ones, turn stored events into fires exactly once, read an event back for its run.

Triggers are polled and received by the engine that holds the sources, the embedded one of a local backend (its
store is the schedule store, which :func:`~weavz_flow.engine.event_fires.insert_event_fires` needs: claiming an
event and inserting its fire is one transaction). A remote backend has none here: :func:`flow_triggers_for` says so
with None, and a scheduler over it runs cron schedules only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.engine.event_fires import insert_event_fires
from weavz_flow.engine.schedule_state import Fire
from weavz_flow.engine.services.triggers import FlowSourceSpec, StoredEvent

__all__ = ["FlowSourceSpec", "FlowTriggers", "StoredEvent", "flow_triggers_for"]


class FlowTriggers:
    def __init__(self, backend: LocalBackend) -> None:
        self._backend = backend
        self._service = backend.engine.triggers
        self._workspaces: dict[str, str] = {}

    def workspace_id(self, slug: str) -> str:
        """The backend id of workspace ``slug`` (404 ApiError when it does not exist)."""
        found = self._workspaces.get(slug)
        if found is None:
            found = self._workspaces[slug] = self._backend.workspaces.get_by_slug(self._backend.caller, slug).id
        return found

    def register(self, flow: str, key: str, spec: FlowSourceSpec) -> str:
        """The source id of ``flow``'s entry ``key`` (idempotent; a changed spec re-baselines it)."""
        return self._service.ensure_flow_source(self._backend.org.id, flow, key, spec)

    def retire(self, keep: Collection[tuple[str, str]]) -> int:
        """Stop every flow source whose ``(flow, key)`` is not in ``keep``."""
        return self._service.retire_flow_sources(None, keep)

    def poll_due(self, now: datetime) -> int:
        return self._service.poll_due(now)

    def pending(self, limit: int = 100) -> list[StoredEvent]:
        """Flow events without their fire yet, oldest first."""
        return self._service.undispatched_flow_events(limit)

    def dispatch(self, events: list[StoredEvent], digests: Mapping[str, str | None]) -> list[Fire]:
        """One fire per event, inserted once (see :mod:`weavz_flow.engine.event_fires`); the fires inserted."""
        return insert_event_fires(self._backend.store, events, digests)

    def event(self, event_id: str) -> StoredEvent | None:
        return self._service.get_event(event_id)


def flow_triggers_for(backend: Backend) -> FlowTriggers | None:
    """The flow triggers of ``backend``'s engine, or None when it runs elsewhere (a remote backend)."""
    return FlowTriggers(backend) if isinstance(backend, LocalBackend) else None
