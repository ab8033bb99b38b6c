"""What a fire does while an earlier run of its flow is still going: shared by schedules and ``on:`` entries."""

from __future__ import annotations

from enum import StrEnum


class Overlap(StrEnum):
    SKIP = "skip"  # a tick while the previous run is still going is dropped
    QUEUE = "queue"  # it waits for the previous run
    ALLOW = "allow"  # it runs at once, concurrently
