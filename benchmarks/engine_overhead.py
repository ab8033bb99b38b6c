"""What the engine adds to an action call: ``Engine.execute`` of slack send_channel_message versus a bare httpx POST.

Both hit the same Slack stub (tests/stubs/slack.py, uvicorn on 127.0.0.1, port 0) with the same body; the engine runs
in process over a SQLite store in a temporary directory (or --database-url). The engine's share is authorization,
catalog lookup, alias and connection resolution, credential decryption, partial merge, validation, redaction and the
execution record. Prints the medians, their ratio and the milliseconds the engine adds per call (target: under 1).

    python benchmarks/engine_overhead.py               # 500 iterations after 50 warm-up calls
    python benchmarks/engine_overhead.py -n 2000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.stubs when run as a script

from tests.stubs.base import running
from tests.stubs.slack import SLACK_TOKEN, SlackStub

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import ConnectionCreate, WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.engine.store import Store

BENCH_KEY = b"engine overhead benchmark key, not a secret"
BODY = {"channel": "C0GENERAL", "text": "benchmark message"}


def _timed(call: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--iterations", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary directory")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the engine loop")
    args = parser.parse_args()

    stub = SlackStub()
    with running(stub), tempfile.TemporaryDirectory() as tmp, httpx.Client() as bare:
        store = Store.open(args.database_url or Path(tmp) / "state.db")
        with Engine(store, cipher=CredentialCipher(BENCH_KEY)) as engine:
            org = engine.orgs.create("bench")
            caller = Caller.system(org.id)
            ws = engine.workspaces.create(caller, WorkspaceCreate(name="Bench", slug="bench"))
            conn = engine.connections.create(caller, ConnectionCreate(
                type="SECRET_TEXT", external_id="slack-bench", display_name="Bench", integration_name="slack",
                secret_text=SLACK_TOKEN, base_url=stub.url))
            engine.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
                integration_name="slack", alias="slack", connection_id=conn.id))
            request = ExecuteRequest(integration_name="slack", action_name="send_channel_message", input=BODY,
                                     workspace_id=ws.id)
            headers = {"Authorization": f"Bearer {SLACK_TOKEN}"}

            def via_engine() -> None:
                result = engine.execute(request, caller)
                assert result.output.get("ok") is True, result.output

            def via_httpx() -> None:
                response = bare.post(f"{stub.url}/chat.postMessage", json=BODY, headers=headers)
                assert response.json().get("ok") is True

            # A bare call through the engine's own httpx client would share its connection pool; a second client
            # keeps the two from disturbing each other while still reusing keep-alive connections.
            for _ in range(args.warmup):
                via_engine()
                via_httpx()
            # Interleave in blocks so drift in the machine's load hits both sides alike.
            engine_ms: list[float] = []
            bare_ms: list[float] = []
            block = 50
            profiler = cProfile.Profile() if args.profile else None
            for start in range(0, args.iterations, block):
                size = min(block, args.iterations - start)
                bare_ms += _timed(via_httpx, size)
                if profiler is not None:
                    profiler.enable()
                engine_ms += _timed(via_engine, size)
                if profiler is not None:
                    profiler.disable()
            recorded = engine.executions.list_page(caller, workspace_id=ws.id).total

    engine_median = statistics.median(engine_ms)
    bare_median = statistics.median(bare_ms)
    print(f"iterations        {args.iterations} (after {args.warmup} warm-up calls), database {store!r}")
    print(f"bare httpx        median {bare_median:.3f} ms   p90 {_p90(bare_ms):.3f} ms")
    print(f"Engine.execute    median {engine_median:.3f} ms   p90 {_p90(engine_ms):.3f} ms")
    print(f"ratio             {engine_median / bare_median:.2f}x")
    added = engine_median - bare_median
    verdict = "met" if added < 1 else "MISSED"
    print(f"engine adds       {added:.3f} ms per call at the median (target < 1 ms: {verdict})")
    print(f"execution records {recorded} (expected {args.warmup + args.iterations})")
    if profiler is not None:
        # The engine's own frames and the database layer; the HTTP stack is the bare call's cost too.
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"weavz_flow|sqlalchemy/engine|redact", 40)
    return 0


def _p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1]


if __name__ == "__main__":
    raise SystemExit(main())
