"""The scheduler's durable state in the store: each schedule's watermark, and one row per fire with its status.

Exactly once comes from two atomic steps. Deciding: :meth:`ScheduleState.advance` locks the schedule's row, asks the
policy which fires are due after the watermark, inserts them PENDING (a fire's key is its primary key, so a fire is
never inserted twice) and moves the watermark, all in one transaction; a scheduler that restarts continues from the
watermark, so it neither repeats nor skips a fire. Running: :meth:`ScheduleState.claim` turns PENDING into RUNNING in
one conditional UPDATE, so of two deliveries of one fire exactly one runs; :meth:`ScheduleState.begin` then applies
the schedule's overlap policy under a per-schedule lock. The worker holds a lease it renews; a fire
whose lease expired (its worker died) may be claimed again, and :meth:`ScheduleState.undelivered` finds it, with fires
left PENDING by a scheduler that crashed between commit and dispatch. A fire whose schedule left the project is
finished as ABANDONED (:meth:`ScheduleState.abandon`) instead of being delivered again.

Times are stored as the store's fixed-width UTC text (:mod:`weavz_flow.engine.stamps`), which sorts in time order.
The fire and its statuses are defined here, beside the rows that store them; the scheduler (``weavz_flow.schedule``)
reaches them through :mod:`weavz_flow.backends.schedules`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.dialect_insert import insert_for
from weavz_flow.engine.stamps import format_time, parse_time
from weavz_flow.engine.store import Store

# Run ids of scheduled runs derive from the fire, so a fire run again after a crash reuses the same idempotency keys
# and the engine returns the recorded results of the calls that had completed instead of repeating them.
_RUN_ID_NAMESPACE = uuid.UUID("5b0f6c6e-2f7e-4a4c-9a55-0d3c1f7f5e11")

# The overlap policies :meth:`ScheduleState.begin` applies, by the values of the flow config's ``Overlap`` (a StrEnum,
# so its members compare equal to these).
_ALLOW, _SKIP, _QUEUE = "allow", "skip", "queue"


class FireStatus(StrEnum):
    PENDING = "pending"  # claimed by a scheduler, handed to a dispatcher, not yet started
    RUNNING = "running"  # a worker holds it (its lease is renewed while the run goes on)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # overlap: skip, while an earlier run of the same schedule was still going
    ABANDONED = "abandoned"  # never run: its schedule was removed from the project or disabled before it started


EVENT_MARK = "@event:"  # in a fire's key: the fire of one event of the flow's `on:` entries
REPLAY_MARK = "#r"  # after the event id: the fire of a replay of that event (its n-th)


@dataclass(frozen=True, slots=True)
class Fire:
    """One due tick of one flow's schedule, or one event of its ``on:`` entries (``event`` set: the stored event's
    id, with ``#r<n>`` for its n-th replay). ``schedule`` is the flow's name (a flow has at most one schedule)."""

    schedule: str
    fire_at: datetime  # aware, UTC, to the minute; an event's fire: when the event was received
    event: str | None = None

    def __post_init__(self) -> None:
        if self.fire_at.tzinfo is None:
            raise ValueError("fire_at must be timezone-aware")

    @property
    def key(self) -> str:
        if self.event is not None:
            return f"{self.schedule}{EVENT_MARK}{self.event}"
        return f"{self.schedule}@{self.fire_at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"

    @property
    def event_id(self) -> str | None:
        """The stored event an event's fire runs (a replay's too)."""
        return self.event.partition(REPLAY_MARK)[0] if self.event is not None else None

    @classmethod
    def of_row(cls, schedule: str, fire_at: str, key: str) -> Fire:
        """The fire a row of the fires table holds."""
        _, mark, event = key.partition(EVENT_MARK)
        return cls(schedule, parse_time(fire_at), event if mark else None)

    @property
    def run_id(self) -> str:
        return uuid.uuid5(_RUN_ID_NAMESPACE, self.key).hex


