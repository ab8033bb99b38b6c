"""``weavz-flow connect link`` prints a working portal link for an end user named by workspace slug and externalId,
on the local engine and against a live ``weavz-flow serve`` (the remote backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner

from tests.plan.project_files import WORKSPACE, write_project
from tests.server.accounts import LiveServer, bootstrap_account
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.engine.stamps import parse_time
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive

PORTAL_WORKSPACE = WORKSPACE.replace(
    "integrations:\n",
    "integrations:\n  github: {integration: github, strategy: per_user, end_user_connect: portal}\n", 1)


def _apply(root, backend) -> None:
    project = load_project(root)
    result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _token(url: str) -> str:
    token = parse_qs(urlsplit(url).query)["token"][0]
    assert token.startswith("eut_")
    return token


def test_a_link_from_the_local_engine(project_root, catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(project_root, PORTAL_WORKSPACE, staging=False)
    backend = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    try:
        _apply(project_root, backend)
    finally:
        backend.close()
    monkeypatch.delenv("WEAVZ_FLOW_PUBLIC_URL", raising=False)
    before = datetime.now(UTC)
    result = _run("connect", "link", "-p", str(project_root), "--workspace", "acme-prod", "--end-user", "alice",
                  "--integration", "github", "--expires", "1h")
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("http://127.0.0.1:8080/connect/portal?token=eut_")
    assert "Expires" in result.stderr and "send it to them only" in result.stderr

    backend = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    try:
        view = backend.engine.portal_tokens.view(_token(url))
    finally:
        backend.close()
    assert view.end_user.external_id == "alice" and view.token.integration_name == "github"
    assert [e.alias.alias for e in view.entries] == ["github"]  # the one alias that declares the portal
    assert before + timedelta(hours=1) - timedelta(seconds=1) <= parse_time(view.token.expires_at) \
        <= datetime.now(UTC) + timedelta(hours=1)

    elsewhere = _run("connect", "link", "-p", str(project_root), "--workspace", "acme-prod", "--end-user", "alice",
                     "--base-url", "https://connect.acme.example/", "--json")
    assert elsewhere.exit_code == 0, elsewhere.output
    assert '"connectUrl": "https://connect.acme.example/connect/portal?token=eut_' in elsewhere.stdout


@pytest.mark.parametrize("args,message", [
    (["--end-user", "nobody"], "End user 'nobody' not found"),
    (["--expires", "30m"], "--expires"),
    (["--expires", "31d"], "--expires"),
    (["--expires", "soon"], "--expires"),
])
def test_mistakes_are_one_clear_line(project_root, catalog, args, message) -> None:
    write_project(project_root, PORTAL_WORKSPACE, staging=False)
    backend = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    try:
        _apply(project_root, backend)
    finally:
        backend.close()
    base = ["connect", "link", "-p", str(project_root), "--workspace", "acme-prod", "--end-user", "alice"]
    result = _run(*base, *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_link_from_a_remote_backend(project_root, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path) -> None:
    account = bootstrap_account(live_server)
    write_project(project_root, PORTAL_WORKSPACE, staging=False)
    backend = RemoteBackend(account.url, Sensitive(account.api_key), lock_dir=tmp_path / "locks")
    try:
        _apply(project_root, backend)
    finally:
        backend.close()
    monkeypatch.setenv("WEAVZ_API_URL", account.url)
    monkeypatch.setenv("WEAVZ_API_KEY", account.api_key)
    result = _run("connect", "link", "-p", str(project_root), "--workspace", "acme-prod", "--end-user", "alice")
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith(f"{account.url}/connect/portal?token=eut_")  # the server's own address
    page = httpx.get(url)
    assert page.status_code == 200 and "Alice" in page.text and "github" in page.text
    _token(url)

    missing = _run("connect", "link", "-p", str(project_root), "--workspace", "acme-prod", "--end-user", "nobody")
    assert missing.exit_code == 1 and "End user 'nobody' not found" in missing.output
