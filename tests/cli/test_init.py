"""``weavz-flow init``: a starter project that validates, plans, applies and runs offline, as real processes in a
fresh folder; schema headers that name existing files; never an overwrite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HEADER = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def weavz_flow(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY", "WEAVZ_FLOW_SECRET_KEY",
                        "WEAVZ_FLOW_PROJECT")}
    return subprocess.run([sys.executable, "-m", "weavz_flow", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.timeout(300)
def test_init_then_validate_plan_apply_and_run(tmp_path: Path):
    made = weavz_flow(tmp_path, "init", "starter")
    assert made.returncode == 0, made.stderr
    root = tmp_path / "starter"
    assert (root / ".gitignore").read_text().splitlines()[-1] == ".weavz-flow/"

    valid = weavz_flow(root, "validate")
    assert valid.returncode == 0 and "valid (3 files checked)" in valid.stdout, valid.stdout + valid.stderr
    planned = weavz_flow(root, "plan", "--detailed-exitcode")
    assert planned.returncode == 2 and "Plan: 4 to add, 0 to change, 0 to destroy." in planned.stdout
    applied = weavz_flow(root, "apply", "--auto-approve")
    assert applied.returncode == 0 and "Apply complete! Resources: 4 added" in applied.stdout, applied.stderr
    converged = weavz_flow(root, "plan", "--detailed-exitcode")
    assert converged.returncode == 0 and "No changes." in converged.stdout
    ran = weavz_flow(root, "run", "hello", "-i", "name=you", "--json")
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["status"] == "succeeded"
    assert result["steps"][1]["output"] == {"hello": "you", "runs": {"key": "greetings:you",
                                                                     "value": [result["run_id"]]}}
    # The state stays where .gitignore keeps it out of git.
    assert (root / ".weavz-flow" / "state.db").is_file()


def test_every_yaml_names_the_schema_of_its_kind(tmp_path: Path):
    made = weavz_flow(tmp_path, "init", "p")
    assert made.returncode == 0, made.stderr
    root = tmp_path / "p"
    kinds = {"weavz-flow.yaml": "project", "workspaces/main.yaml": "workspace", "flows/hello.yaml": "flow"}
    for name, kind in kinds.items():
        first = (root / name).read_text().splitlines()[0]
        match = HEADER.match(first)
        assert match is not None, first
        schema = (root / name).parent / match.group(1)
        assert schema.resolve() == (root / "schemas" / f"{kind}.schema.json").resolve()
        assert json.loads(schema.read_text())["$id"].endswith(f"/{kind}.schema.json")
        assert yaml.safe_load((root / name).read_text())  # and the rest parses


def test_init_refuses_to_overwrite_and_names_the_files(tmp_path: Path):
    (tmp_path / "p" / "flows").mkdir(parents=True)
    (tmp_path / "p" / "flows" / "hello.yaml").write_text("mine\n")
    (tmp_path / "p" / ".gitignore").write_text("node_modules/\n")
    refused = weavz_flow(tmp_path, "init", "p")
    assert refused.returncode == 1
    assert "not overwriting existing files in p: .gitignore, flows/hello.yaml;" in refused.stderr
    assert (tmp_path / "p" / "flows" / "hello.yaml").read_text() == "mine\n"
    assert not (tmp_path / "p" / "weavz-flow.yaml").exists()  # nothing written at all
