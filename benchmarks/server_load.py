"""Load on `weavz-flow serve`: concurrent clients executing kv-store put then get, against a bare FastAPI endpoint.

Both servers run as separate processes on 127.0.0.1 over their own SQLite file (or --database-url for the API).
The bare endpoint does the same database work through the engine's store (``SqlStateStore.kv_put`` / ``kv_get``)
with nothing else: no auth, no catalog, no resolution, no partials, no execution record. Each client loops: put a
unique key, then get it back. Afterwards every acknowledged write is read back through the same server.

Prints requests/s, p50/p99 latency per request, errors (must be 0), the ratio of the API's throughput to the bare
endpoint's (target >= 50 %), and whether every acknowledged write is readable.

    python benchmarks/server_load.py                 # 30 s per server, 16 clients
    python benchmarks/server_load.py --duration 5    # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

SERVICE_KEY = "bench-service-key-not-secret"


class Put(BaseModel):
    key: str
    value: Any


# --- the bare endpoint (run in its own process: `server_load.py --bare PORT DB_PATH`) ------------------------------

def run_bare_server(port: int, db_path: str) -> None:
    import uvicorn
    from fastapi import FastAPI

    from weavz_flow.engine.state_store import SqlStateStore
    from weavz_flow.engine.store import Store

    state = SqlStateStore(Store.sqlite(db_path))
    app = FastAPI()

    @app.post("/put")
    def put(body: Put) -> dict[str, Any]:
        state.kv_put("bench", body.key, body.value)
        return {"success": True, "output": {"key": body.key, "value": body.value}}

    @app.get("/get/{key}")
    def get(key: str) -> dict[str, Any]:
        found, value = state.kv_get("bench", key)
        return {"success": True, "output": value if found else None}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- clients ------------------------------------------------------------------------------------------------------

@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)

    def fail(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


class Target:
    """How to put and get one key on a server under test."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None, workspace_id: str | None = None) -> None:
        self.base_url = base_url
        self.headers = headers or {}
        self.workspace_id = workspace_id

    def put_request(self, key: str, value: str) -> tuple[str, str, dict[str, Any]]:
        if self.workspace_id is None:
            return "POST", "/put", {"key": key, "value": value}
        return "POST", "/api/v1/actions/execute", {
            "integrationName": "kv-store", "actionName": "put", "input": {"key": key, "value": value},
            "workspaceId": self.workspace_id,
        }

    def get_request(self, key: str) -> tuple[str, str, dict[str, Any] | None]:
        if self.workspace_id is None:
            return "GET", f"/get/{key}", None
        return "POST", "/api/v1/actions/execute", {
            "integrationName": "kv-store", "actionName": "get", "input": {"key": key},
            "workspaceId": self.workspace_id,
        }

    @staticmethod
    def value_of(body: dict[str, Any]) -> Any:
        output = body.get("output")
        # The kv-store get action answers {key, value, found}; the bare endpoint the value itself.
        if isinstance(output, dict) and "value" in output:
            return output["value"]
        return output


