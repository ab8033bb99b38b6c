"""``validate`` never evaluates a template (expressions that would hang or take a gigabyte if computed return at
once), nor expands YAML aliases without bound. Each case runs the real CLI in a subprocess, killed if it has not
finished in time (a hang fails instead of stalling the suite), and reads its peak memory back from the kernel."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner.example_project import copy_examples

# Each would be computed by Jinja's constant folding while the template compiles.
DOS_EXPRESSIONS = [
    "{{ (10**(10**8)) > 1 }}",
    "{{ -(10**(10**8)) }}",
    "{{ 'x' ~ (10 ** (10 ** 8)) }}",
    "{{ ('a' * 10**9) | length }}",
    "{{ [0] * 10**9 }}",
    "{{ 'x' | indent(1000000000) }}",
    "{{ '%0999999999d' | format(1) }}",
    "{{ 'x' | center(1000000000) }}",
    "{% autoescape 'x' | indent(1000000000) %}{{ inputs.n }}{% endautoescape %}",
    "{% if 10 ** (10 ** 8) %}x{% endif %}",
]
PEAK_MEMORY_BOUND = 400 * 1024 * 1024  # validate of the example project needs a fraction; 'a' * 10**9 is 1 GB
KILL_AFTER_S = 60  # not a timing assertion: a hang becomes a failure instead of a stuck suite

FLOW = """\
flow: dos
workspace: acme-staging
inputs:
  n: {{type: integer, default: 1}}
steps:
  - id: put
    uses: kv.put
    if: "{expression}"
    with: {{key: dos, value: "{expression}"}}
"""


def validate(root: Path) -> tuple[int, str, int]:
    """Exit status, stdout and peak resident memory (bytes) of ``weavz-flow validate --json root``."""
    out = root.parent / "validate.out"
    with out.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen([sys.executable, "-m", "weavz_flow", "validate", "--json", str(root)],
                                   stdout=sink, stderr=subprocess.STDOUT, env=os.environ.copy())
    deadline = time.monotonic() + KILL_AFTER_S
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.kill(process.pid, signal.SIGKILL)
            os.wait4(process.pid, 0)
            pytest.fail(f"validate did not finish within {KILL_AFTER_S} s")
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    return process.returncode, out.read_text(encoding="utf-8"), usage.ru_maxrss * 1024


@pytest.mark.parametrize("expression", DOS_EXPRESSIONS)
def test_validate_does_not_evaluate_templates(expression: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              sdk_cache_dir: Path) -> None:
    root = copy_examples(tmp_path / "project", monkeypatch)
    (root / "flows" / "dos.yaml").write_text(FLOW.format(expression=expression.replace('"', '\\"')),
                                             encoding="utf-8")
    status, output, peak = validate(root)
    assert status == 0, output
    assert json.loads(output)["diagnostics"] == []
    assert peak < PEAK_MEMORY_BOUND, f"validate peaked at {peak // 2**20} MiB"


def test_validate_still_analyses_such_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               sdk_cache_dir: Path) -> None:
    root = copy_examples(tmp_path / "project", monkeypatch)
    expression = "{{ 'x' | indent(1000000000) ~ (10**(10**8)) ~ inputs.nope }}"
    (root / "flows" / "dos.yaml").write_text(FLOW.format(expression=expression), encoding="utf-8")
    status, output, _ = validate(root)
    assert status == 1, output
    codes = [d["code"] for d in json.loads(output)["diagnostics"]]
    assert codes == ["unknown-input", "unknown-input"]  # the 'if' and the 'with' value, nothing else


def test_validate_stops_expanding_a_yaml_alias_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    sdk_cache_dir: Path) -> None:
    root = copy_examples(tmp_path / "project", monkeypatch)
    lines = ["flow: dos", "workspace: acme-staging", 'x0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]" for i in range(1, 10)]  # 8**10 values
    lines += ["steps:", "  - id: put", "    uses: kv.put", "    with: {key: k, value: *a9}"]
    (root / "flows" / "dos.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, output, peak = validate(root)
    assert status == 1, output
    messages = [d["message"] for d in json.loads(output)["diagnostics"]]
    assert "YAML aliases expand to more than 200000 values" in messages
    assert peak < PEAK_MEMORY_BOUND, f"validate peaked at {peak // 2**20} MiB"
