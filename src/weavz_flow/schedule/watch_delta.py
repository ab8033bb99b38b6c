"""What a new plan says differently from the previous one: the pending changes that appeared, disappeared or changed.

``watch`` shows this after each plan so that a save's effect is visible without reading the whole plan again. Changes
are matched by address; a no-op is not a pending change. Pure: two plans in, a delta out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from weavz_flow.plan.model import Address, Change, Plan


class DeltaKind(StrEnum):
    APPEARED = "appeared"  # pending now, not before
    DISAPPEARED = "disappeared"  # pending before, not any more
    CHANGED = "changed"  # pending in both, with another action or other attribute diffs


@dataclass(frozen=True, slots=True)
class DeltaEntry:
    address: Address
    kind: DeltaKind
    before: Change | None  # the previous plan's change (None when it appeared)
    after: Change | None  # the new plan's change (None when it disappeared)


@dataclass(frozen=True, slots=True)
class PlanDelta:
    entries: tuple[DeltaEntry, ...] = ()
    unmanaged_appeared: tuple[Address, ...] = ()
    unmanaged_gone: tuple[Address, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.entries or self.unmanaged_appeared or self.unmanaged_gone)

    def of_kind(self, kind: DeltaKind) -> tuple[DeltaEntry, ...]:
        return tuple(e for e in self.entries if e.kind is kind)


def diff_plans(before: Plan, after: Plan) -> PlanDelta:
    old = {c.address: c for c in before.actionable}
    new = {c.address: c for c in after.actionable}
    entries: list[DeltaEntry] = []
    for address in sorted(old.keys() | new.keys(), key=_apply_order):
        was, now = old.get(address), new.get(address)
        if was is None:
            entries.append(DeltaEntry(address, DeltaKind.APPEARED, None, now))
        elif now is None:
            entries.append(DeltaEntry(address, DeltaKind.DISAPPEARED, was, None))
        elif _differs(was, now):
            entries.append(DeltaEntry(address, DeltaKind.CHANGED, was, now))
    old_unmanaged, new_unmanaged = set(before.unmanaged), set(after.unmanaged)
    return PlanDelta(tuple(entries), tuple(sorted(new_unmanaged - old_unmanaged, key=_apply_order)),
                     tuple(sorted(old_unmanaged - new_unmanaged, key=_apply_order)))


def _apply_order(address: Address) -> tuple[str, int, str]:
    return (address.workspace, address.kind.order, address.name)


def _differs(a: Change, b: Change) -> bool:
    # Secret values are Sensitive and compare by value, so a changed secret counts as a change here too.
    return a.action is not b.action or a.diffs != b.diffs or a.reason != b.reason
