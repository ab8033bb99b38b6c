"""Execute throughput of `weavz-flow serve`, driven by `wrk` (a C load generator, not a Python client in our process).

For each store (SQLite with ``serve --workers 1``; PostgreSQL with ``--workers 2``, in a database made for the run
and dropped after), the script starts `serve` on 127.0.0.1 and prepares an organization, an API key, a workspace,
a kv-store alias and a default partial on `put` that enforces ``value``. Then it runs `wrk` against ``GET /health``
and against ``POST /api/v1/actions/execute`` of a kv-store put through the alias, each request with its own key, and
prints for each store: /health req/s, execute req/s, their ratio, p50 / p99 latency, errors, the server's peak RSS
(the largest resident set of its processes), the database round trips of one execute, and whether every write the
server acknowledged is stored with the enforced value (the keys come from the acknowledged answers themselves).

    python benchmarks/execute_throughput.py                    # 20 s per run, 16 connections, 2 wrk threads
    python benchmarks/execute_throughput.py --duration 5       # a quick run
    python benchmarks/execute_throughput.py --only sqlite
    python benchmarks/execute_throughput.py --runs 3            # three runs per store, then their medians

`wrk` comes from Debian's package of that name; when it is missing, the script installs it with apt-get where it
can (as root) and otherwise says how. PostgreSQL is reached at --postgres-url (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres); where it cannot be reached, that row is skipped with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_load import SERVICE_KEY, _free_port, _stop, _wait_healthy, kv_workspace

ENFORCED_VALUE = {"source": "partial", "enforced": True}
SECRET_KEY = "execute-throughput-bench-key-not-secret"

# Each wrk thread numbers its own requests; the key of an acknowledged put is read back from its answer (the put's
# output echoes the key), so the check after the run knows exactly which writes the server acknowledged.
LUA = r"""
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  prefix, workspace, out = args[1], args[2], args[3]
  wrk.headers["Authorization"] = "Bearer " .. args[4]
  wrk.headers["Content-Type"] = "application/json"
  counter, ok, acked = 0, 0, {}
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"integrationName":"kv-store","integrationAlias":"kv","actionName":"put","workspaceId":"%s",' ..
    '"input":{"key":"%s-%d-%d","value":"from-the-client"}}', workspace, prefix, tid, counter)
  return wrk.format("POST", "/api/v1/actions/execute", nil, body)
end

