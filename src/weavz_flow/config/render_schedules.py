"""Schedules as text lines and JSON objects, shared by the ``validate`` and ``plan`` renderers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from weavz_flow.config.schedules import ScheduledFlow


def timezone_text(schedule: ScheduledFlow) -> str:
    return f"{schedule.timezone} (default)" if schedule.timezone_is_default else schedule.timezone


def schedule_line(schedule: ScheduledFlow) -> str:
    """``open-issues-digest (acme-prod): "0 9 * * 1-5" Europe/Berlin, enabled, overlap skip, missed last``."""
    state = "enabled" if schedule.enabled else "disabled"
    return (
        f"{schedule.flow} ({schedule.workspace}): \"{schedule.cron}\" {timezone_text(schedule)}, {state}, "
        f"overlap {schedule.overlap}, missed {schedule.missed}"
    )


def schedule_lines(schedules: Sequence[ScheduledFlow], heading: str) -> list[str]:
    """A heading and one indented line per schedule; nothing when there are none."""
    if not schedules:
        return []
    return [heading, *(f"  {schedule_line(s)}" for s in schedules)]


def schedule_object(schedule: ScheduledFlow) -> dict[str, Any]:
    return {
        "flow": schedule.flow,
        "workspace": schedule.workspace,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "timezone_is_default": schedule.timezone_is_default,
        "enabled": schedule.enabled,
        "overlap": str(schedule.overlap),
        "missed": str(schedule.missed),
    }
