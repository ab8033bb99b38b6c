"""Cron arithmetic in IANA time zones, with explicit instants as the clock: daylight-saving gaps and repeated hours,
23- and 25-hour days, weekday and day-of-month rules, leap days; plus a property test against an independent
minute-by-minute reference."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weavz_flow.schedule.timing import NoFireTime, count_fires, fire_times, fires_before, next_fire, previous_fire

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)  # type: ignore[misc]


def fires(cron: str, timezone: str, after: datetime, until: datetime) -> list[datetime]:
    return list(fire_times(cron, timezone, after, until))


def local_day(zone: ZoneInfo, year: int, month: int, day: int) -> tuple[datetime, datetime]:
    """(just before local midnight, the last instant before the next local midnight] as a fire_times window."""
    start = local(zone, year, month, day).astimezone(UTC) - timedelta(microseconds=1)
    end = (local(zone, year, month, day) + timedelta(days=1)).astimezone(UTC) - timedelta(microseconds=1)
    return start, end


# --- Europe/Berlin: 2026-03-29 02:00 -> 03:00 (CET -> CEST), 2026-10-25 03:00 -> 02:00 (CEST -> CET) ----------------


def test_daily_time_inside_the_gap_fires_once_at_the_end_of_the_gap() -> None:
    got = fires("30 2 * * *", "Europe/Berlin", utc(2026, 3, 27), utc(2026, 3, 31))
    assert got == [utc(2026, 3, 27, 1, 30), utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]
    assert got[2].astimezone(BERLIN) == local(BERLIN, 2026, 3, 29, 3, 0)


def test_daily_time_in_the_repeated_hour_fires_once_at_its_first_occurrence() -> None:
    got = fires("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24), utc(2026, 10, 27))
    assert got == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert got[1] == local(BERLIN, 2026, 10, 25, 2, 30, fold=0).astimezone(UTC)  # CEST, not the CET repeat


def test_hourly_on_the_23_hour_day() -> None:
    got = fires("0 * * * *", "Europe/Berlin", *local_day(BERLIN, 2026, 3, 29))
    assert len(got) == 23  # 02:00 does not exist; 03:00 (= the end of the gap) fires once
    assert [f.astimezone(BERLIN).hour for f in got] == [0, 1, *range(3, 24)]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(got))


def test_hourly_on_the_25_hour_day() -> None:
    got = fires("0 * * * *", "Europe/Berlin", *local_day(BERLIN, 2026, 10, 25))
    assert len(got) == 24  # one fire per wall-clock hour; the repeated 02:00 (CET) does not fire again
    assert [f.astimezone(BERLIN).hour for f in got] == list(range(24))
    gaps = [b - a for a, b in pairwise(got)]
    assert gaps.count(timedelta(hours=2)) == 1 and gaps.count(timedelta(hours=1)) == 22


def test_every_15_minutes_across_spring_forward() -> None:
    got = fires("*/15 * * * *", "Europe/Berlin", utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))
    assert got == [utc(2026, 3, 29, 0, 45), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 15), utc(2026, 3, 29, 1, 30)]
    # 01:45 CET, then 02:00..02:45 (which do not exist) and 03:00 CEST all collapse into the single instant 01:00 UTC.
    assert [f.astimezone(BERLIN).strftime("%H:%M") for f in got] == ["01:45", "03:00", "03:15", "03:30"]


def test_every_15_minutes_across_fall_back() -> None:
    got = fires("*/15 * * * *", "Europe/Berlin", utc(2026, 10, 24, 23, 50), utc(2026, 10, 25, 2, 15))
    assert got == [
        utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 45),
        # 01:00-01:45 UTC is the repeated 02:00-02:45 (CET): no fires
        utc(2026, 10, 25, 2, 0), utc(2026, 10, 25, 2, 15),
    ]


def test_a_window_that_starts_inside_the_repeated_hour() -> None:
    # 01:20 UTC is 02:20 CET, the second pass; 02:30 and 02:45 already fired on the first pass (CEST).
    after = local(BERLIN, 2026, 10, 25, 2, 20, fold=1).astimezone(UTC)
    assert next_fire("*/15 * * * *", "Europe/Berlin", after) == utc(2026, 10, 25, 2, 0)
    assert previous_fire("*/15 * * * *", "Europe/Berlin", after) == utc(2026, 10, 25, 0, 45)


# --- America/New_York: 2026-03-08 02:00 -> 03:00 (EST -> EDT), 2026-11-01 02:00 -> 01:00 (EDT -> EST) ---------------


def test_new_york_spring_forward() -> None:
    got = fires("30 2 * * *", "America/New_York", utc(2026, 3, 7), utc(2026, 3, 10))
    assert got == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)]
    assert len(fires("0 * * * *", "America/New_York", *local_day(NEW_YORK, 2026, 3, 8))) == 23


def test_new_york_fall_back() -> None:
    got = fires("30 1 * * *", "America/New_York", utc(2026, 10, 31), utc(2026, 11, 3))
    assert got == [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]  # EDT 01:30, once
    assert len(fires("0 * * * *", "America/New_York", *local_day(NEW_YORK, 2026, 11, 1))) == 24
    assert len(fires("*/10 * * * *", "America/New_York", *local_day(NEW_YORK, 2026, 11, 1))) == 144


# --- calendar rules ----------------------------------------------------------------------------------------------


def test_weekdays_at_nine_across_the_week_clocks_change() -> None:
    got = fires("0 9 * * 1-5", "Europe/Berlin", utc(2026, 3, 22), utc(2026, 4, 4))
    assert [f.astimezone(BERLIN).strftime("%a %d %H:%M") for f in got] == [
        "Mon 23 09:00", "Tue 24 09:00", "Wed 25 09:00", "Thu 26 09:00", "Fri 27 09:00",
        "Mon 30 09:00", "Tue 31 09:00", "Wed 01 09:00", "Thu 02 09:00", "Fri 03 09:00",
    ]
    assert {f.hour for f in got[:5]} == {8} and {f.hour for f in got[5:]} == {7}  # CET then CEST, in UTC


def test_day_of_month_and_day_of_week_both_restricted_means_either() -> None:
    got = fires("0 0 1,15 * 5", "UTC", utc(2026, 2, 28), utc(2026, 3, 31))
    assert [f.day for f in got] == [1, 6, 13, 15, 20, 27]  # the 1st (a Sunday), the 15th, and every Friday


def test_a_day_field_starting_with_a_star_means_both_as_in_vixie_cron() -> None:
    got = fires("0 0 */2 * 1", "UTC", utc(2026, 3, 1), utc(2026, 4, 30))
    assert [(f.month, f.day) for f in got] == [(3, 9), (3, 23), (4, 13), (4, 27)]  # Mondays on odd days
    assert [f.day for f in fires("0 0 * * 1", "UTC", utc(2026, 3, 1), utc(2026, 3, 31))] == [2, 9, 16, 23, 30]


def test_where_croniter_alone_differs_from_cron() -> None:
    # croniter reads "1-1" as "*" and ANDs a full-week day-of-week with the day of month; cron does neither.
    mondays = fires("0 9 * * 1-1", "UTC", utc(2026, 3, 1), utc(2026, 3, 31))
    assert [f.day for f in mondays] == [2, 9, 16, 23, 30]
    assert [f.day for f in fires("0 12 5-5 * *", "UTC", utc(2026, 1, 1), utc(2026, 3, 31))] == [5, 5, 5]
    assert [f.hour for f in fires("0 3-3/2 * * *", "UTC", utc(2026, 1, 1), utc(2026, 1, 1, 23))] == [3]
    every_day = fires("0 0 1,15 * 0-6", "UTC", utc(2026, 3, 1), utc(2026, 3, 10))
    assert [f.day for f in every_day] == list(range(2, 11))


def test_sunday_is_0_or_7() -> None:
    assert fires("0 0 * * 0", "UTC", utc(2026, 3, 1), utc(2026, 3, 31)) == fires(
        "0 0 * * 7", "UTC", utc(2026, 3, 1), utc(2026, 3, 31))


def test_leap_day() -> None:
    assert fires("0 12 29 2 *", "UTC", utc(2026, 1, 1), utc(2027, 12, 31)) == []
    assert fires("0 12 29 2 *", "UTC", utc(2027, 1, 1), utc(2028, 12, 31)) == [utc(2028, 2, 29, 12)]
    assert next_fire("0 12 29 2 *", "Europe/Berlin", utc(2028, 3, 1)) == utc(2032, 2, 29, 11)
    assert next_fire("0 0 29 2 *", "UTC", utc(2097, 1, 1)) == utc(2104, 2, 29)  # 2100 is not a leap year


def test_next_fire_is_strictly_after() -> None:
    assert next_fire("*/15 * * * *", "UTC", utc(2026, 5, 1, 10, 15)) == utc(2026, 5, 1, 10, 30)
    assert next_fire("*/15 * * * *", "UTC", utc(2026, 5, 1, 10, 14, 59, 999999)) == utc(2026, 5, 1, 10, 15)
    assert next_fire("0 9 * * *", "Asia/Kolkata", utc(2026, 5, 1)) == utc(2026, 5, 1, 3, 30)  # +05:30


def test_window_bounds_are_after_exclusive_until_inclusive() -> None:
    assert fires("0 * * * *", "UTC", utc(2026, 5, 1, 10), utc(2026, 5, 1, 12)) == [utc(2026, 5, 1, 11),
                                                                                    utc(2026, 5, 1, 12)]
    assert fires("0 * * * *", "UTC", utc(2026, 5, 1, 12), utc(2026, 5, 1, 10)) == []


def test_a_cron_that_never_matches() -> None:
    with pytest.raises(NoFireTime, match="never matches"):
        next_fire("0 0 30 2 *", "UTC", utc(2026, 1, 1))
    assert fires("0 0 30 2 *", "UTC", utc(2026, 1, 1), utc(2030, 1, 1)) == []
    assert previous_fire("0 0 30 2 *", "UTC", utc(2026, 1, 1)) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire("* * * * *", "UTC", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        list(fire_times("* * * * *", "UTC", utc(2026, 1, 1), datetime(2026, 1, 2)))


def test_non_utc_aware_inputs_give_utc_outputs() -> None:
    after = local(BERLIN, 2026, 6, 1, 8, 59)
    got = next_fire("0 9 * * *", "Europe/Berlin", after)
    assert got == utc(2026, 6, 1, 7) and got.tzinfo is UTC


def test_fires_before_walks_back_most_recent_first() -> None:
    got = list(fires_before("*/15 * * * *", "Europe/Berlin", utc(2026, 3, 29, 1, 20), after=utc(2026, 3, 29, 0, 30)))
    assert got == [utc(2026, 3, 29, 1, 15), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 0, 45)]


# --- property: against a minute-by-minute reference that knows nothing of croniter ------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham",
         "Asia/Kolkata", "America/St_Johns", "America/Havana", "Asia/Beirut"]  # the last two change at midnight
# Instants close to clock changes in those zones, so most windows contain one.
ANCHORS = [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1), utc(2026, 3, 8, 7), utc(2026, 11, 1, 6), utc(2026, 4, 4, 15),
           utc(2026, 10, 3, 16), utc(2026, 4, 5, 3), utc(2026, 9, 6, 4), utc(2026, 4, 4, 14), utc(2027, 2, 28, 12),
           utc(2026, 3, 8, 5), utc(2026, 11, 1, 5), utc(2026, 3, 28, 22), utc(2026, 10, 24, 21)]


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    single = number.map(str)
    ranged = st.tuples(number, number).map(lambda p: f"{min(p)}-{max(p)}")
    stepped = st.tuples(st.sampled_from(["*", f"{low}-{high}"]), st.integers(1, max(2, (high - low) // 2))).map(
        lambda p: f"{p[0]}/{p[1]}")
    item = st.one_of(single, ranged, stepped)
    return st.one_of(st.just("*"), st.lists(item, min_size=1, max_size=3).map(",".join))


CRONS = st.tuples(_field(0, 59), _field(0, 23), _field(1, 31), _field(1, 12), _field(0, 6)).map(" ".join)


def _values(text: str, low: int, high: int) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif m := re.fullmatch(r"(\d+)-(\d+)", base):
            start, end = int(m[1]), int(m[2])
        else:
            start = end = int(base)
        out.update(range(start, end + 1, int(step) if step else 1))
    return out


def _reference_matches(cron: str, wall: datetime) -> bool:
    """Vixie cron's rule, written out independently of croniter."""
    minute, hour, dom, month, dow = cron.split()
    if wall.minute not in _values(minute, 0, 59) or wall.hour not in _values(hour, 0, 23):
        return False
    if wall.month not in _values(month, 1, 12):
        return False
    dom_ok = wall.day in _values(dom, 1, 31)
    dow_ok = (wall.isoweekday() % 7) in _values(dow, 0, 6)
    if dom.startswith("*") or dow.startswith("*"):
        return dom_ok and dow_ok
    return dom_ok or dow_ok


