"""The scheduler's vocabulary as values: a fire (one due tick of one flow's schedule), its status, and the dispatcher
protocol through which a fire reaches whatever runs it (a thread pool in process, or a task queue on PostgreSQL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from weavz_flow.config.model.flow import Overlap

# Run ids of scheduled runs derive from the fire, so a fire run again after a crash reuses the same idempotency keys
# and the engine returns the recorded results of the calls that had completed instead of repeating them.
_RUN_ID_NAMESPACE = uuid.UUID("5b0f6c6e-2f7e-4a4c-9a55-0d3c1f7f5e11")


class FireStatus(StrEnum):
    PENDING = "pending"  # claimed by a scheduler, handed to a dispatcher, not yet started
    RUNNING = "running"  # a worker holds it (its lease is renewed while the run goes on)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # overlap: skip, while an earlier run of the same schedule was still going
    ABANDONED = "abandoned"  # never run: its schedule was removed from the project or disabled before it started


@dataclass(frozen=True, slots=True)
class Fire:
    """One due tick of one flow's schedule. ``schedule`` is the flow's name (a flow has at most one schedule)."""

    schedule: str
    fire_at: datetime  # aware, UTC, to the minute

    def __post_init__(self) -> None:
        if self.fire_at.tzinfo is None:
            raise ValueError("fire_at must be timezone-aware")

    @property
    def key(self) -> str:
        return f"{self.schedule}@{self.fire_at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"

    @property
    def run_id(self) -> str:
        return uuid.uuid5(_RUN_ID_NAMESPACE, self.key).hex


class Dispatcher(Protocol):
    """Hands a claimed fire to whatever runs it. Submitting the same fire twice must be harmless: the worker side
    claims a fire atomically (pending -> running) before running it, and a second claim finds it taken."""

    def submit(self, fire: Fire, overlap: Overlap) -> bool:
        """Hand ``fire`` over; True when this call queued it, False when it was already waiting or running there (a
        delivery that changed nothing, which the scheduler's recovery does not report)."""
        ...

    def close(self) -> None: ...
