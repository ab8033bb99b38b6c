"""A canary secret appears 0 times wherever a run leaves a trace (issue 12: items 6 and 7, and its acceptance line).

Four canaries, one per way a secret comes in: a connection secret from ``{env:}``, one from ``{file:}``, a connection
created over the API (locally: through the backend protocol), and a flow ``secrets:`` value sent in an http header
and as a bearer token. The provider (tests/stubs/leaky.py) echoes every credential it receives verbatim, upper- and
lower-cased, truncated to ``prefix…***``, JSON ``\\u``-escaped inside a raw text body and nested deep in JSON, in
outputs and in provider errors. The real CLI runs validate, plan --out, apply FILE, run (text, --json, --dry-run) and
runs list/show (text, --json) on the local engine (SQLite; PostgreSQL) and against a real ``weavz-flow serve`` process
(SQLite; PostgreSQL); a direct API execute and its provider error go along. Then every byte that may hold a trace is
searched for every canary in every form (tests/security/canary_scan.py): the SQLite files with their -wal and -shm,
every row of every PostgreSQL table of the schema, the runs database, the saved plans, the project's state folder,
the server's log output, the test process's logs and all CLI output.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner

from tests.engine.engine_fixtures import postgres_schema as fresh_postgres_schema
from tests.engine.engine_fixtures import schema_url
from tests.security.canary_scan import CanaryScan
from tests.stubs.base import running
from tests.stubs.leaky import LeakyStub
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.specs import ConnectionSpec
from weavz_flow.cli.main import cli
from weavz_flow.errors import ApiError
from weavz_flow.integrations.base import Credentials
from weavz_flow.sensitive import Sensitive

SERVICE_KEY = "svc-canary-test-0123456789abcdef"
WORKSPACE = "canary"


def _canary(kind: str) -> str:
    return f"{kind}Q{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"  # 45 characters: fragments of 12 count


@pytest.fixture(scope="module")
def leaky() -> Iterator[LeakyStub]:
    with running(LeakyStub()) as stub:
        yield stub  # type: ignore[misc]


# -- the project --------------------------------------------------------------------------------------------------


def workspace_yaml(stub: str) -> dict[str, object]:
    return {
        "workspace": WORKSPACE,
        "name": "Canary",
        "connections": {
            "slack-env": {"integration": "slack", "type": "SECRET_TEXT", "secret": {"env": "CANARY_ENV_TOKEN"},
                          "base_url": stub},
            "slack-file": {"integration": "slack", "type": "SECRET_TEXT", "secret": {"file": "secrets/slack-token"},
                           "base_url": stub},
        },
        "end_users": {"api-user": {"display_name": "Owner of the API-made connection"}},
        "integrations": {
            "slack_env": {"integration": "slack", "connection": "slack-env"},
            "slack_file": {"integration": "slack", "connection": "slack-file"},
            "slack_user": {"integration": "slack", "strategy": "per_user"},
            "http": {"integration": "http"},
            "kv": {"integration": "kv-store", "settings": {"persistence": {"scope": "workspace"}}},
        },
    }


def flow_yaml(stub: str) -> dict[str, object]:
    http = {"queryParams": {}, "authType": "NONE"}
    return {
        "flow": "canary",
        "workspace": WORKSPACE,
        "secrets": {"tok": {"env": "CANARY_FLOW_TOKEN"}},
        "steps": [
            {"id": "header", "uses": "http.send_request", "with": {
                **http, "method": "POST", "url": stub + "/echo?key={{ secrets.tok }}",
                "headers": {"X-Api-Key": "{{ secrets.tok }}"},
                "body_type": "json", "body": {"data": {"note": "token {{ secrets.tok }}"}}}},
            {"id": "bearer_text", "uses": "http.send_request", "with": {
                **http, "method": "GET", "url": f"{stub}/echo.txt", "headers": {}, "authType": "BEARER_TOKEN",
                "authFields": {"token": "{{ secrets.tok }}"}}},
            {"id": "basic", "uses": "http.send_request", "with": {
                **http, "method": "GET", "url": f"{stub}/echo", "headers": {}, "authType": "BASIC",
                "authFields": {"username": "canary-user", "password": "{{ secrets.tok }}"}}},
            {"id": "env_conn", "uses": "slack_env.send_channel_message", "with": {"channel": "C0G", "text": "hi"}},
            {"id": "file_conn", "uses": "slack_file.send_channel_message", "with": {"channel": "C0G", "text": "hi"}},
            {"id": "api_conn", "uses": "slack_user.send_channel_message", "end_user": "api-user",
             "with": {"channel": "C0G", "text": "hi"}},
            {"id": "keep_echo", "uses": "kv.put", "with": {"key": "echo", "value": "{{ steps.header.output }}"}},
            {"id": "keep_secret", "uses": "kv.put", "with": {"key": "tok", "value": "Bearer {{ secrets.tok }}"}},
            {"id": "provider_error", "uses": "slack_env.send_channel_message", "continue_on_error": True,
             "with": {"channel": "FAIL", "text": "{{ secrets.tok }}"}},
            {"id": "http_error", "uses": "http.send_request", "continue_on_error": True, "with": {
                **http, "method": "POST", "url": f"{stub}/fail", "headers": {"X-Api-Key": "{{ secrets.tok }}"}}},
        ],
    }


def write_project(root: Path, backend: dict[str, object], stub: str, file_canary: str) -> None:
    (root / "workspaces").mkdir(parents=True)
    (root / "flows").mkdir()
    (root / "secrets").mkdir()
    (root / "secrets" / "slack-token").write_text(file_canary + "\n", encoding="utf-8")
    (root / "weavz-flow.yaml").write_text(yaml.safe_dump({"version": 1, "name": "canary", "backend": backend}))
    (root / "workspaces" / "canary.yaml").write_text(yaml.safe_dump(workspace_yaml(stub), sort_keys=False))
    (root / "flows" / "canary.yaml").write_text(yaml.safe_dump(flow_yaml(stub), sort_keys=False))


# -- where the engine runs ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def postgres_schema() -> Iterator[tuple[str, str]]:
    with fresh_postgres_schema() as found:
        yield found


TARGETS = ["local-sqlite", pytest.param("local-postgres", marks=pytest.mark.postgres),
           "serve-sqlite", pytest.param("serve-postgres", marks=pytest.mark.postgres)]


@dataclass
class Target:
    """Where the engine runs: the project's backend config, the store to search, and (for serve) its process."""

    name: str
    backend: dict[str, object]
    database_url: str | None = None  # the local engine's store, when not the project's SQLite file
    store_dir: Path | None = None  # serve's SQLite store folder (state.db, -wal, -shm, secret.key)
    postgres: tuple[str, str] | None = None  # (URL, schema) of a PostgreSQL store
    api: httpx.Client | None = None  # serve's API as the org's admin
    api_key: str = ""
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def remote(self) -> bool:
        return self.process is not None

    def stop(self) -> None:
        """Stop serve (SIGTERM: graceful), so that its log is complete and its SQLite files are as it leaves them."""
        if self.api is not None:
            self.api.close()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(60)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited during startup"
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve did not become healthy within 60 s")


