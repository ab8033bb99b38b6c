"""``validate`` never evaluates a template (expressions that would hang or take a gigabyte if computed return at
once), nor expands YAML aliases without bound. Each case runs the real CLI in a subprocess, killed if it has not
finished in time (a hang fails instead of stalling the suite), and reports its own peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
PEAK_MEMORY_BOUND = 256 * 1024 * 1024  # validate of the example project peaks near 40 MiB; 'a' * 10**9 is 1 GB
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


# The CLI as `python -m weavz_flow`, reporting its own peak memory as it exits. The kernel's rusage of a child would
# not do: its maximum includes the RSS of the process it was forked from (this test run), carried over exec.
_CLI_REPORTING_PEAK = """
import atexit, runpy, sys
def report_peak():
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print("peak-kib", peak, file=sys.stderr)
atexit.register(report_peak)
sys.argv = ["weavz-flow", *sys.argv[1:]]
runpy.run_module("weavz_flow", run_name="__main__")
"""


def validate(root: Path) -> tuple[int, str, int]:
    """Exit status, stdout and peak resident memory (bytes) of ``weavz-flow validate --json root``."""
    out, err = root.parent / "validate.out", root.parent / "validate.err"
    with out.open("w", encoding="utf-8") as stdout, err.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen([sys.executable, "-c", _CLI_REPORTING_PEAK, "validate", "--json", str(root)],
                                   stdout=stdout, stderr=stderr, env=os.environ.copy())
        try:
            status = process.wait(timeout=KILL_AFTER_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"validate did not finish within {KILL_AFTER_S} s")
    errors = err.read_text(encoding="utf-8")
    peak = [int(line.split()[1]) * 1024 for line in errors.splitlines() if line.startswith("peak-kib ")]
    assert peak, errors
    return status, out.read_text(encoding="utf-8"), peak[0]


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
