"""How long loading the SDK catalog takes in a fresh process, with the cache present.

Prints medians over several new processes: the whole process wall time (start, load, one lookup, exit) beside a bare
``python -c pass``, and, timed inside the process, the module import, ``load_sdk_catalog()``, the first lookup of an
action (decodes one integration) and a repeated lookup. Usage: ``python benchmarks/catalog_load.py [RUNS]``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

PROBE = r"""
import json, time
t0 = time.perf_counter()
from weavz_flow.catalog.sdk_cache import load_sdk_catalog
t1 = time.perf_counter()
catalog = load_sdk_catalog()
t2 = time.perf_counter()
catalog.action("slack", "send_channel_message")
t3 = time.perf_counter()
for _ in range(1000):
    catalog.action("github", "create_issue")
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_lookup": t3 - t2, "warm_lookup": (t4 - t3) / 1000}))
"""


def wall(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    wall([sys.executable, "-c", PROBE])  # builds the cache first if it is missing
    baseline = [wall([sys.executable, "-c", "pass"])[0] for _ in range(runs)]
    walls: list[float] = []
    inner: dict[str, list[float]] = {}
    for _ in range(runs):
        elapsed, out = wall([sys.executable, "-c", PROBE])
        walls.append(elapsed)
        for key, value in json.loads(out).items():
            inner.setdefault(key, []).append(value)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.2f} ms"

    sys.stdout.write(f"runs: {runs} new processes (median)\n")
    sys.stdout.write(f"process wall, load + 1 lookup   {ms(walls)}\n")
    sys.stdout.write(f"process wall, python -c pass    {ms(baseline)}\n")
    sys.stdout.write(f"  import weavz_flow sdk_cache   {ms(inner['import'])}\n")
    sys.stdout.write(f"  load_sdk_catalog()            {ms(inner['load'])}\n")
    sys.stdout.write(f"  first lookup (decodes slack)  {ms(inner['first_lookup'])}\n")
    sys.stdout.write(f"  warm lookup                   {statistics.median(inner['warm_lookup']) * 1e6:8.2f} us\n")


if __name__ == "__main__":
    main()
