"""Which dispatcher hands fires to their runners. One place to choose, so a new way to run fires is one branch here.

SQLite: the embedded thread pool (:class:`InProcessDispatcher`). PostgreSQL: the procrastinate task queue in the same
database (:mod:`weavz_flow.schedule.fire_worker`), so that schedulers and workers on several machines share the fires;
the scheduler's process serves the queue too unless ``worker`` is False.
"""

from __future__ import annotations

from types import ModuleType

from weavz_flow.backends.stores import Store
from weavz_flow.errors import WeavzFlowError
from weavz_flow.schedule.fire_runner import FireRunner
from weavz_flow.schedule.in_process import InProcessDispatcher
from weavz_flow.schedule.model import Dispatcher


def make_dispatcher(store: Store, fire_runner: FireRunner, *, concurrency: int = 4, worker: bool = True,
                    stalled_after: float | None = None) -> Dispatcher:
    """The dispatcher for a scheduler whose state lives in ``store``; ``concurrency`` fires run at once here.

    On PostgreSQL ``worker=False`` makes a pure scheduler (``weavz-flow worker`` processes run the fires), and
    ``stalled_after`` is how long a queue worker may go without a heartbeat before its jobs are requeued."""
    if store.dialect == "postgresql":
        queue = queue_module()
        return queue.queue_dispatch(store, fire_runner if worker else None,
                                    queue.QueueOptions(concurrency=concurrency, stalled_after=stalled_after))
    return InProcessDispatcher(fire_runner, concurrency)


def queue_module() -> ModuleType:
    """:mod:`weavz_flow.schedule.fire_worker`, imported on demand: it needs the ``postgres`` extra (procrastinate)."""
    try:
        from weavz_flow.schedule import fire_worker
    except ImportError as exc:
        raise WeavzFlowError(f"a PostgreSQL store runs fires through procrastinate, which is not installed ({exc}); "
                             "install weavz-flow[postgres]") from None
    return fire_worker
