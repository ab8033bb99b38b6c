"""``weavz-flow mcp token SERVER``: a token for a YAML-declared, applied MCP server, printed alone on stdout (so it
can be piped), its expiry on stderr; on the local engine and on a remote backend (``weavz-flow serve`` on loopback).
Each token is checked against the engine that minted it: it authenticates, for the end user it was made for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.plan.project_files import WORKSPACE, write_project
from tests.server.accounts import bootstrap_account
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.engine.engine import Engine
from weavz_flow.errors import ApiError
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive

SERVERS = """\
mcp_servers:
  support-agent:
    tools: [{tool: kv.get}]
  ci:
    auth_mode: bearer
    tools: [{tool: kv.put}]
"""


@pytest.fixture(params=["local", "remote"])
def applied(request: pytest.FixtureRequest, project_root: Path, catalog: Catalog,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], Engine, dict[str, str]]]:
    """The project with its MCP servers, applied to a backend: the command-line options that reach it, the engine
    behind it and the servers' ids by name."""
    monkeypatch.delenv("WEAVZ_API_KEY", raising=False)
    write_project(project_root, WORKSPACE + SERVERS, staging=False)
    backend: Backend
    if request.param == "local":
        local = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
        backend, engine, options = local, local.engine, []
    else:
        server = request.getfixturevalue("live_server")
        account = bootstrap_account(server)
        backend, engine, options = RemoteBackend(account.url, Sensitive(account.api_key)), server.engine, [
            "--api-url", account.url]
        monkeypatch.setenv("WEAVZ_API_KEY", account.api_key)
    project = load_project(project_root)
    result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    ids = {s.name: s.id for s in backend.list_mcp_servers(backend.list_workspaces())}
    backend.close()
    yield options, engine, ids


def token(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["mcp", "token", *args, "--project", str(root)])


def test_an_end_users_token_alone_on_stdout(project_root, applied):
    options, engine, ids = applied
    result = token(project_root, "support-agent", "--end-user", "alice", "--expires", "30m", *options)
    assert result.exit_code == 0, result.output
    plain = result.stdout.removesuffix("\n")
    assert plain.startswith("mcp_") and "\n" not in plain and " " not in plain
    assert "for end user 'alice', expires at " in result.stderr and plain not in result.stderr
    access = engine.mcp_servers.authenticate(ids["support-agent"], plain)
    assert access.end_user_id == "alice" and access.server.name == "support-agent"


def test_an_oauth_token(project_root, applied):
    options, engine, ids = applied
    result = token(project_root, "support-agent", "--end-user", "alice", "--oauth", *options)
    assert result.exit_code == 0, result.output
    plain = result.stdout.removesuffix("\n")
    assert plain.startswith("mcpo_") and "OAuth access token" in result.stderr
    assert engine.mcp_servers.authenticate(ids["support-agent"], plain).end_user_id == "alice"


def test_a_new_static_bearer_replaces_the_old_one(project_root, applied):
    options, engine, ids = applied
    first = token(project_root, "ci", *options)
    assert first.exit_code == 0, first.output
    second = token(project_root, "ci", *options)
    assert second.exit_code == 0 and "the previous one no longer works" in second.stderr
    ci = ids["ci"]
    old, new = first.stdout.strip(), second.stdout.strip()
    assert old != new and new.startswith("mcp_")
    assert engine.mcp_servers.authenticate(ci, new).end_user_id is None
    with pytest.raises(ApiError) as refused:
        engine.mcp_servers.authenticate(ci, old)
    assert refused.value.status == 401


def test_clear_refusals(project_root, applied):
    options, _engine, _ids = applied
    unknown = token(project_root, "support-agnet", "--end-user", "alice", *options)
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert "MCP server 'support-agnet' is not declared in this project (did you mean 'support-agent'?)" in \
        unknown.stderr
    no_bearer = token(project_root, "support-agent", *options)  # an oauth server has no static bearer
    assert no_bearer.exit_code == 1 and no_bearer.stdout == "" and "no static bearer" in no_bearer.stderr
    usage = token(project_root, "ci", "--oauth", *options)
    assert usage.exit_code == 2 and "give --end-user" in usage.stderr
    bad = token(project_root, "support-agent", "--end-user", "alice", "--expires", "soon", *options)
    assert bad.exit_code == 2 and "duration" in bad.stderr


def test_a_declared_server_not_yet_applied(project_root, catalog):
    write_project(project_root, WORKSPACE + SERVERS + "  later:\n    tools: [{tool: kv.get}]\n", staging=False)
    local = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    project = load_project(project_root)
    assert apply_plan(make_plan(project, local), local).ok
    local.close()
    write_project(project_root, WORKSPACE + SERVERS + "  never:\n    tools: [{tool: kv.get}]\n", staging=False)
    result = token(project_root, "never", "--end-user", "alice")
    assert result.exit_code == 1 and result.stdout == ""
    assert "MCP server 'never' of workspace 'acme-prod' does not exist" in result.stderr
    assert "run `weavz-flow apply` first" in result.stderr

