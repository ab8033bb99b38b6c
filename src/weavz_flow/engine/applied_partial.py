"""Which partials an execute applied, and why: what dry runs, run records and execution records report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PartialReason(StrEnum):
    """Why a partial applied to an execute (stable names: they are stored and printed as JSON)."""

    # A default partial of the alias; the request gave no partialIds.
    DEFAULT = "default"
    # A default partial that enforces keys, applied although the request's partialIds ([] or a list) left it out:
    # enforced keys hold against every caller of the workspace.
    DEFAULT_ENFORCED = "default_enforced"
    # Named in the request's partialIds (by id or by name).
    REQUESTED = "requested"


@dataclass(frozen=True, slots=True)
class AppliedPartial:
    id: str
    name: str
    reason: PartialReason

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "reason": self.reason.value}

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> AppliedPartial:
        return cls(str(data["id"]), str(data["name"]), PartialReason(data["reason"]))


def enforced_by(sources: Mapping[str, str], partials: Sequence[AppliedPartial]) -> dict[str, str]:
    """Each enforced key and the name of the partial whose value it ends with, from a merge's ``sources``."""
    names = {p.id: p.name for p in partials}
    return {key: names.get(source.removeprefix("enforced:"), source.removeprefix("enforced:"))
            for key, source in sources.items() if source.startswith("enforced:")}
