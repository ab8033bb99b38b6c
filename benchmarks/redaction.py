"""What redaction costs per execute: building a :class:`Redactor` and redacting one typical action output.

The output is a Slack-like answer with some history (about 140 strings, 1.5 KB of JSON). Cases: a small answer
(8 strings) with one secret; one, two and three secrets of 40 characters that the output does not hold (the common
case); three secrets the output echoes (verbatim, upper-cased, truncated and JSON-escaped). Each sample builds the
Redactor and redacts the output once, as the engine does per execute. Prints the median microseconds per case.

    python benchmarks/redaction.py            # 20000 samples per case after 2000 warm-up ones
    python benchmarks/redaction.py -n 5000
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from weavz_flow.redact import Redactor

SECRETS = ("xoxb-0123456789-abcdefghijKLMNOPqrst-uvwx", "ghp_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8",
           "canary-s3cr3t-7f1e9b2a-4c5d-6e7f-8091a2b3")


def typical_output(echo: tuple[str, ...] = ()) -> dict[str, Any]:
    messages = [{"type": "message", "user": f"U0{i:04d}", "text": f"deploy {i} finished in 42s on eu-west-1",
                 "ts": f"1700000{i:03d}.000100", "team": "T0ACME", "blocks": [{"type": "rich_text",
                                                                               "block_id": f"b{i}"}]}
                for i in range(6)]
    out: dict[str, Any] = {"ok": True, "channel": "C0GENERAL", "ts": "1700000100.000200",
                           "message": {"type": "message", "subtype": "bot_message", "text": "benchmark message",
                                       "bot_id": "B0BENCH", "app_id": "A0BENCH", "username": "acme-bot"},
                           "history": messages, "response_metadata": {"warnings": ["missing_charset"]}}
    for i, secret in enumerate(echo):
        out[f"echo{i}"] = {"verbatim": f"Bearer {secret}", "upper": secret.upper(),
                           "truncated": secret[:14] + "…***",
                           "escaped": json.dumps({"t": secret}).replace(secret[3], f"\\u{ord(secret[3]):04x}")}
    return out


def _median_us(secrets: tuple[str, ...], output: dict[str, Any], n: int, warmup: int) -> float:
    for _ in range(warmup):
        Redactor(secrets).data(output)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        Redactor(secrets).data(output)
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--samples", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=2000)
    args = parser.parse_args()
    small = {"ok": True, "channel": "C0GENERAL", "ts": "1700000100.000200",
             "message": {"type": "message", "text": "benchmark message", "bot_id": "B0BENCH"}}
    cases = {
        "1 secret, a small output": (SECRETS[:1], small),
        "1 secret, not in the output": (SECRETS[:1], typical_output()),
        "2 secrets, not in the output": (SECRETS[:2], typical_output()),
        "3 secrets, not in the output": (SECRETS, typical_output()),
        "3 secrets, each echoed in 4 forms": (SECRETS, typical_output(SECRETS)),
    }
    for name, (secrets, output) in cases.items():
        print(f"{name:36s} median {_median_us(secrets, output, args.samples, args.warmup):8.1f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
