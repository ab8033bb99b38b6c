"""When a schedule fires: the pure time arithmetic of cron expressions in an IANA time zone.

A cron expression has five fields (minute hour day-of-month month day-of-week) and is read against the LOCAL
WALL-CLOCK time of the schedule's time zone (UTC when omitted). croniter walks naive wall-clock datetimes, which have
no daylight-saving jumps; each wall time is then mapped to one instant with zoneinfo:

- a wall time that does not exist (the spring-forward gap, e.g. 02:30 in Europe/Berlin on 2026-03-29) fires once, at
  the first instant after the gap (03:00 local, 01:00 UTC);
- an ambiguous wall time (the repeated hour when clocks fall back, e.g. 02:30 in Europe/Berlin on 2026-10-25) fires
  once, at its first occurrence (``fold=0``, summer time);
- several wall times that map to the same instant (every time inside a gap, and the wall time right after it) fire
  once.

So ``0 * * * *`` fires 23 times on a 23-hour day and 24 times on a 25-hour day (not during the repeated hour), and a
daily ``30 2 * * *`` fires exactly once every day, including both transition days.

Day-of-month and day-of-week follow Vixie cron / cronie: when both are restricted a day matching either one fires
(``0 0 1,15 * 5`` is the 1st, the 15th and every Friday); when either field starts with ``*`` (``*`` or ``*/2``) both
must match (``0 0 */2 * 1`` is Mondays that fall on an odd day of the month).

The mapping from wall time to instant never decreases as the wall time increases, which is what lets the functions
below walk croniter forwards or backwards and still produce instants in order. Every datetime in and out is
timezone-aware; results are in UTC.

:func:`fire_times` and :func:`next_fire` walk forwards, :func:`fires_before` backwards (the most recent fires of a long
window without walking it from its start), and :func:`count_fires` counts a window exactly in time proportional to its
days rather than its fires.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

# The largest daylight-saving shift of any IANA zone is two hours (Antarctica/Troll); walking backwards starts this far
# past the current wall time so that no wall time whose first occurrence is still in the past is overlooked.
_MAX_DST_SHIFT = timedelta(hours=3)


class NoFireTime(ValueError):
    """A cron expression that never matches a real date (e.g. ``0 0 30 2 *``)."""


@lru_cache(maxsize=256)
def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


# Two places where croniter 7 departs from cron are corrected by rewriting the expression before croniter reads it
# (tests/schedule/test_timing.py checks fire times against an independent reference). First, it reads a one-value
# range ("5-5", "1-1/2", and any list holding one, e.g. "1-1,3") as "*" in every field; such a range means its value.
_ONE_VALUE_RANGE = re.compile(r"(?<![\w-])(\w+)-\1(?:/\d+)?(?![\w-])")


@lru_cache(maxsize=1024)
def _normalized(cron: str) -> str:
    fields = [_ONE_VALUE_RANGE.sub(r"\1", field) for field in cron.split()]
    # croniter also reads a day field that covers every day ("1-31", "0-6") as "*" and then ANDs the two day fields,
    # where cron ORs them (neither starts with "*"): a day matching every day makes every day match.
    dom, dow = fields[2], fields[4]
    if not dom.startswith("*") and not dow.startswith("*"):
        expanded = croniter(" ".join(fields)).expanded
        if expanded[2] == ["*"] or expanded[4] == ["*"]:
            fields[2] = fields[4] = "*"
    return " ".join(fields)


def _cron(cron: str, start: datetime) -> croniter:
    # implement_cron_bug: day-of-month/day-of-week combine as in Vixie cron and cronie (see the module docstring).
    return croniter(_normalized(cron), start, ret_type=datetime, implement_cron_bug=True)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a naive local wall time fires at: its first occurrence, or the end of the gap it falls into."""
    first = wall.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == wall:
        return utc
    # The wall time does not exist. With fold=0 zoneinfo applies the offset from before the gap, which lands inside
    # or after it; the gap ends where the offset changes, at most a few hours back from that instant.
    before = first.utcoffset()
    assert before is not None
    return _transition_at_or_before(utc, zone, before)


def _transition_at_or_before(instant: datetime, zone: ZoneInfo, old_offset: timedelta) -> datetime:
    """The first whole second <= ``instant`` whose offset is no longer ``old_offset``."""
    return _offset_change(instant - _MAX_DST_SHIFT, instant, zone, old_offset)


def _offset_change(low_instant: datetime, high_instant: datetime, zone: ZoneInfo, old_offset: timedelta) -> datetime:
    """The first whole second in (low, high] whose offset is not ``old_offset`` (the offset at low), by bisection."""
    low = int(low_instant.timestamp())
    high = int(high_instant.timestamp())
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == old_offset:
            low = mid
        else:
            high = mid
    return datetime.fromtimestamp(high, UTC)


