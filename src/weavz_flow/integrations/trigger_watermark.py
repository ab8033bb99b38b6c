"""The since-watermark of a polling trigger over a provider list whose items carry a time (an issue's
``created_at``, a message's ``ts``): which items are new, and the cursor after them.

A watermark is the latest time seen plus the ids seen *at* that time. An item is new when its time is later, or
equal with an id not among those: an item created in the same second as the last one seen is neither replayed nor
skipped, so there is no replay at equal timestamps and no gap. Times are compared as strings, so a trigger gives
them in one fixed-width form (GitHub's ``YYYY-MM-DDTHH:MM:SSZ``, Slack's ``ts``).

The cursor stays small: at most :data:`MAX_IDS_AT_MARK` ids (more items than that sharing one time would be a burst
no provider list here returns within one second; past the bound the newest are kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from weavz_flow.integrations.trigger_base import Cursor, TriggerEvent

MAX_IDS_AT_MARK = 100


@dataclass(frozen=True, slots=True)
class Stamped:
    """One provider item as a candidate event: its dedupe id, its time and the event data."""

    id: str
    mark: str
    data: dict[str, Any]
    occurred_at: str | None = None  # ISO 8601 when the mark is not (Slack's ts); None: the mark is

    def event(self) -> TriggerEvent:
        return TriggerEvent(id=self.id, data=self.data, occurred_at=self.occurred_at or self.mark)


@dataclass(frozen=True, slots=True)
class Watermark:
    mark: str | None = None  # the latest time seen; None: nothing seen yet (an empty list at baseline)
    ids: tuple[str, ...] = ()  # ids of the items seen at ``mark``

    @classmethod
    def of(cls, cursor: Mapping[str, Any]) -> Watermark:
        mark = cursor.get("since")
        ids = cursor.get("ids")
        return cls(mark if isinstance(mark, str) else None,
                   tuple(str(i) for i in ids) if isinstance(ids, list) else ())

    def cursor(self) -> Cursor:
        return {"since": self.mark, "ids": list(self.ids)}

    def is_new(self, item: Stamped) -> bool:
        if self.mark is None:
            return True
        return item.mark > self.mark or (item.mark == self.mark and item.id not in self.ids)

    def is_before(self, item: Stamped) -> bool:
        """Strictly older than the watermark: a newest-first walk that reaches such an item has seen every new one."""
        return self.mark is not None and item.mark < self.mark

    def new(self, items: Iterable[Stamped]) -> list[Stamped]:
        """The new items, oldest first (ties by id, so the order is stable), each once."""
        unique = {item.id: item for item in items if self.is_new(item)}
        return sorted(unique.values(), key=lambda item: (item.mark, item.id))

    def after(self, items: Iterable[Stamped]) -> Watermark:
        """The watermark once ``items`` are seen as well."""
        mark, ids = self.mark, list(self.ids)
        for item in sorted(items, key=lambda i: (i.mark, i.id)):
            if mark is None or item.mark > mark:
                mark, ids = item.mark, [item.id]
            elif item.mark == mark and item.id not in ids:
                ids.append(item.id)
        return Watermark(mark, tuple(ids[-MAX_IDS_AT_MARK:]))


def advance(watermark: Watermark, items: Iterable[Stamped]) -> tuple[list[TriggerEvent], Watermark]:
    """The events of the new ``items``, oldest first, and the watermark after them."""
    new = watermark.new(items)
    return [item.event() for item in new], watermark.after(new)