def _reference_fires(cron: str, timezone: str, after: datetime, until: datetime) -> list[datetime]:
    """Walk every UTC minute: a minute fires when its wall time matches on its first occurrence, or when it is the
    first instant after a gap that swallowed a matching wall time."""
    zone = ZoneInfo(timezone)
    out = []
    instant = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while instant <= until:
        wall = instant.astimezone(zone)
        fires_here = wall.fold == 0 and _reference_matches(cron, wall.replace(tzinfo=None))
        before = (instant - timedelta(seconds=1)).astimezone(zone)
        if not fires_here and before.utcoffset() < wall.utcoffset():  # type: ignore[operator]
            gap_start = (before + timedelta(seconds=1)).replace(tzinfo=None)  # old offset, wall clock
            gap_end = wall.replace(tzinfo=None)
            probe = gap_start
            while probe < gap_end and not fires_here:
                fires_here = _reference_matches(cron, probe)
                probe += timedelta(minutes=1)
        if fires_here and after < instant:
            out.append(instant)
        instant += timedelta(minutes=1)
    return out


@settings(max_examples=150, deadline=None)
@given(cron=CRONS, timezone=st.sampled_from(ZONES), anchor=st.sampled_from(ANCHORS),
       start=st.integers(-36 * 60, 12 * 60), length=st.integers(0, 48 * 60), seconds=st.integers(0, 59))
