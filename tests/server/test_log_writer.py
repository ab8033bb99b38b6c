"""The access log's writer thread: lines come out in order and formatted, a full queue drops instead of blocking the
caller and says how many it dropped, and what is queued is written at exit."""

from __future__ import annotations

import io
import logging
import threading

from weavz_flow.server.log_writer import BackgroundHandler


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_lines_are_written_in_order_by_the_writer_thread() -> None:
    out = io.StringIO()
    handler = BackgroundHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = _logger(handler, "weavz_flow.test.log_writer.order")
    for i in range(200):
        logger.info('"GET /n/%d" %d', i, 200)
    handler.stop()  # drains the queue, as at exit
    assert out.getvalue().splitlines() == [f'INFO "GET /n/{i}" 200' for i in range(200)]


class _BlockedStream(io.StringIO):
    """A log pipe nobody reads: every write waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.release.wait()
        return super().write(text)


def test_a_blocked_pipe_drops_lines_instead_of_blocking_and_counts_them() -> None:
    stream = _BlockedStream()
    handler = BackgroundHandler(stream, max_queue=10)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = _logger(handler, "weavz_flow.test.log_writer.blocked")
    for i in range(100):  # returns although nothing can be written: the caller never waits for the pipe
        logger.info("line %d", i)
    stream.release.set()
    handler.queue.join()  # type: ignore[attr-defined]  (a queue.Queue: the writer has caught up)
    logger.info("after")
    handler.stop()
    lines = stream.getvalue().splitlines()
    assert lines[-1] == "after"
    dropped = [line for line in lines if "log records dropped" in line]
    assert len(dropped) == 1
    kept = [line for line in lines if line.startswith("line ")]
    assert int(dropped[0].split()[0]) == 100 - len(kept)
    assert kept == sorted(kept, key=lambda line: int(line.split()[1]))
