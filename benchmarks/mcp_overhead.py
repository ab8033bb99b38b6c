"""What MCP adds to an execute: an MCP ``tools/call`` against the equivalent ``POST /api/v1/actions/execute``, and
``tools/list`` of a server with 500 tools.

`weavz-flow serve` runs as a separate process over a fresh SQLite file (or --database-url). This process is the
client for both: the official ``mcp`` client (Streamable HTTP, one session) calling ``kv__put``, and an HTTP client
(httpx, one keep-alive connection) posting the same kv-store put to ``/actions/execute``, one request at a time,
alternating in rounds so that both see the same server state. Each latency is the client's round trip.

Prints the medians and p90s, the added latency of ``tools/call`` (median MCP - median REST; target < 2 ms) and the
ratio, and the median round trip of ``tools/list`` for a server whose workspace has 100 kv-store aliases (500
tools; target < 50 ms), the first (uncached) list after a change as well.

    python benchmarks/mcp_overhead.py                    # 2,000 calls each
    python benchmarks/mcp_overhead.py --iterations 300   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_load import SERVICE_KEY, _free_port, _stop, _wait_healthy, kv_workspace

TOOLS_ALIASES = 100  # x 5 kv-store actions = 500 tools


def _server(http: httpx.Client, auth: dict[str, str], workspace_id: str, name: str) -> tuple[str, str]:
    made = http.post("/api/v1/mcp/servers", headers=auth,
                     json={"name": name, "workspaceId": workspace_id, "authMode": "bearer"})
    made.raise_for_status()
    body = made.json()
    return body["server"]["id"], body["bearerToken"]


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _call_rounds(url: str, api_key: str, workspace_id: str, server_id: str, bearer: str,
                       iterations: int) -> tuple[list[float], list[float]]:
    mcp_ms: list[float] = []
    rest_ms: list[float] = []
    headers = {"Authorization": f"Bearer {bearer}"}
    async with (httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as mcp_http,
                streamable_http_client(f"{url}/mcp/{server_id}", http_client=mcp_http) as (read, write),
                ClientSession(read, write) as session,
                httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30) as rest):
        await session.initialize()
        listed = await session.list_tools()
        assert any(t.name == "kv__put" for t in listed.tools), [t.name for t in listed.tools]
        for i in range(iterations + 20):  # the first 20 rounds warm both paths up and are not counted
            args = {"key": f"k{i % 50}", "value": i}
            started = time.perf_counter()
            result = await session.call_tool("kv__put", args)
            mcp = (time.perf_counter() - started) * 1000
            if result.is_error:
                raise SystemExit(f"tools/call failed: {result.content}")
            started = time.perf_counter()
            response = await rest.post("/api/v1/actions/execute", json={
                "integrationName": "kv-store", "actionName": "put", "integrationAlias": "kv", "input": args,
                "workspaceId": workspace_id})
            rest_time = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if i >= 20:
                mcp_ms.append(mcp)
                rest_ms.append(rest_time)
    return mcp_ms, rest_ms


async def _list_rounds(url: str, server_id: str, bearer: str, iterations: int, touch: Any) -> tuple[list[float],
                                                                                                  list[float], int]:
    warm: list[float] = []
    cold: list[float] = []
    count = 0
    headers = {"Authorization": f"Bearer {bearer}"}
    async with (httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as mcp_http,
                streamable_http_client(f"{url}/mcp/{server_id}", http_client=mcp_http) as (read, write),
                ClientSession(read, write) as session):
        await session.initialize()
        for i in range(iterations + 5):
            started = time.perf_counter()
            listed = await session.list_tools()
            elapsed = (time.perf_counter() - started) * 1000
            count = len(listed.tools)
            if i >= 5:
                warm.append(elapsed)
        for i in range(max(5, iterations // 10)):
            await asyncio.to_thread(touch, i)  # a write the view depends on: the next list recomputes it
            started = time.perf_counter()
            await session.list_tools()
            cold.append((time.perf_counter() - started) * 1000)
    return warm, cold, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=2000, help="tools/call and execute each (default 2000)")
    parser.add_argument("--list-iterations", type=int, default=200, help="tools/list calls (default 200)")
    parser.add_argument("--database-url", default=None, help="the server's database (default: a fresh SQLite file)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="weavz-flow-mcp-"))
    port = _free_port()
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY}
    cmd = [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port),
           "--database-url", args.database_url or str(work / "api.db")]
    server = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, "/health")
        with httpx.Client(base_url=url, timeout=60) as http:
            api_key, workspace_id = kv_workspace(http, alias="kv")
            auth = {"Authorization": f"Bearer {api_key}"}
            server_id, bearer = _server(http, auth, workspace_id, "bench")
            big = http.post("/api/v1/workspaces", headers=auth, json={"name": "Many tools", "slug": "many-tools"})
            big.raise_for_status()
            big_ws = big.json()["workspace"]["id"]
            for n in range(TOOLS_ALIASES):
                http.post(f"/api/v1/workspaces/{big_ws}/integrations", headers=auth,
                          json={"integrationName": "kv-store", "alias": f"kv{n:03d}"}).raise_for_status()
            big_id, big_bearer = _server(http, auth, big_ws, "many")
            first = http.get(f"/api/v1/workspaces/{big_ws}/integrations", headers=auth).json()["integrations"][0]

        def touch(i: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as http:
                http.patch(f"/api/v1/workspaces/{big_ws}/integrations/{first['id']}", headers=auth,
                           json={"sortOrder": i + 1}).raise_for_status()

        mcp_ms, rest_ms = asyncio.run(_call_rounds(url, api_key, workspace_id, server_id, bearer, args.iterations))
        warm, cold, count = asyncio.run(_list_rounds(url, big_id, big_bearer, args.list_iterations, touch))
    finally:
        _stop(server)

    mcp_med, rest_med = statistics.median(mcp_ms), statistics.median(rest_ms)
    added = mcp_med - rest_med
    print(f"kv-store put, {len(mcp_ms)} calls each, one at a time, weavz-flow serve on "
          f"{'PostgreSQL' if args.database_url and 'postgres' in args.database_url else 'SQLite'}")
    print(f"  POST /actions/execute   median {rest_med:6.2f} ms  p90 {_pctl(rest_ms, 0.9):6.2f} ms")
    print(f"  MCP tools/call          median {mcp_med:6.2f} ms  p90 {_pctl(mcp_ms, 0.9):6.2f} ms")
    print(f"  added by MCP: {added:+.2f} ms (ratio {mcp_med / rest_med:.2f}x; target < 2 ms)")
    list_med = statistics.median(warm)
    print(f"tools/list of a server with {count} tools: median {list_med:.2f} ms, p90 {_pctl(warm, 0.9):.2f} ms "
          f"({len(warm)} lists); after a change (recomputed): median {statistics.median(cold):.2f} ms "
          f"({len(cold)} lists); target < 50 ms")
    ok = added < 2.0 and list_med < 50.0 and count >= 500
    print("  OK" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
