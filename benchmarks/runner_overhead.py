"""What the flow runner adds per step: a 200-step kv-store flow run by ``FlowRunner`` versus a plain loop making
the same backend calls (same inputs, same idempotency keys) on the same embedded engine.

The project (one workspace, a kv-store alias, the flow) is written to a temporary directory and applied with the
plan library; both sides use one LocalBackend on its SQLite file. The runner's share is input typing, template
rendering, scheduling, events, redaction and the run record (two writes per run). Prints the median per-step
overhead and the ratio of the runner's total to the plain loop's (target: at most 1.3). A second ratio compares with
calls sent without idempotency keys, i.e. including the engine's idempotency ledger that the runner opts into.

    python benchmarks/runner_overhead.py            # 7 measured runs of each after 2 warm-up runs
    python benchmarks/runner_overhead.py -r 15 --steps 500
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.runner.records import RunRecords
from weavz_flow.runner.retry import idempotency_key
from weavz_flow.runner.run import FlowRunner

PROJECT = "version: 1\nname: bench\nbackend: {type: local}\n"
WORKSPACE = """\
workspace: bench
integrations:
  kv:
    integration: kv-store
    settings: {persistence: {scope: workspace}}
"""


def flow_text(steps: int) -> str:
    lines = ["flow: kv-chain", "workspace: bench", "inputs:", "  prefix: {type: string, default: bench}", "steps:"]
    for i in range(steps):
        value = '"{{ run.id }}"' if i == 0 else f'"{{{{ steps.s{i - 1}.output.value }}}}"'
        lines += [f"  - id: s{i}", "    uses: kv.put",
                  f'    with: {{key: "{{{{ inputs.prefix }}}}:{i}", value: {value}}}']
    return "\n".join(lines) + "\n"


def write_project(root: Path, steps: int) -> None:
    (root / "workspaces").mkdir(parents=True)
    (root / "flows").mkdir()
    (root / "weavz-flow.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "workspaces" / "bench.yaml").write_text(WORKSPACE, encoding="utf-8")
    (root / "flows" / "kv-chain.yaml").write_text(flow_text(steps), encoding="utf-8")


def plain_loop(backend: LocalBackend, steps: int, *, keys: bool) -> Callable[[], None]:
    def run() -> None:
        run_id = uuid.uuid4().hex
        value = run_id
        for i in range(steps):
            key = idempotency_key(run_id, f"s{i}", None) if keys else None
            out = backend.execute(ExecuteCall("bench", "kv-store", "put", {"key": f"bench:{i}", "value": value},
                                              alias="kv", idempotency_key=key)).output
            value = out["value"]
    return run


def timed(call: Callable[[], object], reps: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--reps", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    os.environ.pop("WEAVZ_FLOW_DATABASE_URL", None)
    os.environ.setdefault("WEAVZ_FLOW_SECRET_KEY", "runner overhead benchmark key, not a secret")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        write_project(root, args.steps)
        backend = LocalBackend(root / ".weavz-flow")
        records = RunRecords.for_project(root)
        try:
            project = load_project(root)
            applied = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
            assert applied.ok, applied.error
            runner = FlowRunner(project, backend, records=records)

            def flow() -> None:
                result = runner.run("kv-chain")
                assert result.ok, result.error

            # Interleave the three so that drift in the machine's speed affects them alike.
            flow_s, plain_s, bare_s = [], [], []
            plain, bare = plain_loop(backend, args.steps, keys=True), plain_loop(backend, args.steps, keys=False)
            for call in (flow, plain, bare):
                timed(call, 0, args.warmup)
            for _ in range(args.reps):
                flow_s += timed(flow, 1, 0)
                plain_s += timed(plain, 1, 0)
                bare_s += timed(bare, 1, 0)
        finally:
            records.close()
            backend.close()
    f, p, b = statistics.median(flow_s), statistics.median(plain_s), statistics.median(bare_s)
    per_step = [(fs - ps) / args.steps * 1000 for fs, ps in zip(flow_s, plain_s, strict=True)]
    print(f"{args.steps}-step kv-store flow, {args.reps} runs each (median)")
    print(f"  runner:                         {f * 1000:8.1f} ms  ({f / args.steps * 1000:.3f} ms/step)")
    print(f"  plain loop, same calls:         {p * 1000:8.1f} ms  ({p / args.steps * 1000:.3f} ms/step)")
    print(f"  plain loop, no idempotency key: {b * 1000:8.1f} ms  ({b / args.steps * 1000:.3f} ms/step)")
    print(f"  runner overhead per step:       {statistics.median(per_step):8.3f} ms")
    print(f"  ratio runner / same calls:      {f / p:8.2f}   (target <= 1.3)")
    print(f"  ratio runner / keyless calls:   {f / b:8.2f}")
    return 0 if f / p <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
