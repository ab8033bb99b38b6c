"""The scheduler's vocabulary as values: a fire (one due tick of one flow's schedule), its status, and the dispatcher
protocol through which a fire reaches whatever runs it (a thread pool in process, or a task queue on PostgreSQL).

The fire and its statuses are stored by the engine, which defines them (:mod:`weavz_flow.engine.schedule_state`);
they reach the scheduler through the backends' port."""

from __future__ import annotations

from typing import Protocol

from weavz_flow.backends.schedules import Fire, FireStatus
from weavz_flow.config.model.flow import Overlap

__all__ = ["Dispatcher", "Fire", "FireStatus"]


class Dispatcher(Protocol):
    """Hands a claimed fire to whatever runs it. Submitting the same fire twice must be harmless: the worker side
    claims a fire atomically (pending -> running) before running it, and a second claim finds it taken."""

    def submit(self, fire: Fire, overlap: Overlap) -> bool:
        """Hand ``fire`` over; True when this call queued it, False when it was already waiting or running there (a
        delivery that changed nothing, which the scheduler's recovery does not report)."""
        ...

    def close(self) -> None: ...
