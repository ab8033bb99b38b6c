"""``weavz-flow serve`` as an operator runs it: a real process, bootstrapped over HTTP, stopped with SIGTERM."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

SERVICE_KEY = "svc-serve-command-test-key-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.communicate()[1]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve did not become healthy within 60 s")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_bootstraps_logs_without_secrets_and_stops_on_sigterm(tmp_path: Path, workers: int) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY}
    env.pop("WEAVZ_FLOW_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port), "--workers", str(workers),
         "--database-url", str(tmp_path / "state.db")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_healthy(url, process)
        org = httpx.post(f"{url}/api/v1/orgs", json={"name": "ops"}, headers={"X-Service-Key": SERVICE_KEY})
        assert org.status_code == 201
        key = httpx.post(f"{url}/api/v1/api-keys", json={"name": "first"},
                         headers={"X-Service-Key": SERVICE_KEY, "X-Org-ID": org.json()["org"]["id"]})
        plain = key.json()["plainKey"]
        auth = {"Authorization": f"Bearer {plain}"}
        created = httpx.post(f"{url}/api/v1/workspaces?token=query-secret-123", json={"name": "W", "slug": "w"},
                             headers=auth)
        assert created.status_code == 201
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    output = out + err
    assert "curl -s -X POST" in output and "/api/v1/orgs" in output  # the bootstrap hint
    assert '"POST /api/v1/workspaces" 201' in output  # one access line per request
    assert '"GET /health" 200' in output
    for secret in (SERVICE_KEY, plain, "query-secret-123"):
        assert secret not in output
    assert (tmp_path / "state.db").exists()


def test_serve_without_service_key_says_how_to_enable_it(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "WEAVZ_FLOW_SERVICE_KEY"}
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        refused = httpx.post(f"http://127.0.0.1:{port}/api/v1/orgs", json={"name": "x"},
                             headers={"X-Service-Key": "anything"})
        assert refused.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "WEAVZ_FLOW_SERVICE_KEY" in err
    assert (tmp_path / ".weavz-flow" / "state.db").exists()  # the default database


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_on_port_zero_prints_the_port_it_listens_on(tmp_path: Path, workers: int) -> None:
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY}
    env.pop("WEAVZ_FLOW_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", "0", "--workers", str(workers),
         "--database-url", str(tmp_path / "state.db")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or ()], daemon=True).start()
    try:
        announced = None
        deadline = time.monotonic() + 60
        while announced is None and time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(queue.Empty):
                announced = re.search(r"weavz-flow API on (http://127\.0\.0\.1:(\d+)) ", lines.get(timeout=1))
        assert announced is not None, "serve never said where it listens"
        url, port = announced.group(1), int(announced.group(2))
        assert port != 0
        # No retry: the socket listens before the address is printed, so the first connection waits in the
        # backlog until the server accepts it instead of being refused.
        assert httpx.get(f"{url}/health", timeout=60).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0


def test_serve_hands_out_download_links_to_the_address_it_listens_on(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY}
    env.pop("WEAVZ_FLOW_DATABASE_URL", None)
    env.pop("WEAVZ_FLOW_PUBLIC_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port), "--database-url",
         str(tmp_path / "state.db")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_healthy(url, process)
        service = {"X-Service-Key": SERVICE_KEY}
        org = httpx.post(f"{url}/api/v1/orgs", json={"name": "ops"}, headers=service).json()["org"]["id"]
        key = httpx.post(f"{url}/api/v1/api-keys", json={"name": "k"}, headers={**service, "X-Org-ID": org})
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key.json()['plainKey']}"},
                          timeout=30) as api:
            ws = api.post("/api/v1/workspaces", json={"name": "Files", "slug": "files"}).json()["workspace"]["id"]
            api.post(f"/api/v1/workspaces/{ws}/integrations", json={
                "integrationName": "storage", "settings": {"persistence": {"scope": "workspace"}}})

            def run(action: str, data: dict[str, object]) -> httpx.Response:
                return api.post("/api/v1/actions/execute", json={"workspaceId": ws, "integrationName": "storage",
                                                                 "actionName": action, "input": data})

            assert run("write_file", {"path": "notes/a.txt", "content": "hello"}).status_code == 200
            link = run("get_download_url", {"path": "notes/a.txt"}).json()["output"]["url"]
        assert link.startswith(f"{url}/api/v1/files/download?token=")
        got = httpx.get(link, timeout=30)
        assert got.status_code == 200 and got.text == "hello"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0
