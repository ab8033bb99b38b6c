"""A webhook flow on ``serve --scheduler`` (issue 18's webhook-flow acceptance): a POST to its URL with a valid
signature starts one run with the body in ``trigger.data``; a bad signature is 401 and starts nothing; the same event
id twice is one run."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.schedule.event_project import SECRET_KEY, applied, sqlite_runs
from tests.schedule.sched_project import wait_until, write_project
from tests.schedule.test_schedule_cli import OutputReader

BOUND_S = 120.0  # bounds against a hang, never timings
HOOK_SECRET = "flow-hook-secret-0123456789"

HOOK_FLOW = """\
flow: inbox
workspace: lab
on:
  - webhook: {path: hooks/inbox, secret: {env: INBOX_HOOK_SECRET}}
steps:
  - id: title
    uses: kv.put
    with: {key: "inbox:{{ trigger.id }}", value: "{{ trigger.data.body.title }}"}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_project(tmp_path / "project", {"inbox": HOOK_FLOW}, monkeypatch)
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("INBOX_HOOK_SECRET", HOOK_SECRET)
    return applied(root)


def signed(body: bytes, secret: str = HOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_webhook_flow_runs_once_per_event_and_refuses_a_bad_signature(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL")}
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--scheduler", "--project", str(project), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=project, text=True)
    reader = OutputReader(process)
    try:
        wait_until(lambda: reader.has("Uvicorn running on") or process.poll() is not None, "the server", BOUND_S)
        assert process.poll() is None, reader.text(5)
        found = re.search(r"Uvicorn running on (http://\S+)", "\n".join(reader.lines))
        assert found is not None
        url = f"{found.group(1)}/api/v1/webhooks/flows/hooks/inbox"
        body = json.dumps({"title": "{{ 7*7 }}"}).encode()
        with httpx.Client(timeout=30) as http:
            def post(signature: str, event_id: str) -> httpx.Response:
                return http.post(url, content=body, headers={"Content-Type": "application/json",
                                                             "X-Signature-256": signature, "X-Event-Id": event_id})

            # The scheduler registers the flow's webhook on its first tick; until then the path is unknown (404).
            bad = wait_until(lambda: (r := post(signed(body, "wrong"), "e0")).status_code != 404 and r,
                             "the webhook to be registered", BOUND_S)
            assert bad.status_code == 401 and bad.json()["code"] == "WEBHOOK_SIGNATURE_INVALID"
            assert HOOK_SECRET not in bad.text
            first = post(signed(body), "e1")
            assert (first.status_code, first.json()) == (202, {"received": 1})
            again = post(signed(body), "e1")  # the sender retried the same delivery
            assert (again.status_code, again.json()) == (202, {"received": 0})
        wait_until(lambda: sqlite_runs(project, "inbox"), "the run of the event", BOUND_S)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=BOUND_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = reader.text(BOUND_S)
    assert process.returncode == 0, output
    # One run: the refused request started nothing, the retried delivery was the same event; its data not rendered.
    assert sqlite_runs(project, "inbox") == [("succeeded", "{{ 7*7 }}", "event")]
    assert HOOK_SECRET not in output and "Traceback" not in output
