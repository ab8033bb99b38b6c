"""What MCP adds to an execute: an MCP ``tools/call`` against the equivalent ``POST /api/v1/actions/execute``, and
``tools/list`` of a server with 500 tools.

`weavz-flow serve` runs as a separate process over a fresh SQLite file (or --database-url). This process is the
client, one request at a time, the kinds alternating in rounds so that all see the same server state; each latency
is the client's round trip:
- REST: httpx (one keep-alive connection) posting a kv-store put to ``/actions/execute``;
- MCP, measured the same way: the same httpx client posting the JSON-RPC ``tools/call`` of ``kv__put`` to the
  session's ``/mcp/{id}`` and reading its SSE answer: what the server adds, and the figure the target is for;
- MCP through the official ``mcp`` client (``ClientSession`` over ``streamable_http_client``): what an agent sees,
  the client's own work (pydantic validation, its streams) included.

Prints the medians and p90s, the added latency of ``tools/call`` (median MCP - median REST; target < 2 ms) and the
ratio, and the median round trip of ``tools/list`` for a server whose workspace has 100 kv-store aliases (500
tools; target < 50 ms) the same two ways, the first (uncached) list after a change as well.

    python benchmarks/mcp_overhead.py                    # 2,000 calls each
    python benchmarks/mcp_overhead.py --iterations 300   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


ACCEPT = "application/json, text/event-stream"
HANDSHAKE = "2025-11-25"


async def _raw_session(http: httpx.AsyncClient, path: str, token: str) -> dict[str, str]:
    """A session opened by hand: initialize, then initialized; the headers each later request carries."""
    auth = {"Authorization": f"Bearer {token}", "Accept": ACCEPT}
    opened = await http.post(path, headers=auth, json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": HANDSHAKE, "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}})
    opened.raise_for_status()
    headers = {**auth, "Mcp-Session-Id": opened.headers["mcp-session-id"], "Mcp-Protocol-Version": HANDSHAKE}
    (await http.post(path, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
     ).raise_for_status()
    return headers


async def _raw_request(http: httpx.AsyncClient, path: str, headers: dict[str, str], rid: int, method: str,
                       params: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(path, headers=headers, json={"jsonrpc": "2.0", "id": rid, "method": method,
                                                            "params": params})
    response.raise_for_status()
    for line in response.text.splitlines():  # one SSE event: the answer
        if line.startswith("data:"):
            answer: dict[str, Any] = json.loads(line[5:])
            if "error" in answer or answer.get("result", {}).get("isError"):
                raise SystemExit(f"{method} failed: {answer}")
            return answer
    raise SystemExit(f"{method}: no answer in {response.text[:200]!r}")


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@asynccontextmanager
async def _clients(url: str, server_id: str,
                   bearer: str) -> AsyncIterator[tuple[ClientSession, httpx.AsyncClient, str, dict[str, str]]]:
    """Two sessions on the server: the official client's, and one by hand over httpx (its path and headers)."""
    path = f"/mcp/{server_id}"
    async with (httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"},
                                   timeout=httpx2.Timeout(30, read=300)) as mcp_http,
                streamable_http_client(f"{url}{path}", http_client=mcp_http) as (read, write),
                ClientSession(read, write) as session,
                httpx.AsyncClient(base_url=url, timeout=30) as http):
        await session.initialize()
        yield session, http, path, await _raw_session(http, path, bearer)


async def _call_rounds(url: str, api_key: str, workspace_id: str, server_id: str, bearer: str,
                       iterations: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"rest": [], "raw": [], "client": []}
    async with _clients(url, server_id, bearer) as (session, http, path, raw):
        listed = await session.list_tools()
        assert any(t.name == "kv__put" for t in listed.tools), [t.name for t in listed.tools]
        rest = {"Authorization": f"Bearer {api_key}"}
        for i in range(iterations + 20):  # the first 20 rounds warm every path up and are not counted
            args = {"key": f"k{i % 50}", "value": i}
            started = time.perf_counter()
            response = await http.post("/api/v1/actions/execute", headers=rest, json={
                "integrationName": "kv-store", "actionName": "put", "integrationAlias": "kv", "input": args,
                "workspaceId": workspace_id})
            rest_ms = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            started = time.perf_counter()
            await _raw_request(http, path, raw, i + 1, "tools/call", {"name": "kv__put", "arguments": args})
            raw_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            result = await session.call_tool("kv__put", args)
            client_ms = (time.perf_counter() - started) * 1000
            if result.is_error:
                raise SystemExit(f"tools/call failed: {result.content}")
            if i >= 20:
                times["rest"].append(rest_ms)
                times["raw"].append(raw_ms)
                times["client"].append(client_ms)
    return times


async def _list_rounds(url: str, server_id: str, bearer: str, iterations: int,
                       touch: Any) -> tuple[dict[str, list[float]], int]:
    times: dict[str, list[float]] = {"raw": [], "client": [], "recomputed": []}
    count = 0
    async with _clients(url, server_id, bearer) as (session, http, path, raw):
        for i in range(iterations + 5):
            started = time.perf_counter()
            answer = await _raw_request(http, path, raw, i + 1, "tools/list", {})
            raw_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            listed = await session.list_tools()
            client_ms = (time.perf_counter() - started) * 1000
            count = len(listed.tools)
            assert len(answer["result"]["tools"]) == count
            if i >= 5:
                times["raw"].append(raw_ms)
                times["client"].append(client_ms)
        for i in range(max(5, iterations // 10)):
            await asyncio.to_thread(touch, i)  # a write the view depends on: the next list recomputes it
            started = time.perf_counter()
            await _raw_request(http, path, raw, 10_000 + i, "tools/list", {})
            times["recomputed"].append((time.perf_counter() - started) * 1000)
    return times, count


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

        calls = asyncio.run(_call_rounds(url, api_key, workspace_id, server_id, bearer, args.iterations))
        lists, count = asyncio.run(_list_rounds(url, big_id, big_bearer, args.list_iterations, touch))
    finally:
        _stop(server)

    med = {k: statistics.median(v) for k, v in calls.items()}
    print(f"kv-store put, {len(calls['rest'])} calls each, one at a time, weavz-flow serve on "
          f"{'PostgreSQL' if args.database_url and 'postgres' in args.database_url else 'SQLite'}")
    for key, label in (("rest", "POST /actions/execute (httpx)"), ("raw", "MCP tools/call (httpx)"),
                       ("client", "MCP tools/call (mcp client)")):
        print(f"  {label:32s} median {med[key]:6.2f} ms  p90 {_pctl(calls[key], 0.9):6.2f} ms")
    added = med["raw"] - med["rest"]
    print(f"  added by MCP, measured the same way: {added:+.2f} ms (ratio {med['raw'] / med['rest']:.2f}x; "
          f"target < 2 ms); through the mcp client: {med['client'] - med['rest']:+.2f} ms")
    list_med = {k: statistics.median(v) for k, v in lists.items()}
    print(f"tools/list of a server with {count} tools ({len(lists['raw'])} lists each):")
    print(f"  httpx          median {list_med['raw']:6.2f} ms  p90 {_pctl(lists['raw'], 0.9):6.2f} ms  "
          "(target < 50 ms)")
    print(f"  mcp client     median {list_med['client']:6.2f} ms  p90 {_pctl(lists['client'], 0.9):6.2f} ms  "
          "(the client validates 500 tools twice)")
    print(f"  after a change (the view recomputed), httpx: median {list_med['recomputed']:6.2f} ms "
          f"({len(lists['recomputed'])} lists)")
    ok = added < 2.0 and list_med["raw"] < 50.0 and count >= 500
    print("  OK" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