def _start_serve(tmp_path: Path, name: str, database: str, store_dir: Path | None,
                 postgres: tuple[str, str] | None) -> Target:
    server_dir = tmp_path / "server"
    server_dir.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEAVZ_", "CANARY_"))}
    env.update(WEAVZ_FLOW_SERVICE_KEY=SERVICE_KEY, WEAVZ_FLOW_SECRET_KEY="canary-test-server-key-0123456789abcdef")
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "weavz_flow", "serve", "--port", str(port),
                                    "--database-url", database], cwd=server_dir, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    target = Target(name, {}, store_dir=store_dir, postgres=postgres, log_path=log_path, process=process)
    try:
        _wait_healthy(url, process)
        service = {"X-Service-Key": SERVICE_KEY}
        org = httpx.post(f"{url}/api/v1/orgs", json={"name": "canary"}, headers=service)
        assert org.status_code == 201, org.text
        key = httpx.post(f"{url}/api/v1/api-keys", json={"name": "admin"},
                         headers={**service, "X-Org-ID": org.json()["org"]["id"]})
        assert key.status_code == 201, key.text
    except BaseException:
        target.stop()
        raise
    target.api_key = key.json()["plainKey"]
    target.api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {target.api_key}"}, timeout=30)
    target.backend = {"type": "remote", "api_url": url, "api_key": {"env": "CANARY_WEAVZ_KEY"}}
    return target


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    name: str = request.param
    postgres = request.getfixturevalue("postgres_schema") if name.endswith("postgres") else None
    database = schema_url(*postgres) if postgres else None
    if name.startswith("local"):
        backend: dict[str, object] = {"type": "local", **({"database_url": database} if database else {})}
        yield Target(name, backend, database_url=database, postgres=postgres)
        return
    store_dir = None if postgres else tmp_path / "server"
    served = _start_serve(tmp_path, name, database or str(tmp_path / "server" / "state.db"), store_dir, postgres)
    try:
        yield served
    finally:
        served.stop()


