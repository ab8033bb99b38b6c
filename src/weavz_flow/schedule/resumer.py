"""Resuming the runs that wait for approval once their approvals are decided, from ``schedule``, ``worker`` and
``serve --scheduler``.

Every :data:`DEFAULT_RESUME_EVERY` the resumer lists the waiting runs of its store (an indexed query by status), asks
the backend what became of each one's approvals, and resumes (runner.resume) those that may go on: every approval
decided, or one past its expiry (asking again with the key then times it out as its policy says). A run whose
approvals the backend cannot read is resumed too: asking again with the same key is the engine's own answer, and a
still pending approval leaves the run waiting, with no provider call. On PostgreSQL any number of schedulers and
workers may do this at once: each run is claimed by one conditional UPDATE, and a process that loses the claim
leaves it. The flow a resumed run runs is the version recorded with it, so no checkout is needed.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from weavz_flow.backends.protocol import Backend
from weavz_flow.errors import WeavzFlowError
from weavz_flow.runner.approval_state import may_go_on
from weavz_flow.runner.outcome import RunResult
from weavz_flow.runner.records import RunNotFoundError, RunRecords
from weavz_flow.runner.resume import ResumeRefusedError, resume_run, waiting_approvals

log = logging.getLogger("weavz_flow.schedule")

# Often enough that a decided run goes on within seconds of its approval, rarely enough to cost nothing: one indexed
# query when nothing waits.
DEFAULT_RESUME_EVERY = timedelta(seconds=5)
BATCH = 50  # waiting runs looked at per check, oldest first


class Resumer:
    def __init__(self, records: RunRecords, backend: Backend, root: Path | None = None, *,
                 every: timedelta = DEFAULT_RESUME_EVERY) -> None:
        self.records = records
        self.backend = backend
        self.root = root or Path.cwd()  # where the flows' `file:` secret references are read from
        self.every = every

    def check(self) -> list[RunResult]:
        """Resume each waiting run that may go on; the results of those this process resumed."""
        resumed: list[RunResult] = []
        for waiting in self.records.waiting(BATCH):
            try:
                run = self.records.get(waiting.id)
                if not may_go_on(self.backend, waiting_approvals(run)):
                    continue
                result = resume_run(self.records, self.backend, run.id, root=self.root)
            except (ResumeRefusedError, RunNotFoundError):
                continue  # another process resumed it first
            except WeavzFlowError as exc:  # e.g. a secret this process's environment lacks: it stays waiting
                log.warning("run %s waits for approval and could not be resumed here: %s", waiting.id,
                            exc.format_message())
                continue
            except Exception as exc:  # a bug or the database: the next check tries again; no text (it may hold data)
                log.error("resuming run %s failed (%s); see the debug log", waiting.id, type(exc).__name__)
                log.debug("resuming run %s failed", waiting.id, exc_info=True)
                continue
            if result.waiting:  # the backend could not say it was decided, and it was not: nothing happened
                log.debug("run %s still waits for approval", run.id)
                continue
            log.info("run %s of %s resumed after approval: %s", run.id, run.flow, result.status.value)
            resumed.append(result)
        return resumed

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.wait(self.every.total_seconds()):
            try:
                self.check()
            except Exception as exc:  # the database unreachable: tried again on the next check
                log.error("looking for runs waiting for approval failed (%s)", type(exc).__name__)
                log.debug("resumer check failed", exc_info=True)


class ResumerThread:
    """A :class:`Resumer` on a daemon thread until :meth:`stop` (which lets a resume in progress finish)."""

    def __init__(self, resumer: Resumer) -> None:
        self.resumer = resumer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=resumer.run_forever, args=(self._stop,), name="resumer", daemon=True)

    def start(self) -> ResumerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
