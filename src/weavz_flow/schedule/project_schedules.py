"""The schedules a project declares, as the scheduler and the fire runner see them, and whether a fire of a given
schedule may still run under that project: a fire whose schedule was removed or disabled is abandoned, not run.

Each process judges by its own project. During a rolling deploy several versions serve one database at once; see
:meth:`weavz_flow.schedule.scheduler.Scheduler.tick` for why that stays safe."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from weavz_flow.config.model.flow import ScheduleConfig
from weavz_flow.config.project import Project

REMOVED = "abandoned: the schedule is no longer in the project (its flow was removed or lost its schedule)"
DISABLED = "abandoned: the schedule is disabled (enabled: false)"

# A fire nobody has taken up for this long is stale: the scheduler delivers it again (its DEFAULT_REDELIVER_AFTER), or,
# when the process looking at it does not have its schedule, abandons it. Until then a process that lacks the schedule
# leaves the fire alone: during a rolling deploy, a process of the other version may have it and run it.
STALE_AFTER = timedelta(minutes=1)


def schedules_of(project: Project) -> dict[str, ScheduleConfig]:
    """Flow name -> schedule, for every flow that has one (enabled or not: the policy handles ``enabled``)."""
    return {name: flow.schedule for name, flow in sorted(project.flows.items()) if flow.schedule is not None}


def abandon_reason(schedules: Mapping[str, ScheduleConfig], schedule: str) -> str | None:
    """Why a fire of ``schedule`` must not run under ``schedules`` (the text stored with the abandoned fire), or
    None when it may run."""
    config = schedules.get(schedule)
    if config is None:
        return REMOVED
    if not config.enabled:
        return DISABLED
    return None