async def _call(client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
    return await client.request(method, path, json=body) if body is not None else await client.request(method, path)


async def _worker(client: httpx.AsyncClient, target: Target, index: int, deadline: float, tally: Tally) -> None:
    n = 0
    while time.perf_counter() < deadline:
        key, value = f"w{index}-{n}", f"value-{index}-{n}"
        n += 1
        started = time.perf_counter()
        try:
            response = await _call(client, *target.put_request(key, value))
        except httpx.HTTPError as exc:
            tally.fail(f"put {key}: {type(exc).__name__}")
            continue
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            tally.fail(f"put {key}: {response.status_code} {response.text[:200]}")
            continue
        tally.acknowledged[key] = value
        started = time.perf_counter()
        try:
            response = await _call(client, *target.get_request(key))
        except httpx.HTTPError as exc:
            tally.fail(f"get {key}: {type(exc).__name__}")
            continue
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or Target.value_of(response.json()) != value:
            tally.fail(f"get {key}: {response.status_code} {response.text[:200]}")


async def _load(target: Target, clients: int, duration: float) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=target.base_url, headers=target.headers, limits=limits,
                                 timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(_worker(client, target, i, started + duration, tally) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return tally, elapsed


async def _verify(target: Target, acknowledged: dict[str, str], clients: int) -> int:
    """How many acknowledged writes cannot be read back."""
    missing = 0
    queue = list(acknowledged.items())

    async def check(client: httpx.AsyncClient) -> None:
        nonlocal missing
        while queue:
            key, value = queue.pop()
            response = await _call(client, *target.get_request(key))
            if response.status_code != 200 or Target.value_of(response.json()) != value:
                missing += 1

    async with httpx.AsyncClient(base_url=target.base_url, headers=target.headers, timeout=60) as client:
        await asyncio.gather(*(check(client) for _ in range(clients)))
    return missing


# --- processes ----------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with {process.returncode}")
        try:
            if httpx.get(url + path, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not start within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def kv_workspace(http: httpx.Client, org_name: str = "bench", alias: str | None = None) -> tuple[str, str]:
    """Through the service key: an organization, its API key, and a workspace with a workspace-scoped kv-store
    alias. Returns the plain API key and the workspace id."""
    org = http.post("/api/v1/orgs", json={"name": org_name}, headers={"X-Service-Key": SERVICE_KEY})
    org.raise_for_status()
    key = http.post("/api/v1/api-keys", json={"name": "bench"},
                    headers={"X-Service-Key": SERVICE_KEY, "X-Org-ID": org.json()["org"]["id"]})
    key.raise_for_status()
    plain = key.json()["plainKey"]
    auth = {"Authorization": f"Bearer {plain}"}
    ws = http.post("/api/v1/workspaces", json={"name": "Bench", "slug": "bench"}, headers=auth)
    ws.raise_for_status()
    workspace_id = ws.json()["workspace"]["id"]
    body: dict[str, Any] = {"integrationName": "kv-store", "settings": {"persistence": {"scope": "workspace"}}}
    if alias is not None:
        body["alias"] = alias
    http.post(f"/api/v1/workspaces/{workspace_id}/integrations", headers=auth, json=body).raise_for_status()
    return plain, workspace_id


def _bootstrap_api(url: str) -> Target:
    with httpx.Client(base_url=url, timeout=30) as http:
        plain, workspace_id = kv_workspace(http)
    return Target(url, {"Authorization": f"Bearer {plain}"}, workspace_id)


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    elapsed: float
    p50: float
    p99: float
    errors: int
    error_samples: list[str]
    acknowledged: int
    unreadable: int

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


def _measure(name: str, target: Target, clients: int, duration: float) -> Result:
    tally, elapsed = asyncio.run(_load(target, clients, duration))
    unreadable = asyncio.run(_verify(target, tally.acknowledged, clients))
    latencies = sorted(tally.latencies_ms) or [0.0]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Result(name, len(tally.latencies_ms), elapsed, statistics.median(latencies), p99, tally.errors,
                  tally.error_samples, len(tally.acknowledged), unreadable)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per server (default 30)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=1, help="weavz-flow serve --workers (default 1)")
    parser.add_argument("--database-url", default=None, help="the API's database (default: a fresh SQLite file)")
    parser.add_argument("--bare", nargs=2, metavar=("PORT", "DB_PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        run_bare_server(int(args.bare[0]), args.bare[1])
        return 0

    work = Path(tempfile.mkdtemp(prefix="weavz-flow-load-"))
    api_port, bare_port = _free_port(), _free_port()
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY}
    api_cmd = [sys.executable, "-m", "weavz_flow", "serve", "--port", str(api_port), "--workers", str(args.workers),
               "--database-url", args.database_url or str(work / "api.db")]
    bare_cmd = [sys.executable, __file__, "--bare", str(bare_port), str(work / "bare.db")]
    api = subprocess.Popen(api_cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bare = subprocess.Popen(bare_cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api_url, bare_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{bare_port}"
        _wait_healthy(api_url, api, "/health")
        _wait_healthy(bare_url, bare, "/get/warmup")
        api_target = _bootstrap_api(api_url)
        bare_target = Target(bare_url)
        # A short warm-up so that both pay their first-call costs (catalog, imports, connections) outside the run.
        _measure("warm-up", api_target, 2, 1.0)
        _measure("warm-up", bare_target, 2, 1.0)
        results = [_measure("bare FastAPI + same kv write", bare_target, args.clients, args.duration),
                   _measure("weavz-flow serve (execute)", api_target, args.clients, args.duration)]
    finally:
        _stop(api)
        _stop(bare)

    print(f"kv-store put+get, {args.clients} clients, {args.duration:g} s each, serve --workers {args.workers}")
    for r in results:
        print(f"  {r.name:32s} {r.throughput:8.0f} req/s  p50 {r.p50:6.1f} ms  p99 {r.p99:6.1f} ms  "
              f"errors {r.errors}  acknowledged writes {r.acknowledged}  unreadable {r.unreadable}")
        for sample in r.error_samples:
            print(f"      e.g. {sample}")
    bare_r, api_r = results
    ratio = api_r.throughput / bare_r.throughput if bare_r.throughput else 0.0
    print(f"  ratio weavz-flow / bare: {ratio:.0%} (target >= 50%)")
    ok = ratio >= 0.5 and all(r.errors == 0 and r.unreadable == 0 for r in results)
    print("  OK" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