class Decision(Protocol):
    """What a schedule's policy decided (``weavz_flow.schedule.policy.DueFires``)."""

    @property
    def run(self) -> Sequence[datetime]: ...  # fire instants to run now, ascending, UTC

    @property
    def missed_skipped(self) -> int: ...

    @property
    def watermark(self) -> datetime: ...

_s = t.schedule_state
_f = t.schedule_fires

_PENDING = FireStatus.PENDING.value
_RUNNING = FireStatus.RUNNING.value
_LOCK_PREFIX = "weavz_flow.schedule:"


class Begin(StrEnum):
    """What :meth:`ScheduleState.begin` decided for a claimed fire."""

    RUN = "run"  # start the run now
    WAIT = "wait"  # overlap queue: another run goes first; ask again later
    SKIPPED = "skipped"  # overlap skip: another run was going; the fire is finished as skipped
    LOST = "lost"  # the fire is no longer this worker's (its lease expired and another worker took it)


@dataclass(frozen=True, slots=True)
class FireRecord:
    """One fire as the store holds it (for listings, recovery and tests)."""

    fire: Fire
    status: FireStatus
    worker: str | None
    lease_until: datetime | None
    run_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    schedule: str
    watermark: datetime | None
    missed_skipped: int  # in total since the schedule was first seen


