"""Missed-run policies with explicit instants as the clock: what runs after downtime, what is dropped, and how the
watermark moves so that a restart neither skips nor repeats a fire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weavz_flow.config.model.flow import Missed, ScheduleConfig
from weavz_flow.schedule.policy import MISSED_ALL_BOUND, ON_TIME_GRACE, DueFires, due_fires
from weavz_flow.schedule.timing import count_fires, fire_times


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def schedule(cron: str = "*/15 * * * *", **fields: object) -> ScheduleConfig:
    return ScheduleConfig(cron=cron, **fields)  # type: ignore[arg-type]


QUARTERS = [utc(2026, 5, 1, 10, 15) + timedelta(minutes=15 * i) for i in range(8)]  # 10:15 .. 12:00


def test_first_start_runs_nothing_and_starts_the_watermark_now() -> None:
    now = utc(2026, 5, 1, 12, 7)
    assert due_fires(schedule(), None, now) == DueFires(run=(), missed_skipped=0, watermark=now)


def test_an_on_time_fire_runs_and_becomes_the_watermark() -> None:
    for missed in Missed:
        got = due_fires(schedule(missed=missed), utc(2026, 5, 1, 10), utc(2026, 5, 1, 10, 15, 20))
        assert got == DueFires(run=(utc(2026, 5, 1, 10, 15),), missed_skipped=0, watermark=utc(2026, 5, 1, 10, 15))


def test_nothing_due_keeps_the_watermark() -> None:
    got = due_fires(schedule(), utc(2026, 5, 1, 10, 15), utc(2026, 5, 1, 10, 29, 59))
    assert got == DueFires(run=(), missed_skipped=0, watermark=utc(2026, 5, 1, 10, 15))


def test_last_runs_the_most_recent_fire_once_after_downtime() -> None:
    late = due_fires(schedule(missed="last"), utc(2026, 5, 1, 10), utc(2026, 5, 1, 12, 7, 10))
    assert late == DueFires(run=(QUARTERS[-1],), missed_skipped=7, watermark=QUARTERS[-1])  # 12:00 is missed, runs
    on_time = due_fires(schedule(missed="last"), utc(2026, 5, 1, 10), utc(2026, 5, 1, 12, 0, 30))
    assert on_time == DueFires(run=(QUARTERS[-1],), missed_skipped=7, watermark=QUARTERS[-1])


def test_all_runs_every_missed_fire_in_order_up_to_the_bound() -> None:
    got = due_fires(schedule(missed="all"), utc(2026, 5, 1, 10), utc(2026, 5, 1, 12, 7))
    assert got == DueFires(run=tuple(QUARTERS), missed_skipped=0, watermark=QUARTERS[-1])
    bounded = due_fires(schedule(missed="all"), utc(2026, 5, 1, 10), utc(2026, 5, 1, 12, 7), bound=3)
    assert bounded == DueFires(run=tuple(QUARTERS[-3:]), missed_skipped=5, watermark=QUARTERS[-1])


def test_none_runs_only_on_time_fires() -> None:
    on_time = due_fires(schedule(missed="none"), utc(2026, 5, 1, 10), utc(2026, 5, 1, 12, 0, 30))
    assert on_time == DueFires(run=(QUARTERS[-1],), missed_skipped=7, watermark=QUARTERS[-1])
    late = due_fires(schedule(missed="none"), utc(2026, 5, 1, 10), utc(2026, 5, 1, 12, 7))
    assert late == DueFires(run=(), missed_skipped=8, watermark=QUARTERS[-1])


def test_the_grace_boundary() -> None:
    fire = utc(2026, 5, 1, 12)
    at_grace = due_fires(schedule(missed="none"), utc(2026, 5, 1, 11, 50), fire + ON_TIME_GRACE)
    assert at_grace.run == (fire,)
    past_grace = due_fires(schedule(missed="none"), utc(2026, 5, 1, 11, 50), fire + ON_TIME_GRACE
                           + timedelta(microseconds=1))
    assert past_grace == DueFires(run=(), missed_skipped=1, watermark=fire)
    wide = due_fires(schedule(missed="none"), utc(2026, 5, 1, 11, 50), fire + timedelta(minutes=9),
                     grace=timedelta(minutes=10))
    assert wide.run == (fire,)


def test_none_with_a_wide_grace_runs_several_on_time_fires() -> None:
    got = due_fires(schedule("* * * * *", missed="none"), utc(2026, 5, 1, 11, 50), utc(2026, 5, 1, 12, 0, 30),
                    grace=timedelta(minutes=3))
    assert got == DueFires(run=(utc(2026, 5, 1, 11, 58), utc(2026, 5, 1, 11, 59), utc(2026, 5, 1, 12)),
                           missed_skipped=7, watermark=utc(2026, 5, 1, 12))


def test_a_disabled_schedule_runs_nothing_and_its_watermark_follows_now() -> None:
    now = utc(2026, 5, 1, 12, 7)
    assert due_fires(schedule(enabled=False), utc(2026, 5, 1, 10), now) == DueFires((), 0, now)
    # enabled again an hour later: the disabled period is not replayed, only what fell due since
    again = due_fires(schedule(missed="all"), now, utc(2026, 5, 1, 12, 15, 5))
    assert again == DueFires(run=(utc(2026, 5, 1, 12, 15),), missed_skipped=0, watermark=utc(2026, 5, 1, 12, 15))


def test_a_watermark_ahead_of_now_is_kept() -> None:
    ahead = utc(2026, 5, 1, 13)
    assert due_fires(schedule(), ahead, utc(2026, 5, 1, 12)) == DueFires((), 0, ahead)
    assert due_fires(schedule(enabled=False), ahead, utc(2026, 5, 1, 12)) == DueFires((), 0, ahead)


def test_missed_all_across_a_clock_change() -> None:
    got = due_fires(schedule("30 2 * * *", timezone="Europe/Berlin", missed="all"), utc(2026, 3, 27),
                    utc(2026, 3, 31, 12))
    assert got.run == (utc(2026, 3, 27, 1, 30), utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0),
                       utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30))
    assert got.missed_skipped == 0 and got.watermark == utc(2026, 3, 31, 0, 30)


def test_a_year_of_downtime_counts_every_dropped_fire() -> None:
    every_minute = schedule("* * * * *", timezone="Europe/Berlin")
    start, now = utc(2025, 5, 1), utc(2026, 5, 1, 0, 0, 30)
    # the 23-hour day has 60 minutes fewer; the 25-hour day has no extra ones (the repeated hour does not fire again)
    year = 365 * 24 * 60 - 60
    assert count_fires(every_minute.cron, every_minute.timezone, start, now) == year
    last = due_fires(every_minute.model_copy(update={"missed": Missed.LAST}), start, now)
    assert last == DueFires(run=(utc(2026, 5, 1),), missed_skipped=year - 1, watermark=utc(2026, 5, 1))
    replay = due_fires(every_minute.model_copy(update={"missed": Missed.ALL}), start, now)
    assert len(replay.run) == MISSED_ALL_BOUND and replay.run[-1] == utc(2026, 5, 1)
    assert replay.run[0] == utc(2026, 5, 1) - timedelta(minutes=MISSED_ALL_BOUND - 1)
    assert replay.missed_skipped == year - MISSED_ALL_BOUND
    none = due_fires(every_minute.model_copy(update={"missed": Missed.NONE}), start, now)
    assert none == DueFires(run=(utc(2026, 5, 1),), missed_skipped=year - 1, watermark=utc(2026, 5, 1))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_fires(schedule(), None, datetime(2026, 5, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        due_fires(schedule(), datetime(2026, 5, 1), utc(2026, 5, 2))


def test_a_scheduler_ticking_through_a_clock_change_runs_every_fire_exactly_once() -> None:
    sched = schedule("*/10 * * * *", timezone="Europe/Berlin")
    now = utc(2026, 10, 24, 22)
    watermark = due_fires(sched, None, now).watermark
    ran: list[datetime] = []
    while now < utc(2026, 10, 25, 4):
        now += timedelta(seconds=25)
        due = due_fires(sched, watermark, now)
        assert due.missed_skipped == 0
        ran.extend(due.run)
        watermark = due.watermark
    assert ran == list(fire_times(sched.cron, sched.timezone, utc(2026, 10, 24, 22), now))


@settings(max_examples=150, deadline=None)
@given(
    cron=st.sampled_from(["*/15 * * * *", "0 * * * *", "30 2 * * *", "*/5 1-3 * * *", "0 9 * * 1-5"]),
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
    missed=st.sampled_from(list(Missed)),
    steps=st.lists(st.integers(1, 6 * 3600), min_size=1, max_size=15),
    bound=st.integers(0, 5),
)
def test_every_fire_is_run_or_counted_once_whatever_the_downtime(
    cron: str, timezone: str, missed: Missed, steps: list[int], bound: int
) -> None:
    """A scheduler waking at arbitrary times: the watermark only moves forward and never past now, runs are
    ascending and never repeat, and each fire of each window is either run or counted as dropped."""
    sched = schedule(cron, timezone=timezone, missed=missed)
    start = utc(2026, 10, 24, 12)
    watermark, now = start, start
    ran: list[datetime] = []
    for seconds in steps:
        now += timedelta(seconds=seconds)
        window = list(fire_times(cron, timezone, watermark, now))
        due = due_fires(sched, watermark, now, bound=bound)
        assert len(due.run) + due.missed_skipped == len(window)
        assert list(due.run) == sorted(due.run) and set(due.run) <= set(window)
        assert due.watermark == (window[-1] if window else watermark) and watermark <= due.watermark <= now
        if missed is Missed.LAST:
            assert due.run == tuple(window[-1:])
        elif missed is Missed.ALL:
            assert due.run == tuple(window[-bound:] if bound else ())
        else:
            assert due.run == tuple(t for t in window if now - t <= ON_TIME_GRACE)
        ran.extend(due.run)
        watermark = due.watermark
    assert ran == sorted(set(ran))
