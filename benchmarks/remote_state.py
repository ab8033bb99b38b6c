"""What keeping plan's state and lock on the backend costs, against a real `weavz-flow serve` in its own process.

Starts `weavz-flow serve --port 0` on a temporary SQLite store, bootstraps an organization and an API key, writes a
project of N workspaces (each with one connection, one alias and one partial), then as a CI runner would:

- `apply` from scratch (every change also writes the state document and checks the lock's ticket), against the same
  apply on another fresh server with no state and no lock (what the first wave did), for the overhead;
- `plan` from a fresh copy with no local files (reads the state once): the CI path, "No changes";
- taking and releasing the lock on its own.

Prints medians over --runs of the library calls (the CLI's start-up is not what is measured), the backend round
trips of each, and the ratio of apply with state to apply without.

    .venv/bin/python benchmarks/remote_state.py [--workspaces 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.config.load import load_project
from weavz_flow.config.project import Project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive

SERVICE_KEY = "svc-benchmark-0123456789abcdef"


def _project(root: Path, workspaces: int) -> None:
    (root / "workspaces").mkdir(parents=True)
    (root / "weavz-flow.yaml").write_text("version: 1\nname: bench\n", encoding="utf-8")
    for i in range(workspaces):
        (root / "workspaces" / f"w{i}.yaml").write_text(
            f"workspace: bench-{i}\nname: Bench {i}\n"
            "connections:\n"
            f"  bot-{i}: {{integration: slack, type: SECRET_TEXT, secret: {{env: BENCH_TOKEN}}}}\n"
            "integrations:\n"
            f"  slack_bot: {{integration: slack, strategy: fixed, connection: bot-{i}}}\n"
            "partials:\n"
            "  general: {alias: slack_bot, action: send_channel_message, values: {channel: C0123}, "
            "enforced: [channel]}\n",
            encoding="utf-8")


def _serve(store: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY, "WEAVZ_FLOW_SECRET_KEY": "b" * 44}
    proc = subprocess.Popen([sys.executable, "-m", "weavz_flow", "serve", "--port", "0", "--database-url",
                             f"sqlite:///{store}"], env=env, text=True, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"weavz-flow API on (http://\S+)", line)
        if found:
            return proc, found.group(1)
    raise SystemExit("serve did not start")


def _api_key(url: str) -> str:
    headers = {"X-Service-Key": SERVICE_KEY}
    with httpx.Client(base_url=url, timeout=30) as http:
        org = http.post("/api/v1/orgs", json={"name": "bench"}, headers=headers).json()["org"]["id"]
        key = http.post("/api/v1/api-keys", json={"name": "ci"}, headers={**headers, "X-Org-ID": org})
        return str(key.json()["plainKey"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["BENCH_TOKEN"] = "xoxb-benchmark"
    os.environ["WEAVZ_FLOW_STATE_KEY"] = "benchmark-state-key"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        apply_s, bare_s, plan_s, lock_s = [], [], [], []
        trips: dict[str, int] = {}
        changes = 0
        for run in range(args.runs):
            project_dir = root / f"project-{run}"
            _project(project_dir, args.workspaces)
            project = load_project(project_dir)
            bare_s.append(_timed_apply(root / f"bare-{run}.db", project, trips))
            proc, url = _serve(root / f"store-{run}.db")
            try:
                key = Sensitive(_api_key(url))
                backend = RemoteBackend(url, key)
                try:
                    started = time.perf_counter()
                    with backend.lock(30):
                        book = fingerprint_book(project, backend)
                        plan = make_plan(project, backend, book=book)
                        before = backend.round_trips
                        result = apply_plan(plan, backend, book=book)
                        trips["apply"] = backend.round_trips - before
                    apply_s.append(time.perf_counter() - started)
                    assert result.ok, result.error
                    changes = len(result.applied)
                finally:
                    backend.close()
                fresh = RemoteBackend(url, key)  # another machine: nothing local, the state read from the backend
                try:
                    started = time.perf_counter()
                    again = make_plan(project, fresh)
                    plan_s.append(time.perf_counter() - started)
                    trips["plan"] = fresh.round_trips
                    assert not again.has_changes, "a fresh checkout must plan no changes"
                    started = time.perf_counter()
                    with fresh.lock(30):
                        pass
                    lock_s.append(time.perf_counter() - started)
                finally:
                    fresh.close()
            finally:
                proc.terminate()
                proc.wait()
    with_state, bare = statistics.median(apply_s), statistics.median(bare_s)
    print(f"{args.workspaces} workspaces, {changes} changes, median of {args.runs} runs, serve on SQLite")
    print(f"  apply from scratch, state and lock on the backend: {with_state * 1000:.0f} ms, "
          f"{trips['apply']} round trips")
    print(f"  apply from scratch, no state, no lock:             {bare * 1000:.0f} ms, {trips['bare']} round trips")
    print(f"  ratio: {with_state / bare:.2f}x the time, {trips['apply'] - trips['bare']} more round trips "
          f"({(trips['apply'] - trips['bare']) / max(changes, 1):.1f} per change)")
    print(f"  plan from a fresh copy (No changes): {statistics.median(plan_s) * 1000:.0f} ms, "
          f"{trips['plan']} round trips")
    print(f"  take and release the lock: {statistics.median(lock_s) * 1000:.1f} ms")


def _timed_apply(store: Path, project: Project, trips: dict[str, int]) -> float:
    """Apply from scratch on a fresh server without a state book or lock: the baseline."""
    proc, url = _serve(store)
    try:
        backend = RemoteBackend(url, Sensitive(_api_key(url)))
        try:
            started = time.perf_counter()
            plan = make_plan(project, backend)
            before = backend.round_trips
            result = apply_plan(plan, backend, book=None)
            trips["bare"] = backend.round_trips - before
            elapsed = time.perf_counter() - started
            assert result.ok, result.error
            return elapsed
        finally:
            backend.close()
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