class WalHolders:
    """Connections that keep SQLite files open between CLI commands: SQLite deletes a database's -wal file when
    its last connection closes, and the WAL is what the search must see too."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._open: list[sqlite3.Connection] = []

    def hold(self, name: str) -> None:
        path = self._folder / name
        if path.exists():
            conn = sqlite3.connect(path)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._open.append(conn)

    def close(self) -> None:
        for conn in self._open:
            conn.close()


# -- the API-made connection and a direct execute ---------------------------------------------------------------


def _local(root: Path, target: Target) -> LocalBackend:
    return LocalBackend(root / ".weavz-flow", target.database_url)


def create_api_connection(target: Target, root: Path, stub: str, secret: str) -> None:
    """The end user's connection, made over the API (locally, through the backend protocol) with a canary."""
    if target.api is not None:
        workspaces = target.api.get("/api/v1/workspaces").json()["workspaces"]
        [workspace] = [w for w in workspaces if w["slug"] == WORKSPACE]
        made = target.api.post("/api/v1/connections", json={
            "type": "SECRET_TEXT", "externalId": "api-conn", "displayName": "API made", "integrationName": "slack",
            "workspaceId": workspace["id"], "endUserId": "api-user", "secretText": secret, "baseUrl": stub})
        assert made.status_code == 201, made.text
        return
    backend = _local(root, target)
    try:
        [workspace] = [w for w in backend.list_workspaces() if w.slug == WORKSPACE]
        backend.create_connection(ConnectionSpec(
            integration="slack", external_id="api-conn", type="SECRET_TEXT", workspace_id=workspace.id,
            credentials=Credentials(type="SECRET_TEXT", secret_text=Sensitive(secret)), end_user="api-user",
            base_url=stub))
    finally:
        backend.close()


def execute_directly(target: Target, root: Path, scan: CanaryScan) -> None:
    """An execute with no flow around it (no redaction header): the server's own redaction of the credential."""
    calls = {"ok": {"channel": "C0G", "text": "hi"}, "provider error": {"channel": "FAIL", "text": "hi"}}
    if target.api is not None:
        workspaces = target.api.get("/api/v1/workspaces").json()["workspaces"]
        [workspace] = [w for w in workspaces if w["slug"] == WORKSPACE]
        for label, values in calls.items():
            answer = target.api.post("/api/v1/actions/execute", json={
                "integrationName": "slack", "actionName": "send_channel_message", "workspaceId": workspace["id"],
                "integrationAlias": "slack_user", "endUserId": "api-user", "input": values})
            assert answer.status_code == (200 if label == "ok" else 400), answer.text
            scan.search(f"API execute response ({label})", answer.text)
        return
    backend = _local(root, target)
    try:
        for label, values in calls.items():
            call = ExecuteCall(WORKSPACE, "slack", "send_channel_message", values, alias="slack_user",
                               end_user="api-user")
            try:
                outcome = backend.execute(call)
                scan.search(f"execute output ({label})", json.dumps(outcome.output))
            except ApiError as exc:
                assert label == "provider error", exc
                scan.search(f"execute error ({label})", json.dumps(exc.to_body()) + str(exc))
    finally:
        backend.close()


def search_postgres(scan: CanaryScan, base: str, schema: str) -> None:
    """Every row of every table in the schema, each row cast to text (all its columns)."""
    engine = sa.create_engine(base)
    try:
        with engine.connect() as conn:
            tables = conn.execute(sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                                  {"s": schema}).scalars().all()
            assert "executions" in tables and "idempotency_records" in tables, tables
            for table in tables:
                rows = conn.execute(sa.text(f'SELECT CAST(t AS text) FROM "{schema}"."{table}" t')).scalars().all()
                scan.search(f"PostgreSQL {schema}.{table}", "\n".join(rows))
    finally:
        engine.dispose()