def test_fire_times_agree_with_a_minute_by_minute_reference(
    cron: str, timezone: str, anchor: datetime, start: int, length: int, seconds: int
) -> None:
    after = anchor + timedelta(minutes=start, seconds=seconds)
    until = after + timedelta(minutes=length)
    got = fires(cron, timezone, after, until)
    assert got == _reference_fires(cron, timezone, after, until), (cron, timezone, after, until)
    assert all(f.tzinfo is UTC for f in got)
    assert list(fires_before(cron, timezone, until, after=after)) == got[::-1]


@settings(max_examples=120, deadline=None)
@given(cron=CRONS, timezone=st.sampled_from(ZONES), anchor=st.sampled_from(ANCHORS),
       start=st.integers(-4 * 24 * 60, 60), length=st.integers(0, 6 * 24 * 60), seconds=st.integers(0, 59))
def test_count_fires_equals_the_number_of_fire_times(
    cron: str, timezone: str, anchor: datetime, start: int, length: int, seconds: int
) -> None:
    after = anchor + timedelta(minutes=start, seconds=seconds)
    until = after + timedelta(minutes=length)
    assert count_fires(cron, timezone, after, until) == len(fires(cron, timezone, after, until)), (cron, timezone)


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Beirut"])
@pytest.mark.parametrize("cron", ["0 * * * *", "*/15 1-3 * * *", "30 2 * * *", "0 0 1,15 * 5"])
def test_count_fires_over_a_year_of_clock_changes(cron: str, timezone: str) -> None:
    after, until = utc(2026, 1, 3, 5, 7, 13), utc(2027, 1, 2, 22, 30)
    assert count_fires(cron, timezone, after, until) == sum(1 for _ in fire_times(cron, timezone, after, until))


def test_count_fires_of_a_daily_time_inside_the_gap() -> None:
    assert count_fires("30 2 * * *", "Europe/Berlin", utc(2026, 3, 1), utc(2026, 4, 30, 12)) == 61
    # 02:00-02:45 on 29 ordinary days, and once (at 03:00 CEST) on 2026-03-29
    assert count_fires("*/15 2 * * *", "Europe/Berlin", utc(2026, 3, 1), utc(2026, 3, 30, 12)) == 29 * 4 + 1
    every_minute = count_fires("* * * * *", "America/Santiago", utc(2026, 3, 30, 7, 7), utc(2026, 4, 10, 13, 1))
    assert every_minute == len(fires("* * * * *", "America/Santiago", utc(2026, 3, 30, 7, 7), utc(2026, 4, 10, 13, 1)))
    assert count_fires("0 0 30 2 *", "UTC", utc(2026, 1, 1), utc(2036, 1, 1)) == 0
