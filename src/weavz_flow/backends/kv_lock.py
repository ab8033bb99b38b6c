"""The apply lock across machines, kept in the backend's kv-store (see kv_state.py): a ticket queue.

A contender appends a ticket ``{id, holder, since}`` to the list under ``lock`` (``add_to_list`` is atomic and returns
the list), and holds the lock once no live ticket is ahead of its own. Every contender, waiting or holding, beats a
heartbeat key ``lock-heartbeat/<id>`` from a background thread. A ticket is stale when its heartbeat value has not
changed for a whole lease *as seen on the observer's own monotonic clock*, so skewed clocks between machines do not
matter; the next contender then removes it, so a killed apply is recoverable. ``force_unlock`` removes one at once.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from weavz_flow.backends.errors import LockHeldError
from weavz_flow.backends.kv_state import StateChannel
from weavz_flow.errors import WeavzFlowError

LOCK_KEY = "lock"
HEARTBEAT_PREFIX = "lock-heartbeat/"
DEFAULT_LEASE_S = 60.0
LEASE_ENV = "WEAVZ_FLOW_LOCK_LEASE"  # seconds; undocumented, so tests can recover a killed apply quickly
_MAX_POLL_S = 2.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    holder: str
    since: str

    @property
    def value(self) -> dict[str, str]:
        return {"id": self.id, "holder": self.holder, "since": self.since}

    @classmethod
    def of(cls, value: Any) -> Ticket | None:
        if isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("id", "holder", "since")):
            return cls(value["id"], value["holder"], value["since"])
        return None


def lease_seconds() -> float:
    try:
        return max(float(os.environ.get(LEASE_ENV, "") or DEFAULT_LEASE_S), 0.5)
    except ValueError:
        return DEFAULT_LEASE_S


@contextmanager
def kv_lock(channel: StateChannel, timeout_s: float, where: str, lease_s: float | None = None) -> Iterator[Ticket]:
    """Hold the lock for the ``with`` body; raises LockHeldError (naming the holder) after ``timeout_s``."""
    lease = lease_s if lease_s is not None else lease_seconds()
    ticket = Ticket(uuid.uuid4().hex[:12], _holder(), datetime.now(UTC).isoformat(timespec="seconds"))
    beat = _Heartbeat(channel, ticket.id, interval_s=lease / 6)  # five beats may go missing before it is stale
    beat.beat()  # before joining the queue, so that nobody sees the new ticket without a heartbeat
    beat.start()
    try:
        queue = channel.add_to_list(LOCK_KEY, ticket.value)
        _wait_until_first(channel, ticket, queue, timeout_s, lease, where)
        channel.held_ticket = ticket.id
        yield ticket
    finally:
        channel.held_ticket = None
        beat.stop()
        try:
            channel.remove_from_list(LOCK_KEY, ticket.value)
            channel.delete(HEARTBEAT_PREFIX + ticket.id)
        except WeavzFlowError as exc:  # the lease frees the ticket later; say so rather than hide it
            _log.warning("could not release the apply lock %s on %s (%s); it expires %gs after its last heartbeat",
                         ticket.id, where, exc.format_message(), lease)


def holders(channel: StateChannel) -> list[Ticket]:
    """The tickets in the queue, holder first."""
    return [t for t in (Ticket.of(v) for v in channel.get(LOCK_KEY) or []) if t is not None]


def check_still_held(channel: StateChannel) -> None:
    """Raise LockLostError unless this process's ticket still heads the queue (a fence before each write).

    A ticket leaves the queue by ``force-unlock`` or because a waiter judged it stale; from then on another apply may
    be writing, so this one must stop rather than interleave with it."""
    held = channel.held_ticket
    if held is None:
        return
    first = next(iter(holders(channel)), None)
    if first is None or first.id != held:
        taken = f"; it is now held by {first.holder} since {first.since}" if first is not None else ""
        raise LockLostError(f"the apply lock {held} on the state in workspace '{channel.workspace}' was taken from "
                            f"this apply (force-unlock, or no heartbeat for a lease){taken}. Stopped before the next "
                            "change: run plan to see what is left")


class LockLostError(WeavzFlowError):
    """This apply no longer holds the lock it took."""


def force_unlock(channel: StateChannel, lock_id: str) -> Ticket:
    """Remove the ticket ``lock_id`` at once (the apply that held it, if still running, is no longer protected)."""
    for raw in channel.get(LOCK_KEY) or []:
        ticket = Ticket.of(raw)
        if ticket is not None and ticket.id == lock_id:
            channel.remove_from_list(LOCK_KEY, raw)
            channel.delete(HEARTBEAT_PREFIX + lock_id)
            return ticket
    listed = ", ".join(f"{t.id} ({t.holder} since {t.since})" for t in holders(channel)) or "none"
    raise WeavzFlowError(f"there is no lock '{lock_id}' on the state in workspace '{channel.workspace}'; "
                         f"locks held or waiting: {listed}")


def _wait_until_first(channel: StateChannel, ticket: Ticket, queue: list[Any], timeout_s: float, lease_s: float,
                      where: str) -> None:
    started = time.monotonic()
    deadline = started + max(timeout_s, 0.0)
    seen: dict[str, tuple[Any, float]] = {}  # ticket id -> (heartbeat value, when it was first seen so)
    poll = 0.1
    while True:
        ahead: list[tuple[Ticket, Any]] = []
        for raw in queue:
            other = Ticket.of(raw)
            if other is not None and other.id == ticket.id:
                break
            if other is not None:
                ahead.append((other, raw))
        else:
            raise WeavzFlowError(f"the lock ticket {ticket.id} on {where} was removed while waiting "
                                 "(force-unlock?); run apply again")
        live = [other for other, raw in ahead if not _stale(channel, other, raw, seen, lease_s)]
        if not live:
            return
        now = time.monotonic()
        if now >= deadline:
            raise LockHeldError(where, now - started, holder=live[0].holder, since=live[0].since,
                                lock_id=live[0].id, lease_s=lease_s)
        time.sleep(min(poll, deadline - now))
        poll = min(poll * 1.5, _MAX_POLL_S)
        queue = channel.get(LOCK_KEY) or []


def _stale(channel: StateChannel, other: Ticket, raw: Any, seen: dict[str, tuple[Any, float]], lease_s: float) -> bool:
    """True (and the ticket removed) when ``other``'s heartbeat did not move for a lease."""
    beat = channel.get(HEARTBEAT_PREFIX + other.id)
    now = time.monotonic()
    last = seen.get(other.id)
    if last is None or last[0] != beat:
        seen[other.id] = (beat, now)
        return False
    if now - last[1] < lease_s:
        return False
    channel.remove_from_list(LOCK_KEY, raw)
    channel.delete(HEARTBEAT_PREFIX + other.id)
    return True


class _Heartbeat:
    """Puts a changing value under the ticket's heartbeat key every ``interval_s`` until stopped."""

    def __init__(self, channel: StateChannel, lock_id: str, interval_s: float) -> None:
        self._channel = channel
        self._key = HEARTBEAT_PREFIX + lock_id
        self._interval = interval_s
        self._count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"weavz-flow-lock-{lock_id}", daemon=True)

    def beat(self) -> None:
        self._count += 1
        self._channel.put(self._key, {"beat": self._count, "at": datetime.now(UTC).isoformat(timespec="seconds")})

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with suppress(WeavzFlowError):  # a missed beat only brings the lease closer; the next one may land
                self.beat()


def _holder() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"
