"""``weavz-flow schedule --list``: each scheduled flow of a project with its next fire times, as values, plus their
text and JSON renderings.

Next fires are instants in UTC; the text shows each in the schedule's own time zone (with its abbreviation, so a
daylight-saving change is visible) and, unless the zone is UTC, in UTC as well. A disabled schedule lists no next
fires, and neither does a cron that matches no date (``0 0 30 2 *``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from weavz_flow.config.model.flow import Missed, Overlap
from weavz_flow.config.project import Project
from weavz_flow.config.render_schedules import schedule_line, schedule_object
from weavz_flow.config.schedules import ScheduledFlow, scheduled_flows
from weavz_flow.schedule.timing import fire_times


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    flow: str
    workspace: str
    cron: str
    timezone: str  # IANA name
    timezone_is_default: bool  # the flow file omits `timezone`: UTC
    enabled: bool
    overlap: Overlap
    missed: Missed
    next_fires: tuple[datetime, ...]  # aware, UTC, ascending; empty when disabled or when the cron matches no date

    @property
    def scheduled(self) -> ScheduledFlow:
        return ScheduledFlow(self.flow, self.workspace, self.cron, self.timezone, self.timezone_is_default,
                             self.enabled, self.overlap, self.missed)


def schedule_listing(project: Project, now: datetime, count: int = 3) -> list[ScheduleEntry]:
    """Every scheduled flow of ``project`` (by flow name) with its next ``count`` fires strictly after ``now``."""
    return listing_of(scheduled_flows(project), now, count)


def listing_of(schedules: Sequence[ScheduledFlow], now: datetime, count: int = 3) -> list[ScheduleEntry]:
    """``schedules`` (a project's, or those deployed in a store) with their next ``count`` fires after ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return [_entry(s, now, count) for s in schedules]


def _entry(schedule: ScheduledFlow, now: datetime, count: int) -> ScheduleEntry:
    fires: tuple[datetime, ...] = ()
    if schedule.enabled and count > 0:
        fires = tuple(islice(fire_times(schedule.cron, schedule.timezone, now, datetime.max.replace(tzinfo=UTC)),
                             count))
    return ScheduleEntry(
        flow=schedule.flow,
        workspace=schedule.workspace,
        cron=schedule.cron,
        timezone=schedule.timezone,
        timezone_is_default=schedule.timezone_is_default,
        enabled=schedule.enabled,
        overlap=schedule.overlap,
        missed=schedule.missed,
        next_fires=fires,
    )


def render_listing(entries: Sequence[ScheduleEntry], empty: str = "No scheduled flows in this project.") -> str:
    """One block per schedule: its settings, then its next fires in local time and UTC."""
    if not entries:
        return empty + "\n"
    lines: list[str] = []
    for entry in entries:
        lines.append(schedule_line(entry.scheduled))
        if not entry.enabled:
            lines.append("  next: none (disabled)")
        elif not entry.next_fires:
            lines.append("  next: none (the cron matches no date)")
        for index, instant in enumerate(entry.next_fires):
            label = "  next: " if index == 0 else "        "
            lines.append(label + fire_text(instant, entry.timezone))
    return "\n".join(lines) + "\n"


def fire_text(instant: datetime, timezone: str) -> str:
    """``Mon 2026-11-30 09:00 CET (08:00 UTC)``; the UTC part is left out for UTC schedules, and shows the date when
    it differs from the local one."""
    local = instant.astimezone(ZoneInfo(timezone))
    utc = instant.astimezone(UTC)
    text = f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"
    if local.utcoffset() == utc.utcoffset() and local.tzname() == "UTC":
        return text
    utc_part = f"{utc:%H:%M}" if utc.date() == local.date() else f"{utc:%a %Y-%m-%d %H:%M}"
    return f"{text} ({utc_part} UTC)"


def listing_document(entries: Sequence[ScheduleEntry]) -> list[dict[str, Any]]:
    """The listing as JSON-ready objects: the schedule fields of ``validate --json`` plus ``next_fires`` (ISO 8601,
    UTC)."""
    return [
        {**schedule_object(e.scheduled), "next_fires": [f.astimezone(UTC).isoformat() for f in e.next_fires]}
        for e in entries
    ]
