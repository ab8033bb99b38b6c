"""Cold start of three commands, this checkout against another (issue 20: integrations load lazily, so adding
integrations must not slow these down).

Each command runs in a new process, with the catalog cache warm (one unmeasured run per checkout first), the two
checkouts interleaved so that both see the same machine load. Reported per command and checkout: the median CPU time
(user + system of the child, which another process on the machine disturbs far less than wall time) and the median
wall time, and the ratio of this checkout's CPU median to the other's.

    python benchmarks/cold_start.py --other /path/to/older/checkout [--runs 11]

The commands: ``weavz-flow validate`` of one project for both (``--project``; by default the other checkout's
``examples/``, which both can read, so that both do the same work), ``weavz-flow integrations list``, and engine
start-up (``Engine.open`` of a new SQLite store, migrations included, then close).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENGINE_START = ("import sys, tempfile, pathlib; from weavz_flow.engine.engine import Engine; "
                "d = pathlib.Path(tempfile.mkdtemp()); Engine.open(d / 'state.db').close()")


def commands(project: Path) -> dict[str, list[str]]:
    return {
        "validate": [sys.executable, "-m", "weavz_flow", "validate", "--no-secrets", str(project)],
        "integrations list": [sys.executable, "-m", "weavz_flow", "integrations", "list"],
        "engine start-up": [sys.executable, "-c", ENGINE_START],
    }


def run(cmd: list[str], src: Path, cache: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(src), "WEAVZ_FLOW_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} with {src} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--other", type=Path, required=True, help="the checkout to compare with (its src/ is used)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--project", type=Path, help="the project both validate (default: OTHER/examples)")
    args = parser.parse_args()
    roots = {"this": REPO, "other": args.other.resolve()}
    with tempfile.TemporaryDirectory() as tmp:
        caches = {name: Path(tmp) / name for name in roots}
        print(f"{'command':<20} {'checkout':<6} {'cpu median':>11} {'wall median':>12}")
        project = args.project or roots["other"] / "examples"
        for label, cmd in commands(project).items():
            cmds = {name: cmd for name in roots}
            for name, root in roots.items():
                run(cmds[name], root / "src", caches[name])  # warm the checkout's catalog cache
            cpu: dict[str, list[float]] = {name: [] for name in roots}
            wall: dict[str, list[float]] = {name: [] for name in roots}
            for _ in range(args.runs):
                for name, root in roots.items():
                    c, w = run(cmds[name], root / "src", caches[name])
                    cpu[name].append(c)
                    wall[name].append(w)
            for name in roots:
                print(f"{label:<20} {name:<6} {statistics.median(cpu[name]) * 1000:>9.0f} ms "
                      f"{statistics.median(wall[name]) * 1000:>9.0f} ms")
            ratio = statistics.median(cpu["this"]) / statistics.median(cpu["other"])
            print(f"{label:<20} ratio  {ratio:>10.2f}x (this / other, CPU)")


if __name__ == "__main__":
    main()