function response(status, headers, body)
  if status == 200 then
    local key = string.match(body, '"key":"([^"]+)"')
    if key then
      ok = ok + 1
      acked[#acked + 1] = key
    end
  end
end

function done(summary, latency, requests)
  -- done runs in wrk's main Lua state, where init (and so its args) never ran: ask a thread.
  local f = io.open(threads[1]:get("out"), "w")
  local total_ok = 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    local keys = thread:get("acked")
    for i = 1, #keys do f:write(keys[i], "\n") end
  end
  f:close()
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"ok":%d,"non_2xx":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, total_ok, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Row:
    name: str
    health_rps: float
    execute_rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    acknowledged: int
    unreadable: int
    peak_rss_mb: float
    round_trips: float | None
    health_cpu_ms: float  # the server's CPU (all its processes, user + system) per request: what load can't hide
    execute_cpu_ms: float
    database_cpu_ms: float  # PostgreSQL's own processes per execute (0 on SQLite, which runs in the server)
    ratio: float | None = None  # a median row's: the median of its runs' ratios, not the ratio of the medians

    def line(self) -> str:
        ratio = self.ratio if self.ratio is not None else (
            self.execute_rps / self.health_rps if self.health_rps else 0.0)
        trips = f"{self.round_trips:.1f}" if self.round_trips is not None else "n/a"
        return (f"| {self.name} | {self.health_rps:,.0f} | {self.execute_rps:,.0f} | {ratio:.0%} | "
                f"{self.p50_ms:.1f} / {self.p99_ms:.1f} ms | {self.errors} | {self.acknowledged:,} acknowledged, "
                f"{self.unreadable} not stored as enforced | {self.peak_rss_mb:.0f} MB | {trips} | "
                f"{self.health_cpu_ms:.2f} / {self.execute_cpu_ms:.2f} ms"
                + (f" (+ PostgreSQL {self.database_cpu_ms:.2f} ms)" if self.database_cpu_ms else "") + " |")


def median_row(name: str, runs: list[Row]) -> Row:
    """The runs of one store summed up: medians of the rates, latencies and costs, the worst of the errors."""
    def med(values: list[float]) -> float:
        return statistics.median(values)

    trips = [r.round_trips for r in runs if r.round_trips is not None]
    return Row(
        name, med([r.health_rps for r in runs]), med([r.execute_rps for r in runs]), med([r.p50_ms for r in runs]),
        med([r.p99_ms for r in runs]), max(r.errors for r in runs), sum(r.acknowledged for r in runs),
        sum(r.unreadable for r in runs), max(r.peak_rss_mb for r in runs), med(trips) if trips else None,
        med([r.health_cpu_ms for r in runs]), med([r.execute_cpu_ms for r in runs]),
        med([r.database_cpu_ms for r in runs]),
        ratio=med([r.execute_rps / r.health_rps if r.health_rps else 0.0 for r in runs]))


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package (apt-get install -y wrk)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("this benchmark needs wrk: install Debian's package (sudo apt-get install wrk) and run it again")


def bootstrap(http: httpx.Client, org_name: str) -> tuple[str, str]:
    """:func:`server_load.kv_workspace` with the alias ``kv``, plus a default partial on put that enforces
    ``value``."""
    plain, workspace_id = kv_workspace(http, org_name, alias="kv")
    auth = {"Authorization": f"Bearer {plain}"}
    _check(http.post("/api/v1/partials", headers=auth, json={
        "workspaceId": workspace_id, "integrationName": "kv-store", "integrationAlias": "kv",
        "actionName": "put", "name": "pinned-value", "values": {"value": ENFORCED_VALUE},
        "enforcedKeys": ["value"], "isDefault": True}))
    probe = http.post("/api/v1/actions/execute", headers=auth, json={
        "integrationName": "kv-store", "integrationAlias": "kv", "actionName": "put",
        "workspaceId": workspace_id, "input": {"key": "probe", "value": "client"}})
    probe.raise_for_status()
    if probe.json()["output"]["value"] != ENFORCED_VALUE:
        raise SystemExit(f"the enforced partial did not apply: {probe.text}")
    return plain, workspace_id


def _check(response: httpx.Response) -> None:
    if response.status_code >= 400:
        request = response.request
        raise SystemExit(f"{request.method} {request.url.path}: {response.status_code} {response.text}")


def run_wrk(wrk: str, args: argparse.Namespace, url: str, script: Path | None = None, *script_args: str) -> str:
    scripted = ["-s", str(script), url, "--", *script_args] if script else [url]
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration:g}s", "--latency",
               "--timeout", "10s", *scripted]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


def health_rps(wrk: str, args: argparse.Namespace, base: str) -> tuple[float, int]:
    """(req/s, requests) of /health."""
    out = run_wrk(wrk, args, base + "/health")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not found or not total:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return float(found.group(1)), int(total.group(1))


def _tree(pid: int) -> list[int]:
    """The server's process and its descendants (uvicorn's worker processes)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            pending.extend(int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except OSError:
            continue
    return found


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends do the statements' work)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cpu_seconds(pid: int, *, database: bool = False) -> float:
    """User + system CPU seconds used so far by the server's processes (from /proc, in clock ticks); with
    ``database``, by the PostgreSQL server's processes instead (all of them: other databases' work counts too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in (postgres_pids() if database else _tree(pid)):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextmanager
