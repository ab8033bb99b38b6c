"""Save-to-plan latency of ``weavz-flow watch``: from the moment a save completes to the moment the new plan's
summary line is read from the watch process's stdout.

The example project is copied to a temporary directory (placeholder secrets in the environment, the local backend),
``python -m weavz_flow watch`` is started on it, and each save adds one kv-store alias to the staging workspace:
odd saves write the file in place, even ones write a temporary file and rename it over the original (as many editors
do). Prints the median, p90 and maximum latency (the issue's bar: a new plan within a second of each save).

    python benchmarks/watch_latency.py              # 20 saves
    python benchmarks/watch_latency.py -n 50 --pause 0.2
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def placeholder_env() -> dict[str, str]:
    """The example project's placeholder credentials, as `make demo` exports them (examples/demo.env)."""
    lines = (EXAMPLES / "demo.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#"))


SUMMARY = re.compile(r"^(Plan: \d+ to add, \d+ to change, \d+ to destroy\.|No changes\. )")


def copy_project(dest: Path) -> Path:
    shutil.copytree(EXAMPLES, dest, ignore=shutil.ignore_patterns("broken", ".weavz-flow"))
    (dest / "secrets").mkdir(exist_ok=True)
    (dest / "secrets" / "sheets-refresh-token").write_text("1//refresh-placeholder\n", encoding="utf-8")
    return dest


def with_aliases(base: str, count: int) -> str:
    """The staging workspace with ``count`` extra kv-store aliases, added at the end of its integrations."""
    extra = "".join(f"  bench{i}:\n    integration: kv-store\n" for i in range(1, count + 1))
    head, sep, tail = base.partition("\npartials:")
    return head.rstrip("\n") + "\n" + extra + sep + tail


def save(path: Path, text: str, by_rename: bool) -> None:
    if by_rename:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        path.write_text(text, encoding="utf-8")


class Lines:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._queue: queue.Queue[tuple[float, str] | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(process,), daemon=True).start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._queue.put((time.monotonic(), line.rstrip("\n")))
        self._queue.put(None)

    def until(self, pattern: re.Pattern[str], timeout_s: float) -> float:
        end = time.monotonic() + timeout_s
        while True:
            item = self._queue.get(timeout=max(end - time.monotonic(), 0.01))
            if item is None:
                raise SystemExit("watch exited early")
            if pattern.search(item[1]):
                return item[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--saves", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between a plan and the next save")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        workspace = root / "workspaces" / "acme-staging.yaml"
        base = workspace.read_text(encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if k not in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY")}
        env.update(placeholder_env(), PYTHONUNBUFFERED="1")
        process = subprocess.Popen([sys.executable, "-m", "weavz_flow", "watch", str(root)], cwd=root, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        latencies: list[float] = []
        try:
            lines = Lines(process)
            started = time.monotonic()
            lines.until(SUMMARY, timeout_s=120)
            print(f"first plan {time.monotonic() - started:.2f} s after start")
            for i in range(1, args.saves + 1):
                time.sleep(args.pause)
                save(workspace, with_aliases(base, i), by_rename=i % 2 == 0)
                saved_at = time.monotonic()
                lines.until(re.compile(rf"# workspace\.acme-staging/integration\.bench{i} will be created"), 10)
                latencies.append(lines.until(SUMMARY, 10) - saved_at)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    print(f"{len(ms)} saves: median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms, max {ms[-1]:.0f} ms "
          f"(bar: 1000 ms)")


if __name__ == "__main__":
    main()