def _forward(cron: str, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every fire instant strictly after ``after``, ascending, without end (or until croniter finds no more)."""
    # Wall times before local(after) map to instants <= after (monotonic mapping), so start from there; during a
    # repeated hour a few wall times after it still map to earlier instants and are filtered out below.
    wall = after.astimezone(zone).replace(tzinfo=None)
    iterator = _cron(cron, wall)
    last: datetime | None = None
    while True:
        try:
            candidate = iterator.get_next(datetime)
        except CroniterBadDateError:
            return
        instant = _instant(candidate, zone)
        if instant <= after or instant == last:
            continue
        last = instant
        yield instant


def _backward(cron: str, zone: ZoneInfo, at_or_before: datetime) -> Iterator[datetime]:
    """Every fire instant at or before ``at_or_before``, descending."""
    wall = (at_or_before.astimezone(zone) + _MAX_DST_SHIFT).replace(tzinfo=None)
    iterator = _cron(cron, wall)
    last: datetime | None = None
    while True:
        try:
            candidate = iterator.get_prev(datetime)
        except CroniterBadDateError:
            return
        instant = _instant(candidate, zone)
        if instant > at_or_before or instant == last:
            continue
        last = instant
        yield instant


def fire_times(cron: str, timezone: str, after: datetime, until: datetime) -> Iterator[datetime]:
    """Fire instants t with after < t <= until, ascending, as aware UTC datetimes (after/until aware)."""
    _require_aware(after, "after")
    _require_aware(until, "until")
    for instant in _forward(cron, _zone(timezone), after):
        if instant > until:
            return
        yield instant


def fires_before(cron: str, timezone: str, at_or_before: datetime, after: datetime | None = None) -> Iterator[datetime]:
    """Fire instants t with after < t <= at_or_before, DESCENDING (most recent first), as aware UTC datetimes.

    Lets a caller take the most recent fires of a long window without walking it from the start."""
    _require_aware(at_or_before, "at_or_before")
    if after is not None:
        _require_aware(after, "after")
    for instant in _backward(cron, _zone(timezone), at_or_before):
        if after is not None and instant <= after:
            return
        yield instant


def count_fires(cron: str, timezone: str, after: datetime, until: datetime) -> int:
    """Exactly how many instants :func:`fire_times` yields for the same window, without producing them all.

    Each whole local day inside the window whose midnights are well clear of a clock change is counted from the cron
    itself: a matching day has (hours x minutes) fires, less the wall times a spring-forward gap merges into one
    instant. Only the partial days at both ends and days with a clock change near midnight are walked fire by fire, so
    the work grows with the number of days, not of fires."""
    _require_aware(after, "after")
    _require_aware(until, "until")
    if until <= after:
        return 0
    zone = _zone(timezone)
    day_counter = _DayCounter(cron, zone)
    first = after.astimezone(zone).date() + timedelta(days=1)
    last = until.astimezone(zone).date()  # local days D with first <= D < last lie wholly inside the window
    matching = day_counter.matching_days(first, last)
    total = 0
    cursor = after  # every fire <= cursor has been counted
    day = first
    while day < last:
        start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        if _clean(start, zone) and _clean(end, zone):
            total += _walk_count(cron, zone, cursor, start - _TICK)
            total += day_counter.fires_on(day, start, end) if day in matching else 0
            cursor = end - _TICK
        day += timedelta(days=1)
    return total + _walk_count(cron, zone, cursor, until)


_TICK = timedelta(microseconds=1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _clean(instant: datetime, zone: ZoneInfo) -> bool:
    """No clock change within a few hours either side of ``instant``."""
    return (instant - _MAX_DST_SHIFT).astimezone(zone).utcoffset() == (instant + _MAX_DST_SHIFT).astimezone(
        zone).utcoffset()


def _walk_count(cron: str, zone: ZoneInfo, after: datetime, until: datetime) -> int:
    if until <= after:
        return 0
    count = 0
    for instant in _forward(cron, zone, after):
        if instant > until:
            break
        count += 1
    return count


class _DayCounter:
    """Fires on one whole local day of a cron, from its fields (see :func:`count_fires`)."""

    def __init__(self, cron: str, zone: ZoneInfo) -> None:
        self.cron = cron
        self.zone = zone
        fields = _normalized(cron).split()
        minutes, hours = croniter(" ".join(fields)).expanded[:2]
        self.per_day = (60 if minutes == ["*"] else len(minutes)) * (24 if hours == ["*"] else len(hours))
        self.days_expression = " ".join(["0", "0", *fields[2:]])

    def matching_days(self, first: date, last: date) -> set[date]:
        """The local days in [first, last) that the cron's day-of-month, month and day-of-week fields select."""
        if last <= first:
            return set()
        days: set[date] = set()
        iterator = croniter(self.days_expression, datetime.combine(first, time(0)) - timedelta(seconds=1),
                            ret_type=datetime, implement_cron_bug=True)
        while True:
            try:
                day = iterator.get_next(datetime).date()
            except CroniterBadDateError:
                return days
            if day >= last:
                return days
            days.add(day)

    def fires_on(self, day: date, start: datetime, end: datetime) -> int:
        """Fires of a matching day whose midnights ``start``/``end`` (UTC) are clear of clock changes."""
        old, new = start.astimezone(self.zone).utcoffset(), end.astimezone(self.zone).utcoffset()
        assert old is not None and new is not None
        if new <= old:
            return self.per_day  # no change, or a repeated hour: every wall time still fires once
        # A gap: its wall times and the first wall time after it all fire at one instant, the end of the gap.
        change = _offset_change(start, end, self.zone, old)
        gap_start = (change + old).replace(tzinfo=None)
        after_gap = (change + new).replace(tzinfo=None)
        iterator = _cron(self.cron, gap_start - timedelta(seconds=1))
        merged = 0
        while iterator.get_next(datetime) <= after_gap:
            merged += 1
        return self.per_day - merged + (1 if merged else 0)


def next_fire(cron: str, timezone: str, after: datetime) -> datetime:
    """First fire strictly after ``after``, UTC aware. Raises :class:`NoFireTime` when the cron never matches."""
    _require_aware(after, "after")
    for instant in _forward(cron, _zone(timezone), after):
        return instant
    raise NoFireTime(f"cron expression '{cron}' never matches a date after {after.astimezone(UTC):%Y-%m-%d}")


def previous_fire(cron: str, timezone: str, at_or_before: datetime) -> datetime | None:
    """The most recent fire at or before ``at_or_before``, UTC aware; None when croniter finds none."""
    return next(fires_before(cron, timezone, at_or_before), None)
