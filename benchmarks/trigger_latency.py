"""Webhook received -> first step started, and events per second one worker sustains, on the embedded engine.

A temporary project (SQLite, the local backend) holds one flow started by a ``webhook:`` entry whose one step writes
to the kv-store; ``apply`` deploys it, and a scheduler (what ``weavz-flow schedule`` runs: the event half of its
ticks registers the webhook, dispatches each stored event as one fire, and its thread pool runs the fires) runs on a
background thread. The inbound request goes to the trigger service as the ``/api/v1/webhooks/flows/{path}`` route
hands it on (no HTTP in between: the route is two lines over it).

1. Latency: one event at a time, from just before the request is handed over to the first step's ``started_at`` in
   the run records; median and p99. The scheduler's tick (``--tick``) bounds it: an event waits for the next tick.
2. Throughput: ``--burst`` events received at once, then the time until all their runs finished, with ``--concurrency``
   fires at once: events per second.

    python benchmarks/trigger_latency.py                       # 50 events, tick 0.05 s, burst 200
    python benchmarks/trigger_latency.py -n 100 --tick 0.02 --burst 500 --concurrency 8
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from weavz_flow.config.validate import load_valid_project
from weavz_flow.integrations.registry import load_full_catalog
from weavz_flow.integrations.trigger_base import InboundRequest
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.runner.records import RunNotFoundError, RunRecords
from weavz_flow.schedule.model import Fire
from weavz_flow.schedule.service import SchedulerThread, build_scheduler
from weavz_flow.schedule.session import open_schedule_session

PROJECT = "version: 1\nname: trigger-bench\nbackend: {type: local}\n"
WORKSPACE = """\
workspace: lab
integrations:
  kv: {integration: kv-store, settings: {persistence: {scope: workspace}}}
"""
FLOW = """\
flow: hook
workspace: lab
on:
  - webhook: {path: bench}
steps:
  - id: save
    uses: kv.put
    with: {key: "hook:{{ trigger.id }}", value: "{{ trigger.data.body.n }}"}
"""


def write_project(root: Path) -> None:
    (root / "workspaces").mkdir(parents=True)
    (root / "flows").mkdir()
    (root / "weavz-flow.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "workspaces" / "lab.yaml").write_text(WORKSPACE, encoding="utf-8")
    (root / "flows" / "hook.yaml").write_text(FLOW, encoding="utf-8")


def request(n: int) -> InboundRequest:
    body = f'{{"n": {n}}}'.encode()
    return InboundRequest("POST", {"content-type": "application/json", "x-event-id": f"bench-{n}"}, {}, body,
                          "application/json")


def first_step_start(records: RunRecords, run_id: str) -> datetime | None:
    """When the first step of run ``run_id`` started, or None while it has not."""
    try:
        run = records.get(run_id)
    except RunNotFoundError:
        return None
    return run.steps[0].started_at if run.steps else None


def finished(records: RunRecords) -> int:
    return sum(1 for run in records.recent(flow="hook", limit=100_000) if run.finished_at is not None)


def wait(condition: object, what: str, deadline_s: float = 120.0, every_s: float = 0.001) -> None:
    end = time.monotonic() + deadline_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > end:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(every_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="events for the latency (one at a time)")
    parser.add_argument("--tick", type=float, default=0.05, help="the scheduler's tick, seconds")
    parser.add_argument("--burst", type=int, default=200, help="events received at once for the throughput")
    parser.add_argument("--concurrency", type=int, default=4, help="fires run at once")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("WEAVZ_FLOW_SECRET_KEY", "trigger-benchmark-secret-key-0123456789")
    for name in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL"):
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        write_project(root)
        catalog = load_full_catalog()
        project = load_valid_project(root, catalog)
        session = open_schedule_session(project, catalog=catalog)
        try:
            result = apply_plan(make_plan(project, session.backend), session.backend,
                                book=fingerprint_book(project, session.backend))
            if not result.ok:
                raise SystemExit(f"apply failed: {result.error}")
            scheduler = build_scheduler(None, session, args.concurrency)
            scheduler.tick_s = args.tick
            thread = SchedulerThread(scheduler).start()
            triggers = session.backend.engine.triggers  # type: ignore[attr-defined]
            try:
                wait(lambda: _registered(triggers), "the webhook to be registered")
                # The first fire of a new project pays the cold start (the catalog read, the deployed flow loaded):
                # a warm-up event, not a sample of the latency.
                _latencies(triggers, session.records, 1, first=-2)
                latencies = _latencies(triggers, session.records, args.n)
                rate = _throughput(triggers, session.records, args.burst, args.n)
            finally:
                thread.stop()
        finally:
            session.close()
    print(f"webhook received -> first step started, {args.n} events one at a time, tick {args.tick:g}s: "
          f"median {statistics.median(latencies):.1f} ms, p99 {_p99(latencies):.1f} ms, max {max(latencies):.1f} ms")
    print(f"sustained: {rate:.1f} events/s ({args.burst} events received at once, {args.concurrency} fires at once)")
    return 0


def _registered(triggers: object) -> bool:
    try:
        triggers.ingest_flow_webhook("bench", request(-1))  # type: ignore[attr-defined]
    except Exception:
        return False
    return True


def _latencies(triggers: object, records: RunRecords, n: int, first: int = 0) -> list[float]:
    out: list[float] = []
    for i in range(first, first + n):
        before = time.time()
        stored = triggers.ingest_flow_webhook("bench", request(i))  # type: ignore[attr-defined]
        received = datetime.fromtimestamp(before, UTC)
        run_id = Fire("hook", received, stored[0].id).run_id  # an event's fire runs under an id derived from it
        found: list[datetime] = []

        def started(run_id: str = run_id, found: list[datetime] = found) -> bool:
            at = first_step_start(records, run_id)
            if at is not None:
                found.append(at)
            return at is not None

        wait(started, f"the run of event {i}")
        out.append((found[0].timestamp() - before) * 1000)
    return out


def _throughput(triggers: object, records: RunRecords, burst: int, offset: int) -> float:
    done_before = finished(records)
    start = time.monotonic()
    for i in range(burst):
        triggers.ingest_flow_webhook("bench", request(offset + 1000 + i))  # type: ignore[attr-defined]
    # Looked at every 0.1 s: a tighter loop would compete with the runs for the SQLite file.
    wait(lambda: finished(records) - done_before >= burst, "the burst's runs", 600.0, every_s=0.1)
    return burst / (time.monotonic() - start)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


if __name__ == "__main__":
    sys.exit(main())
