"""Peak memory of a `weavz-flow serve` process before and after a 100 MB request body.

Starts the real CLI server (SQLite in a temporary folder) in a subprocess, reads its peak RSS (VmHWM from
/proc/PID/status) when idle, sends one 100 MB body with Content-Length and one chunked (no length), and reads the peak
again after each. With the streaming body limit (10 MiB by default) the body is refused with 413 and the peak barely
moves. Usage: ``python benchmarks/body_limit_memory.py [MEGABYTES]`` (Linux only).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

MIB = 1024 * 1024


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def chunks(total: int, size: int = MIB) -> Iterator[bytes]:
    yield b'{"name": "'
    for _ in range(total // size):
        yield b"a" * size
    yield b'", "slug": "big"}'


def send(url: str, content: bytes | Iterator[bytes]) -> str:
    try:
        response = httpx.post(f"{url}/api/v1/workspaces", content=content, timeout=120,
                              headers={"Content-Type": "application/json", "Authorization": "Bearer wvz_none"})
        return f"{response.status_code} {response.json().get('code')}"
    except httpx.TransportError as exc:  # the server may close the connection before it has read the whole body
        return f"connection closed by the server ({type(exc).__name__})"


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    total = megabytes * MIB
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "WEAVZ_FLOW_DATABASE_URL": f"sqlite:///{folder}/state.db"}
        server = subprocess.Popen([sys.executable, "-m", "weavz_flow", "serve", "--port", str(port)], env=env,
                                  cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(url)
            print(f"idle peak RSS: {peak_rss_mib(server.pid):.1f} MiB")
            body = b'{"name": "' + b"a" * total + b'", "slug": "big"}'
            print(f"{megabytes} MB with Content-Length: {send(url, body)}; "
                  f"peak RSS {peak_rss_mib(server.pid):.1f} MiB")
            del body
            print(f"{megabytes} MB chunked: {send(url, chunks(total))}; peak RSS {peak_rss_mib(server.pid):.1f} MiB")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
