"""Cold start of ``weavz-flow validate examples/`` against importing the SDK's catalog module.

Each run is a new process with the catalog cache present (one unmeasured run first makes sure it is). Prints the
median wall time of 7 validate runs, the median of 3 ``python -c "import weavz_sdk.integrations"`` runs and their
ratio. Targets: validate under 0.5 s, at least 15 times faster than the import.

    python benchmarks/validate_cold.py [--runs 7] [--sdk-runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def wall_time(cmd: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sdk-runs", type=int, default=3)
    args = parser.parse_args()

    validate = [sys.executable, "-m", "weavz_flow", "validate", "examples/"]
    wall_time(validate)  # builds the catalog cache if it is missing; not measured
    validate_times = [wall_time(validate) for _ in range(args.runs)]
    sdk_times = [wall_time([sys.executable, "-c", "import weavz_sdk.integrations"]) for _ in range(args.sdk_runs)]

    v, s = statistics.median(validate_times), statistics.median(sdk_times)
    print(f"validate examples/ (cold process): median {v:.3f} s over {args.runs} runs "
          f"(min {min(validate_times):.3f}, max {max(validate_times):.3f})")
    print(f"import weavz_sdk.integrations:     median {s:.3f} s over {args.sdk_runs} runs")
    print(f"ratio: {s / v:.1f}x faster   targets: < 0.5 s {'OK' if v < 0.5 else 'MISSED'}, "
          f">= 15x {'OK' if s / v >= 15 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