# -- the test -----------------------------------------------------------------------------------------------------


def test_a_canary_secret_leaves_no_trace(target: Target, leaky: LeakyStub, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = {kind: _canary(kind) for kind in ("env", "file", "api", "flow")}
    scan = CanaryScan(canaries)
    root = tmp_path / "project"
    write_project(root, target.backend, leaky.url, canaries["file"])
    for name in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY", "WEAVZ_FLOW_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CANARY_ENV_TOKEN", canaries["env"])
    monkeypatch.setenv("CANARY_FLOW_TOKEN", canaries["flow"])
    monkeypatch.setenv("CANARY_WEAVZ_KEY", target.api_key)
    monkeypatch.chdir(root)
    leaky.reset()

    def run_cli(label: str, *args: str) -> str:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, f"{label}: {result.output}"
        scan.search(f"CLI {label}", result.stdout + result.stderr)
        return result.stdout

    plan_file, later_plan = tmp_path / "plan.json", tmp_path / "plan-after.json"
    run_cli("validate", "validate")
    run_cli("plan --out", "plan", "--out", str(plan_file))
    run_cli("apply FILE", "apply", str(plan_file))
    holders = WalHolders(root / ".weavz-flow")
    holders.hold("state.db")
    create_api_connection(target, root, leaky.url, canaries["api"])
    execute_directly(target, root, scan)
    run_cli("run", "run", "canary")
    result = json.loads(run_cli("run --json", "run", "canary", "--json"))
    run_cli("run --dry-run", "run", "canary", "--dry-run")
    run_cli("run --dry-run --json", "run", "canary", "--dry-run", "--json")
    run_cli("runs list", "runs", "list")
    run_cli("runs list --json", "runs", "list", "--json")
    run_cli("runs show", "runs", "show", result["run_id"])
    run_cli("runs show --json", "runs", "show", result["run_id"], "--json")
    run_cli("plan --out, after the runs", "plan", "--out", str(later_plan))
    run_cli("plan --json", "plan", "--json")

    # Not vacuous: every canary did reach the provider, which echoed it, and the run went as the flow says.
    sent = {r.bearer for r in leaky.requests} | {r.headers.get("x-api-key") for r in leaky.requests}
    assert set(canaries.values()) <= sent
    steps = {s["id"]: s for s in result["steps"]}
    assert result["status"] == "succeeded", result
    assert steps["provider_error"]["status"] == steps["http_error"]["status"] == "failed"
    assert all(steps[s]["status"] == "succeeded" for s in ("header", "basic", "env_conn", "file_conn", "api_conn"))
    assert any((r.headers.get("authorization") or "").startswith("Basic ") for r in leaky.requests)
    assert "[REDACTED]" in json.dumps(steps["header"]["output"])

    # While the stores are open, their -wal files hold the pages written since the last checkpoint.
    scan.search_files(root / ".weavz-flow", "project .weavz-flow (open)")
    if target.store_dir is not None:
        scan.search_files(target.store_dir, "serve's store (open)")
    if not target.name.endswith("postgres"):
        assert any(where.endswith("-wal") for where in scan.searched), scan.searched
    holders.close()
    target.stop()
    scan.search("saved plan", plan_file.read_bytes())
    scan.search("saved plan, after the runs", later_plan.read_bytes())
    scan.search_files(root / ".weavz-flow", "project .weavz-flow")
    if target.store_dir is not None:
        scan.search_files(target.store_dir, "serve's store")
    if target.postgres is not None:
        search_postgres(scan, *target.postgres)
    if target.log_path is not None:
        scan.search("serve log", target.log_path.read_bytes())
    scan.search("this process's log records", caplog.text)
    # The run records are in the project's store (revision 0007), on the server's PostgreSQL for local-postgres.
    assert not (root / ".weavz-flow" / "runs.db").exists()
    assert "project .weavz-flow/state.db" in scan.searched or target.name == "local-postgres"
    assert not scan.leaks, "\n".join(str(leak) for leak in scan.leaks)
