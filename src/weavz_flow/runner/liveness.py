"""Who runs a recorded run, and whether that process still exists: the owner written into a run's record, the
same-machine check that tells a dead owner at once, and the heartbeat thread that keeps a live run's record fresh.

A run's owner is its host name and pid, plus (on Linux) a process token: the boot id, the pid namespace and the
process's start time in clock ticks. Host name and pid alone are not enough to call a run dead: containers sharing a
host name (``--network host``) have their own pid namespaces, two machines may both be called ``localhost``, and
pids are reused. The token tells all three apart; where there is no ``/proc`` it is None and the host name decides.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger("weavz_flow.runner")

_PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class Owner:
    host: str
    pid: int
    process: str | None  # "<boot id> <pid namespace> <start ticks>", None without /proc


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def _machine() -> str | None:
    """The boot id and the pid namespace of this process: equal for two processes that can see each other's pids."""
    boot = _read(_PROC / "sys" / "kernel" / "random" / "boot_id")
    try:
        namespace = os.readlink(_PROC / "self" / "ns" / "pid")
    except OSError:
        return None
    return None if boot is None else f"{boot.strip()} {namespace}"


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of ``pid``, None when it has no /proc entry."""
    text = _read(_PROC / str(pid) / "stat")
    if text is None:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after its last ")".
    fields = text[text.rfind(")") + 2:].split()
    return (fields[0], fields[19]) if len(fields) > 19 else None


def this_process() -> Owner:
    return _owner(os.getpid())


@cache
def _owner(pid: int) -> Owner:
    # Read once per process (keyed on the pid, so a forked child reads its own): start and finish both ask.
    machine = _machine()
    stat = _proc_stat(pid)
    token = f"{machine} {stat[1]}" if machine is not None and stat is not None else None
    return Owner(socket.gethostname(), pid, token)


def owner_gone(host: str | None, pid: int | None, process: str | None) -> bool:
    """True only when the owner is surely dead: it ran on this machine, in this pid namespace, and its pid is free,
    a zombie, or now another process's (started at another tick). Any doubt answers False, leaving the verdict to
    the heartbeat's bound."""
    if host is None or pid is None or pid <= 0 or host != socket.gethostname():
        return False  # kill(0) or a negative pid would address process groups, not a process
    machine = _machine()
    if (process is not None or machine is not None) and (
            process is None or machine is None or not process.startswith(machine + " ")):
        return False  # another machine, container or boot: its pids are not ours to look at
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, as another user's process
    except OSError:
        return False
    if process is None:
        return False  # no /proc: a pid that exists may be a reused one, but nothing here can tell
    stat = _proc_stat(pid)
    if stat is None:
        return False
    state, started = stat
    return state in ("Z", "X") or process.rsplit(" ", 1)[1] != started


class Heartbeat:
    """Calls ``beat`` every ``every_s`` seconds on a daemon thread until :meth:`stop`; a run shorter than one
    interval never beats. A failed beat is logged and the next one tries again."""

    def __init__(self, beat: Callable[[], None], every_s: float, name: str) -> None:
        self._beat = beat
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                self._beat()
            except Exception as exc:  # a database hiccup: the run goes on, the next beat tries again
                # The type only: a database error's text may quote SQL, parameters or the server's address.
                log.warning("could not refresh the heartbeat of a run (%s); trying again in %gs",
                            type(exc).__name__, self._every_s)
                log.debug("heartbeat failed", exc_info=True)
