"""``weavz-flow serve`` warns, on one line, when its service key is short or a placeholder, and still accepts it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.server.test_serve_command import _free_port, _wait_healthy


def _serve_stderr(tmp_path: Path, key: str) -> str:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": key}
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port), "--database-url",
         str(tmp_path / "state.db")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_healthy(url, process)
        accepted = httpx.post(f"{url}/api/v1/orgs", json={"name": "dev"}, headers={"X-Service-Key": key})
        assert accepted.status_code == 201, accepted.text
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out + err


def _key_warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "WEAVZ_FLOW_SERVICE_KEY" in line and "warning" in line]


@pytest.mark.parametrize(("key", "problem"), [
    ("dev-key-123", "shorter than 32 characters"),
    ("change-me-to-a-long-random-string", "looks like a placeholder"),
])
def test_a_weak_service_key_gets_one_warning_line(tmp_path: Path, key: str, problem: str) -> None:
    output = _serve_stderr(tmp_path, key)
    warnings = _key_warnings(output)
    assert len(warnings) == 1, output
    assert problem in warnings[0]
    assert key not in output


def test_a_strong_service_key_gets_no_warning(tmp_path: Path) -> None:
    output = _serve_stderr(tmp_path, secrets.token_urlsafe(32))
    assert _key_warnings(output) == [], output