def profiled(pid: int, args: argparse.Namespace, name: str) -> Iterator[None]:
    """py-spy samples the server while the block runs (--profile DIR), into DIR/<name>.txt (collapsed stacks); only
    the thread holding the GIL is sampled, so the stacks show where Python spends CPU, not where threads wait."""
    if not args.profile:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = Path(args.profile) / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    recorder = subprocess.Popen([spy, "record", "-p", str(pid), "--subprocesses", "-d", f"{args.duration:g}",
                                 "-r", "250", "--gil", "-f", "raw", "-o", str(out), "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        recorder.wait(timeout=args.duration + 30)
        print(f"profile of {name}: {out}", flush=True)


def peak_rss_mb(pid: int) -> float:
    """The largest peak resident set (VmHWM) among the server's process and its children."""
    peaks = []
    for current in _tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peaks.append(int(found.group(1)) / 1024)
    return max(peaks, default=0.0)


def unreadable(database_url: str, keys: list[str]) -> int:
    """How many acknowledged keys are not stored with the enforced value."""
    from weavz_flow.engine.tables import kv_entries

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = {row.key: row.value for row in conn.execute(sa.select(kv_entries.c.key, kv_entries.c.value))}
    finally:
        engine.dispose()
    return sum(1 for key in keys if stored.get(key) != ENFORCED_VALUE)


def round_trips(database_url: str, calls: int = 50, seen: Counter[str] | None = None) -> float:
    """Database round trips of one execute through the app (in process: a count, not a timing), counted below
    SQLAlchemy so that statements the store sends on the driver's connection count too: on SQLite every statement
    the library runs (its trace callback; BEGIN and COMMIT included), on PostgreSQL every request the client sends
    and waits for (libpq's protocol trace: a simple Query, or an extended-protocol Sync)."""
    from fastapi.testclient import TestClient

    os.environ.update({"WEAVZ_FLOW_DATABASE_URL": database_url, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY,
                       "WEAVZ_FLOW_SECRET_KEY": SECRET_KEY})
    from weavz_flow.server.serve import app_from_env

    counting = False
    sqlite_statements = 0
    traces: list[Path] = []

    def on_statement(sql: str) -> None:
        nonlocal sqlite_statements
        if counting:
            sqlite_statements += 1
            if seen is not None:
                seen[" ".join(sql.split()[:3])] += 1

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if hasattr(dbapi_conn, "set_trace_callback"):  # sqlite3
            dbapi_conn.set_trace_callback(on_statement)
        elif hasattr(dbapi_conn, "pgconn"):  # psycopg
            from psycopg import pq

            trace = Path(tempfile.mkstemp(prefix="weavz-flow-pq-trace-")[1])
            traces.append(trace)
            dbapi_conn.pgconn.trace(os.open(trace, os.O_WRONLY | os.O_APPEND))
            dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def pq_requests() -> int:
        return sum(1 for trace in traces for line in trace.read_text(errors="replace").splitlines()
                   if re.match(r"F\s+\d+\s+(Query|Sync)\b", line))

    sa.event.listen(sa.pool.Pool, "connect", on_connect)
    try:
        with TestClient(app_from_env(), base_url="http://127.0.0.1") as client:
            key, workspace_id = bootstrap(client, "trips")
            auth = {"Authorization": f"Bearer {key}"}
            body = {"integrationName": "kv-store", "integrationAlias": "kv", "actionName": "put",
                    "workspaceId": workspace_id, "input": {"key": "warm", "value": 1}}
            for i in range(5):  # warm: caches filled, pools holding their connections
                body["input"] = {"key": f"warm-{i}", "value": i}
                client.post("/api/v1/actions/execute", headers=auth, json=body).raise_for_status()
            time.sleep(0.2)  # the warm calls' execution records are written (the writer lingers 20 ms)
            before_pq = pq_requests()
            counting = True
            for i in range(calls):
                body["input"] = {"key": f"trip-{i}", "value": i}
                client.post("/api/v1/actions/execute", headers=auth, json=body).raise_for_status()
        # Leaving the client closes the engine, which writes the execution records still queued: they count.
        return (sqlite_statements + pq_requests() - before_pq) / calls
    finally:
        sa.event.remove(sa.pool.Pool, "connect", on_connect)
        for trace in traces:
            trace.unlink(missing_ok=True)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"weavz_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(wrk: str, args: argparse.Namespace, name: str, database_url: str, workers: int, work: Path) -> Row:
    on_postgres = database_url.startswith("postgresql")
    port = _free_port()
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY, "WEAVZ_FLOW_SECRET_KEY": SECRET_KEY}
    server = subprocess.Popen([sys.executable, "-m", "weavz_flow", "serve", "--port", str(port), "--workers",
                               str(workers), "--database-url", database_url],
                              cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, "/health")
        with httpx.Client(base_url=base, timeout=30) as http:
            api_key, workspace_id = bootstrap(http, "bench")
        script = work / "execute.lua"
        script.write_text(LUA, encoding="utf-8")
        acked_file = work / f"acked-{port}.txt"
        warm = argparse.Namespace(**{**vars(args), "duration": 2.0})
        run_wrk(wrk, warm, base + "/api/v1/actions/execute", script, "warm", workspace_id,
                str(acked_file), api_key)
        before = cpu_seconds(server.pid)
        health, health_requests = health_rps(wrk, args, base)
        middle = cpu_seconds(server.pid)
        database_before = cpu_seconds(server.pid, database=True) if on_postgres else 0.0
        with profiled(server.pid, args, name.split(",")[0].lower()):
            out = run_wrk(wrk, args, base + "/api/v1/actions/execute", script, "bench", workspace_id,
                          str(acked_file), api_key)
        after = cpu_seconds(server.pid)
        database_cpu = cpu_seconds(server.pid, database=True) - database_before if on_postgres else 0.0
        result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
        rss = peak_rss_mb(server.pid)
    finally:
        _stop(server)
    keys = acked_file.read_text(encoding="utf-8").split()
    errors = result["non_2xx"] + result["connect"] + result["read"] + result["write"] + result["timeout"]
    errors += result["requests"] - result["ok"] - result["non_2xx"]  # a 200 without the put's answer
    trips = round_trips(database_url)
    return Row(name, health, result["requests"] / (result["duration_us"] / 1e6), result["p50_us"] / 1000,
               result["p99_us"] / 1000, errors, len(keys), unreadable(database_url, keys), rss, trips,
               (middle - before) * 1000 / max(health_requests, 1), (after - middle) * 1000 / max(result["requests"], 1),
               database_cpu * 1000 / max(result["requests"], 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per wrk run (default 20)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one store only")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where a database may be created for the run")
    parser.add_argument("--runs", type=int, default=1, help="runs per store, each on a new server and database; "
                        "with more than one, a median row per store follows (the ratio's median is of the runs' "
                        "ratios)")
    parser.add_argument("--profile", metavar="DIR", help="sample the server with py-spy during each execute run "
                        "(pip install py-spy) and write collapsed stacks to DIR/<store>.txt")
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="weavz-flow-throughput-"))
    runs: dict[str, list[Row]] = {}
    for run in range(1, args.runs + 1):  # the stores alternate, so that a slower spell of the machine hits both
        if args.only in (None, "sqlite"):
            sqlite_url = f"sqlite:///{work / f'api-{run}.db'}"
            runs.setdefault("SQLite", []).append(measure(wrk, args, "SQLite, --workers 1", sqlite_url, 1, work))
        if args.only in (None, "postgres"):
            try:
                with postgres_database(args.postgres_url) as url:
                    runs.setdefault("PostgreSQL", []).append(measure(wrk, args, "PostgreSQL, --workers 2", url, 2,
                                                                     work))
            except sa.exc.OperationalError as exc:
                print(f"PostgreSQL row skipped: cannot reach {args.postgres_url} ({exc.orig})")
                args.only = "sqlite"
    rows = [row for store in runs.values() for row in store]
    if args.runs > 1:
        rows += [median_row(f"{store[0].name}: median of {len(store)}", store) for store in runs.values()]

    print(f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, kv-store put through an alias with an "
          f"enforced default partial")
    print("| store, workers | /health req/s | execute req/s | execute / health | p50 / p99 | errors | writes "
          "| peak RSS | round trips / execute | server CPU per request, health / execute |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.line())
    return 0 if all(r.errors == 0 and r.unreadable == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
