"""Which threads run an execute: a store-local action on a few threads of its own, any other on the thread pool.

An execute is sync code (the engine, the store's driver), so the server runs it off the event loop. Most actions
wait on a provider for most of their time, and the pool's many threads (40) are what lets a slow provider not hold
up the rest. A store-local action (:data:`weavz_flow.integrations.registry.STORE_LOCAL`: a kv put, a memory read)
waits on nothing but the store: it is CPU work, and under load 16 such calls on 16 threads spend more on contending
for the GIL than on the work (27 context switches per call, against 5 on one thread; p99 under wrk 180 ms against
33 ms; see benchmarks/execute_throughput.py). So those calls queue, in order, for a lane of ``store_local_threads``
threads: one on SQLite, whose writes take the file's one writer lock in turn anyway; a few on PostgreSQL, where a
call also waits on the database's round trips. A provider action never waits behind them, nor they behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from weavz_flow.integrations.registry import STORE_LOCAL

T = TypeVar("T")

DEFAULT_SQLITE_THREADS = 1
DEFAULT_POSTGRESQL_THREADS = 2


def default_store_local_threads(dialect: str) -> int:
    return DEFAULT_SQLITE_THREADS if dialect == "sqlite" else DEFAULT_POSTGRESQL_THREADS


class ExecuteLanes:
    @classmethod
    def for_store(cls, dialect: str, store_local_threads: int | None = None) -> ExecuteLanes:
        """Lanes sized as configured, or by the store's default."""
        return cls(store_local_threads or default_store_local_threads(dialect))

    def __init__(self, store_local_threads: int) -> None:
        if store_local_threads < 1:
            raise ValueError("store_local_threads must be at least 1")
        self.store_local_threads = store_local_threads
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop, at the first call

    async def run(self, integration_name: str, call: Callable[..., T], *args: object) -> T:
        """``call(*args)`` in a worker thread (the context copied, so a request's unit of work is joined): in the
        store-local lane for such an integration, else in the thread pool."""
        limiter = self._store_local() if integration_name in STORE_LOCAL else None
        return await anyio.to_thread.run_sync(call, *args, limiter=limiter)

    def _store_local(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.store_local_threads)
        return self._limiter
