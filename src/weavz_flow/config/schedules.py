"""The schedules a project declares, as values for display: which flows run on a schedule, with which cron, in which
time zone (and whether that zone was written or is the UTC default), and with which policies.

``validate`` and ``plan`` list them in this form for information; what apply deploys to the schedule store (and
plans as ``flow.<name>/schedule.<index>`` objects) is :mod:`weavz_flow.plan.deployment`'s."""

from __future__ import annotations

from dataclasses import dataclass

from weavz_flow.config.model.flow import FlowFile, Missed, Overlap
from weavz_flow.config.project import Project


@dataclass(frozen=True, slots=True)
class ScheduledFlow:
    flow: str
    workspace: str
    cron: str
    timezone: str  # IANA name
    timezone_is_default: bool  # the flow file omits `timezone`, so the schedule runs in UTC
    enabled: bool
    overlap: Overlap
    missed: Missed


def scheduled_flow(flow: FlowFile) -> ScheduledFlow | None:
    schedule = flow.schedule
    if schedule is None:
        return None
    return ScheduledFlow(
        flow=flow.name,
        workspace=flow.workspace,
        cron=schedule.cron,
        timezone=schedule.timezone,
        timezone_is_default="timezone" not in schedule.model_fields_set,
        enabled=schedule.enabled,
        overlap=schedule.overlap,
        missed=schedule.missed,
    )


def scheduled_flows(project: Project) -> list[ScheduledFlow]:
    """Every scheduled flow of the project, by flow name; none whose schedule had a schema error (what is left of it
    would show defaults the file does not say)."""
    names = [n for n in sorted(project.flows) if not project.flow_source(n).damage.touches("schedule")]
    found = (scheduled_flow(project.flows[name]) for name in names)
    return [s for s in found if s is not None]
