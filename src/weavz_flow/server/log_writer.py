"""Log records written by a thread of their own, so that a request never waits for the log's pipe.

``serve`` logs a line per request from the event loop (:mod:`weavz_flow.server.access_log`). Written there, each line
is a blocking write to stderr, and a slow consumer of that pipe (a container runtime under load, a terminal being
scrolled) would stall every request of the process. :class:`BackgroundHandler` puts the record on a bounded queue
and returns; a thread of its own formats and writes what has queued, every ``linger_s`` at most: one write for many
lines, and one thread wake for many requests (a wake per line made the writer compete with the requests for the
GIL). When the queue is full (the writer cannot keep up), records are dropped rather than stalling requests, and the
number dropped is written as soon as the writer catches up.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import logging.handlers
import queue
import sys
import threading
from typing import Any, TextIO, cast

DEFAULT_MAX_QUEUE = 10_000
DEFAULT_LINGER_S = 0.05

_STOP = object()


class BackgroundHandler(logging.handlers.QueueHandler):
    def __init__(self, stream: TextIO | None = None, max_queue: int = DEFAULT_MAX_QUEUE,
                 linger_s: float = DEFAULT_LINGER_S) -> None:
        super().__init__(queue.Queue(max_queue))
        # dictConfig resolves "ext://sys.stderr" to the stream itself before it gets here.
        self._target = logging.StreamHandler(stream if stream is not None else sys.stderr)
        self._dropped = 0
        self._dropped_lock = threading.Lock()
        self._writer = _Writer(cast("queue.Queue[Any]", self.queue), self._target, linger_s)
        atexit.register(self.stop)  # what is queued is written before the process ends

    def stop(self) -> None:
        """Write what is queued and end the writer thread (once; later calls do nothing)."""
        self._writer.stop()

    def close(self) -> None:
        self.stop()
        super().close()

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        self._target.setFormatter(fmt)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # Formatting is left to the writer thread (the target's formatter); the record's arguments are plain values.
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        with self._dropped_lock:
            try:
                if self._dropped:
                    self.queue.put_nowait(_dropped_record(record, self._dropped))
                    self._dropped = 0
                self.queue.put_nowait(record)
            except queue.Full:
                self._dropped += 1


class _Writer:
    """Formats and writes the queued records in batches: waits for one, then for ``linger_s`` (records queued
    meanwhile wake no one), then writes every record queued so far."""

    def __init__(self, records: queue.Queue[Any], target: logging.StreamHandler[TextIO], linger_s: float) -> None:
        self._records = records
        self._target = target
        self._linger_s = linger_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = threading.Thread(target=self._run, name="weavz-flow-log-writer",
                                                                 daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued and end the thread (once; later calls do nothing)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._records.put(_STOP)  # waits for room (the writer is draining) instead of failing on a full queue
        thread.join()

    def _run(self) -> None:
        while True:
            batch = [self._records.get()]
            if batch[0] is not _STOP:
                self._stopping.wait(self._linger_s)
            while batch[-1] is not _STOP:
                try:
                    batch.append(self._records.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write([record for record in batch if record is not _STOP])
            finally:
                for _ in batch:
                    self._records.task_done()
            if batch[-1] is _STOP:
                return

    def _write(self, records: list[logging.LogRecord]) -> None:
        if not records:
            return
        target = self._target
        try:
            text = "".join(target.format(record) + target.terminator for record in records)
            with target.lock or contextlib.nullcontext():
                target.stream.write(text)
                target.flush()
        except Exception:  # as logging does: a failing log write must not end the writer
            target.handleError(records[0])


def _dropped_record(like: logging.LogRecord, dropped: int) -> logging.LogRecord:
    return logging.LogRecord(like.name, logging.WARNING, __file__, 0,
                             "%d log records dropped: the log output did not keep up", (dropped,), None)
