"""Which fires of a schedule run now: the missed-run policy as a pure function of (schedule, watermark, now).

The **watermark** is the last fire instant a scheduler has considered for a schedule (run or dropped); it is kept in
the store so that a restart neither skips nor repeats a fire. :func:`due_fires` looks at the fires F in
``(watermark, now]``:

- a fire ``t`` is **on time** when ``now - t <= grace`` (one minute by default: a scheduler that wakes a little late
  still runs the tick); older fires in F are **missed** (the scheduler was down or stopped);
- ``missed: last`` (default) runs the most recent fire of F once, whether on time or missed, and drops the others;
- ``missed: all`` runs the fires of F in order, at most ``bound`` of them (the most recent ones); older ones are
  dropped;
- ``missed: none`` runs only the on-time fires and drops every missed one.

The new watermark is the most recent fire of F (so it never moves backwards and never passes ``now``); when F is empty
it stays where it was.

Special cases:

- no watermark yet (the schedule is seen for the first time) runs nothing and sets the watermark to ``now``: a new
  schedule never backfills;
- ``enabled: false`` runs nothing and moves the watermark to ``now``, so enabling the schedule again later does not
  replay the fires of the period it was disabled (they are not counted as missed either);
- a watermark later than ``now`` (a clock that stepped back) runs nothing and keeps the watermark.

Work is bounded whatever the downtime: F is walked backwards from ``now`` (see
:func:`weavz_flow.schedule.timing.fires_before`), so only the fires that run are produced, and the dropped ones are
counted exactly by :func:`weavz_flow.schedule.timing.count_fires`, whose work grows with the days in the window, not
the fires (a year of downtime of a per-minute schedule: one count over about 365 days, not half a million fires).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, islice, takewhile

from weavz_flow.config.model.flow import Missed, ScheduleConfig
from weavz_flow.schedule.timing import count_fires, fires_before

ON_TIME_GRACE = timedelta(minutes=1)  # a fire within this much of now counts as on time, not missed
MISSED_ALL_BOUND = 100  # `missed: all` replays at most this many (the most recent ones)


@dataclass(frozen=True, slots=True)
class DueFires:
    run: tuple[datetime, ...]  # fire instants to run now, ascending, UTC
    missed_skipped: int  # how many missed fires the policy dropped
    watermark: datetime  # the new "last considered fire" to persist (>= old watermark)


def due_fires(
    schedule: ScheduleConfig,
    watermark: datetime | None,
    now: datetime,
    *,
    grace: timedelta = ON_TIME_GRACE,
    bound: int = MISSED_ALL_BOUND,
) -> DueFires:
    """The fires of ``schedule`` to run at ``now`` given the persisted ``watermark`` (see the module docstring)."""
    if now.tzinfo is None or (watermark is not None and watermark.tzinfo is None):
        raise ValueError("now and watermark must be timezone-aware")
    if watermark is None:
        return DueFires(run=(), missed_skipped=0, watermark=now)
    if watermark >= now:
        return DueFires(run=(), missed_skipped=0, watermark=watermark)
    if not schedule.enabled:
        return DueFires(run=(), missed_skipped=0, watermark=now)

    # F, most recent first: only the fires that run are produced; the dropped ones are counted.
    recent_first = fires_before(schedule.cron, schedule.timezone, now, after=watermark)
    newest = next(recent_first, None)
    if newest is None:
        return DueFires(run=(), missed_skipped=0, watermark=watermark)
    chosen = _choose(schedule.missed, chain((newest,), recent_first), on_time_from=now - grace, bound=bound)
    dropped = count_fires(schedule.cron, schedule.timezone, watermark, now) - len(chosen)
    return DueFires(run=tuple(reversed(chosen)), missed_skipped=dropped, watermark=newest)


def _choose(missed: Missed, recent_first: Iterator[datetime], *, on_time_from: datetime, bound: int) -> list[datetime]:
    """The fires to run, most recent first, taken from the front of ``recent_first``."""
    if missed is Missed.LAST:
        return list(islice(recent_first, 1))
    if missed is Missed.ALL:
        return list(islice(recent_first, max(bound, 0)))
    return list(takewhile(lambda instant: instant >= on_time_from, recent_first))