class ScheduleState:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- deciding -------------------------------------------------------------------------------------------------

    def advance(self, schedule: str, decide: Callable[[datetime | None], Decision], *,
                now: datetime | None = None, digest: str | None = None) -> list[Fire] | None:
        """Decide and record the due fires of ``schedule`` in one transaction; the fires newly inserted, or None when
        another scheduler holds the schedule right now (PostgreSQL; on SQLite the write lock makes them take turns).

        ``now`` stamps the rows (the scheduler passes its clock's time); ``digest`` is the deployed flow version the
        fires are to run (None: whatever flow the worker's project has under that name)."""
        stamp = format_time(now or datetime.now(UTC))
        with self.store.write() as conn:
            conn.execute(insert_for(conn, _s).values(schedule=schedule, watermark=None, missed_skipped=0,
                                                     updated_at=stamp).on_conflict_do_nothing(
                index_elements=[_s.c.schedule]))
            row = conn.execute(sa.select(_s.c.watermark, _s.c.missed_skipped).where(_s.c.schedule == schedule)
                               .with_for_update(skip_locked=True)).first()
            if row is None:
                return None  # another scheduler is handling this schedule; it will insert the same fires
            decision = decide(parse_time(row.watermark) if row.watermark else None)
            inserted: list[Fire] = []
            for fire_at in decision.run:
                fire = Fire(schedule, fire_at)
                result = conn.execute(insert_for(conn, _f).values(
                    key=fire.key, schedule=schedule, fire_at=format_time(fire.fire_at), status=_PENDING,
                    run_id=fire.run_id, created_at=stamp, flow_digest=digest)
                    .on_conflict_do_nothing(index_elements=[_f.c.key])
                    .returning(_f.c.key))
                if result.first() is not None:  # (rowcount is not reliable for INSERT on every driver)
                    inserted.append(fire)
            conn.execute(_s.update().where(_s.c.schedule == schedule).values(
                watermark=format_time(decision.watermark), missed_skipped=row.missed_skipped + decision.missed_skipped,
                updated_at=stamp))
        return inserted

    # -- running --------------------------------------------------------------------------------------------------

    def claim(self, fire: Fire, worker: str, lease: timedelta, now: datetime) -> bool:
        """PENDING -> RUNNING for ``worker`` (also a RUNNING fire whose lease expired); False when someone else has
        it or it is finished. A claimed fire has not started its run yet (``started_at`` is empty): see :meth:`begin`.
        """
        stamp = format_time(now)
        with self.store.write() as conn:
            result = conn.execute(_f.update().where(_f.c.key == fire.key, _takeable(stamp)).values(
                status=_RUNNING, worker=worker, lease_until=format_time(now + lease), started_at=None,
                finished_at=None, error=None).returning(_f.c.key))
            return result.first() is not None

    def begin(self, fire: Fire, worker: str, overlap: str, now: datetime, *, limit: int | None = None) -> Begin:
        """Whether ``worker``'s claimed fire may start its run now, under the schedule's overlap policy
        (a value of the flow config's ``Overlap``) and the flow's ``concurrency`` ``limit`` (runs going at once; an
        ``allow`` fire waits while that many are going).

        Decided under a per-schedule lock (PostgreSQL: a transaction advisory lock; SQLite: the write lock), so of
        fires deciding at the same moment exactly one sees no other run going: ``skip`` never skips them all, and
        ``queue`` lets one go at a time, the earliest-due waiting fire first (no fire waits for one due after it,
        so none waits in a circle). ``RUN`` stamps ``started_at``; ``SKIPPED`` finishes the fire as skipped."""
        stamp = format_time(now)
        with self.store.write() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"),
                             {"name": f"{_LOCK_PREFIX}{fire.schedule}"})
            mine = conn.execute(sa.select(_f.c.status, _f.c.worker).where(_f.c.key == fire.key)).first()
            if mine is None or mine.status != _RUNNING or mine.worker != worker:
                return Begin.LOST
            live = sa.and_(_f.c.schedule == fire.schedule, _f.c.key != fire.key, _f.c.status == _RUNNING,
                           _f.c.lease_until > stamp)
            if overlap == _ALLOW and limit is not None:
                running = conn.execute(sa.select(sa.func.count()).select_from(_f).where(
                    live, _f.c.started_at.is_not(None))).scalar_one()
                if running >= limit:
                    return Begin.WAIT
            if overlap != _ALLOW:
                going = conn.execute(sa.select(_f.c.key).where(live, _f.c.started_at.is_not(None)).limit(1)).first()
                if going is not None and overlap == _SKIP:
                    conn.execute(_f.update().where(_f.c.key == fire.key).values(
                        status=FireStatus.SKIPPED.value, finished_at=stamp, lease_until=None,
                        error="skipped: an earlier run of the schedule was still going"))
                    return Begin.SKIPPED
                if going is not None:
                    return Begin.WAIT
                if overlap == _QUEUE:
                    at = format_time(fire.fire_at)
                    ahead = conn.execute(sa.select(_f.c.key).where(
                        live, _f.c.started_at.is_(None),
                        sa.or_(_f.c.fire_at < at, sa.and_(_f.c.fire_at == at, _f.c.key < fire.key))).limit(1)).first()
                    if ahead is not None:
                        return Begin.WAIT
            conn.execute(_f.update().where(_f.c.key == fire.key).values(started_at=stamp))
            return Begin.RUN

    def abandon(self, fire: Fire, now: datetime, reason: str, *, pending_before: datetime) -> bool:
        """Finish a fire that is not to run any more (its schedule was removed or disabled) as ABANDONED with
        ``reason``, if it is stale: PENDING since ``pending_before`` or earlier (nobody took it up), or RUNNING with
        an expired lease (its worker died). False otherwise (fresh, held under a live lease, or finished).

        One conditional UPDATE, on what :meth:`claim` could take: a fire a worker claims at the same moment either
        runs (the claim won) or is abandoned (this won), never both, and a run holding a live lease always finishes.
        ABANDONED is terminal: nothing claims or abandons it again."""
        stamp = format_time(now)
        stale = sa.or_(sa.and_(_f.c.status == _PENDING, _f.c.created_at <= format_time(pending_before)),
                       sa.and_(_f.c.status == _RUNNING, _f.c.lease_until < stamp))
        with self.store.write() as conn:
            result = conn.execute(_f.update().where(_f.c.key == fire.key, stale).values(
                status=FireStatus.ABANDONED.value, lease_until=None, finished_at=stamp, error=reason)
                .returning(_f.c.key))
            return result.first() is not None

    def renew(self, fire: Fire, worker: str, lease: timedelta, now: datetime) -> None:
        with self.store.write() as conn:
            conn.execute(_f.update().where(_f.c.key == fire.key, _f.c.worker == worker, _f.c.status == _RUNNING)
                         .values(lease_until=format_time(now + lease)))

    def running_elsewhere(self, fire: Fire, now: datetime) -> bool:
        """Whether another fire of the same schedule has started its run and still holds a live lease."""
        with self.store.read() as conn:
            return conn.execute(sa.select(_f.c.key).where(
                _f.c.schedule == fire.schedule, _f.c.key != fire.key, _f.c.status == _RUNNING,
                _f.c.lease_until > format_time(now), _f.c.started_at.is_not(None)).limit(1)).first() is not None

    def finish(self, fire: Fire, status: FireStatus, now: datetime, run_id: str | None, error: str | None) -> None:
        with self.store.write() as conn:
            conn.execute(_f.update().where(_f.c.key == fire.key).values(
                status=status.value, finished_at=format_time(now), lease_until=None, run_id=run_id, error=error))

    # -- recovery and reading -------------------------------------------------------------------------------------

    def undelivered(self, now: datetime, older_than: timedelta) -> list[Fire]:
        """Fires to hand to a dispatcher again: PENDING for longer than ``older_than`` (the scheduler died between
        commit and dispatch, or the delivery was lost), or RUNNING with an expired lease (the worker died)."""
        stale = sa.or_(
            sa.and_(_f.c.status == _PENDING, _f.c.created_at <= format_time(now - older_than)),
            sa.and_(_f.c.status == _RUNNING, _f.c.lease_until < format_time(now)),
        )
        with self.store.read() as conn:
            rows = conn.execute(sa.select(_f.c.schedule, _f.c.fire_at, _f.c.key).where(stale)
                                .order_by(_f.c.fire_at, _f.c.key)).all()
        return [Fire.of_row(r.schedule, r.fire_at, r.key) for r in rows]

    def last_fires(self) -> dict[str, datetime]:
        """Per schedule, the time of its latest fire (whatever became of it)."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(_f.c.schedule, sa.func.max(_f.c.fire_at)).group_by(_f.c.schedule)).all()
        return {schedule: parse_time(at) for schedule, at in rows}

    def digest(self, fire: Fire) -> str | None:
        """The flow version ``fire`` was scheduled with (None: scheduled from a project, or by an older version)."""
        with self.store.read() as conn:
            return conn.execute(sa.select(_f.c.flow_digest).where(_f.c.key == fire.key)).scalar()

    def status(self, fire: Fire) -> FireStatus | None:
        with self.store.read() as conn:
            value = conn.execute(sa.select(_f.c.status).where(_f.c.key == fire.key)).scalar()
        return FireStatus(value) if value is not None else None

    def fires(self, schedule: str | None = None) -> list[FireRecord]:
        """Fires in fire-time order, of one schedule or all."""
        query = sa.select(_f).order_by(_f.c.fire_at, _f.c.key)
        if schedule is not None:
            query = query.where(_f.c.schedule == schedule)
        with self.store.read() as conn:
            return [_record(r) for r in conn.execute(query).mappings()]

    def schedule(self, schedule: str) -> ScheduleRow | None:
        with self.store.read() as conn:
            row = conn.execute(sa.select(_s).where(_s.c.schedule == schedule)).mappings().first()
        if row is None:
            return None
        return ScheduleRow(row["schedule"], _time(row["watermark"]), row["missed_skipped"])


def _takeable(stamp: str) -> sa.ColumnElement[bool]:
    """PENDING, or RUNNING with a lease that ended before ``stamp`` (its worker died)."""
    return sa.or_(_f.c.status == _PENDING, sa.and_(_f.c.status == _RUNNING, _f.c.lease_until < stamp))


def _time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


def _record(row: sa.RowMapping) -> FireRecord:
    return FireRecord(
        Fire.of_row(row["schedule"], row["fire_at"], row["key"]), FireStatus(row["status"]), row["worker"],
        _time(row["lease_until"]), row["run_id"], parse_time(row["created_at"]), _time(row["started_at"]),
        _time(row["finished_at"]), row["error"])
