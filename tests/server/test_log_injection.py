"""A request path cannot forge access-log lines: ``weavz-flow serve`` as an operator runs it, its stderr read back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.server.test_serve_command import _free_port, _wait_healthy

FORGED = '10.0.0.9 "GET /api/v1/admin" 200 0.1ms'
# what a path holds before the forged line -> how the log shows it
SEPARATORS = {"%0A": "\\n", "%0D": "\\r", "%0D%0A": "\\r\\n", "%E2%80%A8": "\\u2028", "%1B[2K": "\\x1b[2K"}


def test_control_characters_in_a_path_are_escaped_in_the_access_log(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_FLOW_SERVICE_KEY")}
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port), "--database-url", str(tmp_path / "s.db")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    forged = FORGED.replace(" ", "%20").replace('"', "%22")
    try:
        _wait_healthy(url, process)
        for separator in SEPARATORS:
            answer = httpx.get(f"{url}/nothing-here{separator}{forged}")
            assert answer.status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    lines = (out + err).splitlines()
    access = [line for line in lines if "/nothing-here" in line]
    assert len(access) == 5, lines  # one line per request, each whole
    for escaped in SEPARATORS.values():
        assert any(f'"GET /nothing-here{escaped}{FORGED}" 404' in line for line in access), (escaped, access)
    assert not any(line.lstrip().startswith(FORGED) or line.startswith("\r") for line in lines)
    assert not any(c in line for line in lines for c in ("\r", "\u2028", "\x1b"))
