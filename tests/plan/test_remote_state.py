"""State and lock that live with the backend (issue 13, Build 1-2 and the first Acceptance line).

A real ``weavz-flow serve`` app under uvicorn on 127.0.0.1 (the ``live_server`` fixture), and the CLI as separate
processes from two copies of one project, each with its own HOME and TMPDIR, as two CI runners would be.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.plan import paused_apply
from tests.plan.project_files import STAGING, WORKSPACE, write_project
from tests.server.accounts import Account, LiveServer, bootstrap_account
from tests.server.live_server import serve_weavz_flow
from tests.stubs.base import running
from tests.stubs.slack import SlackStub
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.kv_lock import LOCK_KEY, holders
from weavz_flow.backends.kv_state import STATE_ALIAS, STATE_WORKSPACE
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.sdk_cache import default_cache_dir
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.model import Action
from weavz_flow.plan.saved import StalePlanError, check_still_valid, load_plan, save_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive

TOKEN = "xoxb-remote-state-1"
LEASE_S = "2"


@pytest.fixture(scope="module")
def state_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The server with the full catalog (kv-store's delete and remove_from_list, as hosted Weavz has them)."""
    state = tmp_path_factory.mktemp("state-server")
    with serve_weavz_flow(f"sqlite:///{state / 'state.db'}", state / "secret.key") as server:
        yield server


@pytest.fixture
def account(state_server: LiveServer) -> Account:
    return bootstrap_account(state_server)


def copy(tmp_path: Path, name: str, workspace: str = WORKSPACE) -> Path:
    """One checkout of the project: its files only, no ``.weavz-flow/``."""
    return write_project(tmp_path / name / "project", workspace)


def env_for(root: Path, account: Account, **extra: str) -> dict[str, str]:
    """A runner's environment: its own HOME and TMPDIR, the API and its key, the secret, nothing else of ours."""
    home, tmp = root.parent / "home", root.parent / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEAVZ_", "TEST_", "XDG_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), WEAVZ_API_URL=account.url, WEAVZ_API_KEY=account.api_key,
               TEST_SLACK_TOKEN=TOKEN, WEAVZ_FLOW_LOCK_LEASE=LEASE_S, PYTHONUNBUFFERED="1",
               # The SDK catalog cache (integration metadata, no state) as a CI cache restore would bring it:
               # without it each fresh HOME spends its first seconds extracting the catalog.
               WEAVZ_FLOW_CACHE_DIR=str(default_cache_dir()), **extra)
    return env


