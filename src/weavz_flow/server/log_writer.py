"""Log records written by a thread of their own, so that a request never waits for the log's pipe.

``serve`` logs a line per request from the event loop (:mod:`weavz_flow.server.access_log`). Written there, each line
is a blocking write to stderr, and a slow consumer of that pipe (a container runtime under load, a terminal being
scrolled) would stall every request of the process. :class:`BackgroundHandler` puts the record on a bounded queue
and returns; a :class:`logging.handlers.QueueListener` thread formats and writes it. When the queue is full (the
writer cannot keep up), records are dropped rather than stalling requests, and the number dropped is written as
soon as the writer catches up.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
import threading
from typing import Any, TextIO, cast

DEFAULT_MAX_QUEUE = 10_000


class BackgroundHandler(logging.handlers.QueueHandler):
    def __init__(self, stream: TextIO | None = None, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        super().__init__(queue.Queue(max_queue))
        # dictConfig resolves "ext://sys.stderr" to the stream itself before it gets here.
        self._target = logging.StreamHandler(stream if stream is not None else sys.stderr)
        self._dropped = 0
        self._dropped_lock = threading.Lock()
        self._listener = _Listener(self.queue, self._target, respect_handler_level=False)
        self._listener.start()
        atexit.register(self.stop)  # what is queued is written before the process ends

    def stop(self) -> None:
        """Write what is queued and end the writer thread (once; later calls do nothing)."""
        if self._listener._thread is not None:
            self._listener.stop()

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


class _Listener(logging.handlers.QueueListener):
    def enqueue_sentinel(self) -> None:
        # Waits for room (the writer is draining) instead of failing on a full queue.
        cast("queue.Queue[Any]", self.queue).put(getattr(self, "_sentinel", None))


def _dropped_record(like: logging.LogRecord, dropped: int) -> logging.LogRecord:
    return logging.LogRecord(like.name, logging.WARNING, __file__, 0,
                             "%d log records dropped: the log output did not keep up", (dropped,), None)