def cli(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weavz_flow", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=180)


def start(root: Path, env: dict[str, str], *args: str, pause: float = 0) -> subprocess.Popen[str]:
    """The CLI in the background; ``pause`` seconds after each applied object, to kill or contend it mid-apply."""
    argv = paused_apply.command(pause, *args) if pause else [sys.executable, "-m", "weavz_flow", *args]
    return subprocess.Popen(argv, cwd=root, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def remote(account: Account) -> RemoteBackend:
    return RemoteBackend(account.url, Sensitive(account.api_key))


def live_counts(account: Account) -> dict[str, list[str]]:
    """What is live, as the project sees it (the reserved state workspace and alias hidden)."""
    backend = remote(account)
    try:
        workspaces = backend.list_workspaces()
        snaps = backend.snapshots(workspaces)
        return {
            "workspaces": sorted(w.slug for w in workspaces),
            "connections": sorted(c.external_id for c in backend.list_connections()),
            "aliases": sorted(a.alias for s in snaps for a in s.aliases),
            "partials": sorted(p.name for s in snaps for p in s.partials),
            "end_users": sorted(e.external_id for s in snaps for e in s.end_users),
        }
    finally:
        backend.close()


CONVERGED = {"workspaces": ["acme-prod", "acme-staging"], "connections": ["slack-prod"],
             "aliases": ["http", "kv", "slack_bot"], "partials": ["alerts"], "end_users": ["alice"]}


def test_a_fresh_checkout_plans_no_changes_and_one_changed_secret_is_one_change(tmp_path, account):
    a = copy(tmp_path, "a")
    env_a = env_for(a, account)
    first = cli(a, env_a, "apply", "--auto-approve")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Apply complete! Resources: 8 added, 0 changed, 0 destroyed." in first.stdout

    b = copy(tmp_path, "b")
    env_b = env_for(b, account)
    fresh = cli(b, env_b, "plan", "--detailed-exitcode")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "No changes." in fresh.stdout
    assert "rotating it shows every secret as changed once" in fresh.stderr  # keyed by the API key: said once
    assert not (b / ".weavz-flow").exists() and not (a / ".weavz-flow").exists()  # nothing kept on a runner

    env_b["TEST_SLACK_TOKEN"] = "xoxb-remote-state-2"
    changed = cli(b, env_b, "plan", "--detailed-exitcode")
    assert changed.returncode == 2, changed.stdout + changed.stderr
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in changed.stdout
    assert "+/- workspace.acme-prod/connection.slack-prod" in changed.stdout
    assert "(sensitive value changed)" in changed.stdout and "xoxb-remote-state" not in changed.stdout
    applied = cli(b, env_b, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete! Resources: 1 added, 0 changed, 1 destroyed." in applied.stdout
    assert live_counts(account) == CONVERGED  # no stand-in left behind

    # A still has the old secret: from its checkout, exactly that one credential differs now.
    stale = cli(a, env_a, "plan", "--detailed-exitcode")
    assert stale.returncode == 2 and "Plan: 1 to add, 0 to change, 1 to destroy." in stale.stdout
    env_a["TEST_SLACK_TOKEN"] = "xoxb-remote-state-2"
    assert cli(a, env_a, "plan", "--detailed-exitcode").returncode == 0


def test_the_state_is_never_part_of_a_plan_or_an_import(tmp_path, account):
    a = copy(tmp_path, "a")
    env = env_for(a, account)
    assert cli(a, env, "apply", "--auto-approve").returncode == 0
    pruning = cli(a, env, "plan", "--prune", "--json")
    assert pruning.returncode == 0, pruning.stderr
    assert STATE_WORKSPACE not in pruning.stdout and STATE_ALIAS not in pruning.stdout
    # The state really is there, under the reserved alias in the reserved workspace.
    backend = remote(account)
    try:
        assert STATE_WORKSPACE in {w.slug for w in backend.all_workspaces()}
        doc = backend.state.get("state")
        assert doc["serial"] >= 1 and "workspace.acme-prod/connection.slack-prod" in doc["connections"]
        assert len(doc["managed"]) == 8  # every object apply made is recorded as this project's
        assert TOKEN not in str(doc)
    finally:
        backend.close()
    (a / "workspaces" / "acme-staging.yaml").unlink()
    imported = cli(a, env, "import", "--out", str(tmp_path / "imported"))
    assert imported.returncode == 0, imported.stderr
    written = "".join(p.read_text() for p in (tmp_path / "imported").glob("*.yaml"))
    assert "acme-staging" in written and STATE_WORKSPACE not in written and STATE_ALIAS not in written


def test_a_scoped_state_workspace_hides_only_the_reserved_alias(tmp_path, account):
    a = copy(tmp_path, "a")
    (a / "weavz-flow.yaml").write_text("version: 1\nname: test\nstate: {workspace: acme-prod}\n")
    env = env_for(a, account)
    assert cli(a, env, "apply", "--auto-approve").returncode == 0
    b = copy(tmp_path, "b")
    (b / "weavz-flow.yaml").write_text("version: 1\nname: test\nstate: {workspace: acme-prod}\n")
    again = cli(b, env_for(b, account), "plan", "--prune", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert STATE_ALIAS not in again.stdout
    backend = remote(account)
    try:
        assert STATE_WORKSPACE not in {w.slug for w in backend.all_workspaces()}
    finally:
        backend.close()


def test_an_object_removed_from_the_config_shows_it_was_managed_here(tmp_path, account):
    a = copy(tmp_path, "a")
    env = env_for(a, account)
    assert cli(a, env, "apply", "--auto-approve").returncode == 0
    b = copy(tmp_path, "b")
    (b / "workspaces" / "acme-staging.yaml").write_text(STAGING.replace("integrations:\n  http:\n"
                                                                        "    integration: http\n", ""))
    shown = cli(b, env_for(b, account), "plan")
    assert shown.returncode == 0, shown.stderr
    assert ("? workspace.acme-staging/integration.http  (managed by this project before; removed from the "
            "configuration)") in shown.stdout


def test_a_changed_fingerprint_key_is_reported_not_shown_as_changed_secrets(tmp_path, account):
    a = copy(tmp_path, "a")
    assert cli(a, env_for(a, account), "apply", "--auto-approve").returncode == 0
    b = copy(tmp_path, "b")
    other_key = cli(b, env_for(b, account, WEAVZ_FLOW_STATE_KEY="a-project-secret"), "plan")
    assert other_key.returncode == 0
    assert "is not the one the state was written with" in other_key.stderr
    # Not "changed": the credential is unknown under this key, so it is set again (once).
    assert "~ credentials = (sensitive value)\n" in other_key.stdout
    assert "(sensitive value changed)" not in other_key.stdout


def test_create_before_destroy_keeps_the_alias_working_at_every_step(tmp_path, account, monkeypatch):
    stub = SlackStub()
    stub.token = None  # accept any token: the test looks at which one each call carried
    with running(stub):
        workspace = WORKSPACE.replace("    display_name: ACME Slack\n",
                                      f"    display_name: ACME Slack\n    base_url: {stub.url}/api\n")
        root = copy(tmp_path, "a", workspace)
        monkeypatch.setenv("TEST_SLACK_TOKEN", TOKEN)
        backend = remote(account)
        try:
            project = load_project(root)
            assert apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend)).ok
            monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-remote-state-2")
            project = load_project(root)
            book = fingerprint_book(project, backend)
            plan = make_plan(project, backend, book=book)
            [change] = plan.actionable
            assert change.action is Action.REPLACE and change.create_before_destroy
            tokens: list[str] = []

            def send() -> None:
                stub.requests.clear()
                call = ExecuteCall("acme-prod", "slack", "send_channel_message", {"text": "still here"},
                                   alias="slack_bot")
                backend.execute(call)  # raises (CONNECTION_REQUIRED) if the alias pointed at a deleted connection
                tokens.append(stub.requests[-1].bearer or "")

            result = apply_plan(plan, backend, book=book, between=send)
            assert result.ok, result.error
            send()
        finally:
            backend.close()
    # Every step (stand-in made, aliases moved, old deleted, real made, aliases back) kept the alias working; the
    # calls moved from the old secret to the new one and stayed there.
    assert len(tokens) >= 5
    assert tokens[0] == TOKEN and tokens[-1] == "xoxb-remote-state-2"
    assert TOKEN not in tokens[tokens.index("xoxb-remote-state-2"):]
    assert live_counts(account)["connections"] == ["slack-prod"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("lock_timeout", ["120", "0"])
def test_two_applies_at_once_never_both_write(tmp_path, account, lock_timeout):
    a, b = copy(tmp_path, "a"), copy(tmp_path, "b")
    pause = 1.5  # ~10 s of holding: both surely contend
    args = ("apply", "--auto-approve", "--lock-timeout", lock_timeout)
    procs = [start(a, env_for(a, account), *args, pause=pause), start(b, env_for(b, account), *args, pause=pause)]
    outs = [p.communicate(timeout=240)[0] for p in procs]
    wrote = [o for o in outs if "[1/8]" in o]
    assert len(wrote) == 1, outs  # exactly one of them made changes
    [writer] = wrote
    [other] = [o for o in outs if o is not writer]
    assert "Apply complete! Resources: 8 added, 0 changed, 0 destroyed." in writer
    if lock_timeout == "0":
        assert procs[outs.index(other)].returncode == 1
        assert re.search(r"the state is locked by \S+@\S+ pid \d+ since \d{4}-\d\d-\d\dT", other), other
        assert "weavz-flow force-unlock " in other
    else:  # it waited, then planned against what the first one made
        assert procs[outs.index(other)].returncode == 0, other
        assert "No changes." in other and "added" not in other
    assert all(p.returncode in (0, 1) for p in procs)
    assert live_counts(account) == CONVERGED


def _killed_apply(root: Path, env: dict[str, str]) -> None:
    """An apply killed (SIGKILL) right after its first object, holding the lock."""
    proc = start(root, env, "apply", "--auto-approve", pause=30)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("[1/8]") and line.rstrip().endswith("done"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.timeout(300)
def test_a_killed_apply_leaves_a_lock_that_force_unlock_removes_and_the_lease_recovers(tmp_path, account):
    a, b = copy(tmp_path, "a"), copy(tmp_path, "b")
    env_a, env_b = env_for(a, account), env_for(b, account)
    _killed_apply(a, env_a)
    refused = cli(b, env_b, "apply", "--auto-approve", "--lock-timeout", "0")
    assert refused.returncode == 1, refused.stdout
    match = re.search(r"locked by (\S+ pid \d+) since (\S+) \(lock id ([0-9a-f]+);", refused.stderr)
    assert match, refused.stderr
    assert cli(b, env_b, "force-unlock", "nope").returncode == 1
    unlocked = cli(b, env_b, "force-unlock", match.group(3))
    assert unlocked.returncode == 0, unlocked.stderr
    assert match.group(1) in unlocked.stdout
    finished = cli(b, env_b, "apply", "--auto-approve", "--lock-timeout", "0")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Apply complete! Resources: 7 added, 0 changed, 0 destroyed." in finished.stdout
    assert live_counts(account) == CONVERGED

    # Killed again, in the middle of a create-before-destroy (its stand-in made): the next apply waits out the
    # lease (no force-unlock this time) and finishes; the stand-in shows as once managed, and --prune removes it.
    env_a["TEST_SLACK_TOKEN"] = env_b["TEST_SLACK_TOKEN"] = "xoxb-remote-state-2"
    proc = start(a, env_a, "apply", "--auto-approve", pause=60)
    while not any("--next-" in name for name in live_counts(account)["connections"]):
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    recovered = cli(b, env_b, "apply", "--auto-approve", "--lock-timeout", "60")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert "Apply complete! Resources: 1 added, 0 changed, 1 destroyed." in recovered.stdout
    [stand_in] = [n for n in live_counts(account)["connections"] if "--next-" in n]
    shown = cli(b, env_b, "plan", "--detailed-exitcode")
    assert shown.returncode == 0, shown.stdout  # unmanaged objects are not changes
    assert (f"? workspace.acme-prod/connection.{stand_in}  (managed by this project before; removed from the "
            "configuration)") in shown.stdout
    pruned = cli(b, env_b, "apply", "--auto-approve", "--prune")
    assert "Apply complete! Resources: 0 added, 0 changed, 1 destroyed." in pruned.stdout, pruned.stdout
    assert live_counts(account) == CONVERGED
    assert cli(a, env_a, "plan", "--detailed-exitcode").returncode == 0
    backend = remote(account)
    try:
        assert holders(backend.state) == [] and backend.state.get(LOCK_KEY) == []
    finally:
        backend.close()


@pytest.mark.timeout(300)
def test_an_apply_whose_lock_was_force_unlocked_stops_before_its_next_change(tmp_path, account):
    a, b = copy(tmp_path, "a"), copy(tmp_path, "b")
    env_a, env_b = env_for(a, account), env_for(b, account)
    proc = start(a, env_a, "apply", "--auto-approve", pause=15)
    assert proc.stdout is not None
    for line in proc.stdout:  # its first object is made: it holds the lock and sleeps before the next one
        if line.startswith("[1/8]") and line.rstrip().endswith("done"):
            break
    held = cli(b, env_b, "apply", "--auto-approve", "--lock-timeout", "0")
    match = re.search(r"\(lock id ([0-9a-f]+);", held.stderr)
    assert held.returncode == 1 and match, held.stderr
    assert cli(b, env_b, "force-unlock", match.group(1)).returncode == 0
    rest = proc.communicate(timeout=120)[0]
    assert proc.returncode == 1, rest
    assert "was taken from this apply" in rest and "[3/8]" not in rest, rest  # stopped before writing again
    finished = cli(b, env_b, "apply", "--auto-approve", "--lock-timeout", "0")  # the next apply finishes the rest
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Apply complete! Resources: 7 added, 0 changed, 0 destroyed." in finished.stdout
    assert live_counts(account) == CONVERGED


def test_a_saved_plan_refuses_when_the_state_moved(tmp_path, account, monkeypatch):
    root = copy(tmp_path, "a")
    monkeypatch.setenv("TEST_SLACK_TOKEN", TOKEN)
    backend = remote(account)
    try:
        project = load_project(root)
        plan = make_plan(project, backend)
        save_plan(plan, tmp_path / "plan.json", project_root=root, backend_identity=backend.identity)
        saved = load_plan(tmp_path / "plan.json")
        check_still_valid(saved, plan, backend.identity)
        with pytest.raises(StalePlanError, match="state on the backend changed"):
            check_still_valid(saved, replace(plan, state_serial=(plan.state_serial or 0) + 1), backend.identity)
    finally:
        backend.close()
