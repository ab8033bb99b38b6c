"""RemoteBackend.preview (the dry run over HTTP) against a real ``weavz-flow serve`` on 127.0.0.1, compared call by
call with LocalBackend.preview over the same database: partials (default, action-specific, enforced, explicit by id
and by name, ``[]``), end users, every connection strategy, and the errors. Also the workspace slug cache of
execute, and ``weavz-flow run --dry-run`` against the server URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.server.accounts import LiveServer
from tests.server.live_server import serve_weavz_flow
from weavz_flow.backends.execution import ExecuteCall, ExecutePreview, OutcomeStatus
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.errors import ApiError
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive

SLACK_TOKEN = "xoxb-preview-secret-4f2a91"
ENV = {"T_SLACK": SLACK_TOKEN, "T_SLACK_OPS": "xoxb-ops-secret-77c1", "T_GH": "ghp_team_secret_19ab",
       "T_GH_ALICE": "ghp_alice_secret_5d3e"}


def _catalog() -> Catalog:
    def field(name: str, type_: str | None = "string", **kw: Any) -> InputField:
        return InputField(name, type_, **kw)

    def integration(name: str, auth: tuple[str, ...], *actions: ActionInfo) -> IntegrationInfo:
        return IntegrationInfo(name, auth_types=auth, native=True, actions={a.name: a for a in actions})

    return Catalog([
        integration("slack", ("SECRET_TEXT",),
                    ActionInfo("slack", "send_channel_message", fields=(
                        field("channel", required=True), field("text", required=True),
                        field("unfurl_links", "boolean", default=False), field("thread_ts"))),
                    ActionInfo("slack", "list_channels", fields=(field("limit", "number", default=100),))),
        integration("github", ("SECRET_TEXT",),
                    ActionInfo("github", "list_issues", fields=(
                        field("repository", required=True), field("state", default="open"),
                        field("per_page", "number")))),
        integration("google-sheets", ("OAUTH2",), ActionInfo("google-sheets", "append_row", fields=(
            field("values", None, required=True),))),
        integration("kv-store", (),
                    ActionInfo("kv-store", "put", fields=(field("key", required=True), field("value", None,
                                                                                             required=True))),
                    ActionInfo("kv-store", "get", fields=(field("key", required=True),))),
    ])


CATALOG = _catalog()

WORKSPACE = """\
workspace: acme
connections:
  slack-main: {integration: slack, type: SECRET_TEXT, secret: {env: T_SLACK}}
  slack-ops-conn: {integration: slack, type: SECRET_TEXT, secret: {env: T_SLACK_OPS}}
  gh-team: {integration: github, type: SECRET_TEXT, secret: {env: T_GH}}
  gh-alice: {integration: github, type: SECRET_TEXT, secret: {env: T_GH_ALICE}, end_user: alice}
end_users:
  alice: {display_name: Alice}
  bob: {}
integrations:
  slack: {integration: slack, connection: slack-main, actions: [send_channel_message]}
  slack-ops: {integration: slack, connection: slack-ops-conn}
  github: {integration: github, strategy: per_user}
  github-fallback: {integration: github, strategy: per_user_with_fallback, connection: gh-team}
  github-users: {integration: github, strategy: per_user}
  github-waiting: {integration: github, strategy: per_user_with_fallback}
  kv: {integration: kv-store}
partials:
  wide: {alias: slack, values: {unfurl_links: true, text: from wide}, default: true}
  alerts: {alias: slack, action: send_channel_message, values: {channel: C0ALERTS}, enforced: [channel],
           default: true}
  quiet: {alias: slack, action: send_channel_message, values: {text: quiet, thread_ts: "1.2"}}
  redirect: {alias: slack, action: send_channel_message, values: {channel: C0ELSEWHERE, text: redirected},
             enforced: [channel, text]}
  ops-default: {alias: slack-ops, values: {channel: C0OPS}, default: true}
  ops-wide-lock: {alias: slack-ops, values: {unfurl_links: false, text: "[ops]"}, enforced: [unfurl_links],
                  default: true}
  ops-action-lock: {alias: slack-ops, action: send_channel_message, values: {thread_ts: "9.9"}, enforced: [thread_ts],
                    default: true}
  repo: {alias: github, values: {repository: acme/app}, default: true}
  fallback-repo: {alias: github-fallback, action: list_issues, values: {repository: acme/ops}, enforced: [repository],
                  default: true}
  kv-key: {alias: kv, action: put, values: {key: "k:default"}, default: true}
"""

FLOW = """\
flow: notify
workspace: acme
steps:
  - id: save
    uses: kv.put
    with: {value: 1}
  - id: post
    uses: slack.send_channel_message
    with: {text: hello}
  - id: quiet_post
    uses: slack.send_channel_message
    partials: [quiet]
    with: {text: hush}
  - id: issues
    uses: github.list_issues
    end_user: alice
    with: {}
"""


def write_project(root: Path) -> Path:
    (root / "workspaces").mkdir(parents=True)
    (root / "flows").mkdir()
    (root / "weavz-flow.yaml").write_text("version: 1\nname: preview\n", encoding="utf-8")
    (root / "workspaces" / "acme.yaml").write_text(WORKSPACE, encoding="utf-8")
    (root / "flows" / "notify.yaml").write_text(FLOW, encoding="utf-8")
    return root


def converge(root: Path, backend: LocalBackend | RemoteBackend) -> None:
    project = load_project(root)
    plan = make_plan(project, backend, environ=ENV)
    result = apply_plan(plan, backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error


def org_key(server: LiveServer, org_id: str) -> str:
    headers = {"X-Service-Key": server.service_key, "X-Org-ID": org_id}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        made = http.post("/api/v1/api-keys", json={"name": "preview"}, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["plainKey"])


@dataclass
class World:
    server: LiveServer
    local: LocalBackend
    remote: RemoteBackend
    partial_ids: dict[str, str]  # name -> id
    trigger_partial: str | None


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    state = tmp_path_factory.mktemp("remote-preview")
    url = f"sqlite:///{state / 'state.db'}"
    with serve_weavz_flow(url, state / "secret.key", CATALOG) as server:
        # The local backend opens the server's database and key file: one engine state seen both ways.
        local = LocalBackend(state, url, catalog=CATALOG)
        converge(write_project(state / "project"), local)
        remote = RemoteBackend(server.url, Sensitive(org_key(server, local.org.id)), catalog=CATALOG,
                               lock_dir=state / "locks")
        [snapshot] = local.snapshots([w for w in local.list_workspaces() if w.slug == "acme"])
        ids = {p.name: p.id for p in snapshot.partials}
        workspace = next(w for w in local.list_workspaces() if w.slug == "acme")
        trigger = _trigger_partial(remote, workspace.id)
        try:
            yield World(server, local, remote, ids, trigger)
        finally:
            remote.close()
            local.close()


def _trigger_partial(remote: RemoteBackend, workspace_id: str) -> str | None:
    """A trigger partial on the slack alias (the project files cannot declare one), made over the API."""
    body = {"workspaceId": workspace_id, "integrationName": "slack", "integrationAlias": "slack", "name": "on-message",
            "triggerName": "new_message", "values": {"channel": "C0TRIG"}, "isDefault": True}
    try:
        return str(remote._request("POST", "/api/v1/partials", json=body)["partial"]["id"])
    except ApiError:
        return None


def call(integration: str, action: str, input: dict[str, Any] | None = None, *, alias: str | None = None,
         user: str | None = None, partials: tuple[str, ...] | None = None, conn: str | None = None) -> ExecuteCall:
    return ExecuteCall("acme", integration, action, input or {}, alias, user, partials,
                       connection_external_id=conn)


SEND = ("slack", "send_channel_message")
ISSUES = ("github", "list_issues")

# (label, call); partial references written "id:NAME" are replaced by NAME's id.
CALLS: list[tuple[str, ExecuteCall]] = [
    ("defaults: wide then alerts, enforced channel", call(*SEND, {"channel": "C0MINE", "text": "hi"}, alias="slack")),
    ("no alias: the one named like the integration", call(*SEND, {"text": "hi"})),
    ("[] keeps only the enforcing default", call(*SEND, {"channel": "C0MINE", "text": "hi"}, alias="slack",
                                                 partials=())),
    ("a list without the enforcing default keeps it, first", call(*SEND, {"channel": "C0MINE"}, alias="slack",
                                                                  partials=("quiet",))),
    ("a requested enforcing partial cannot unlock the default's key",
     call(*SEND, {"channel": "C0MINE", "text": "mine"}, alias="slack", partials=("redirect",))),
    ("the enforcing default named twice applies once", call(*SEND, {"text": "x"}, alias="slack",
                                                            partials=("id:alerts", "quiet", "alerts"))),
    ("wide and action enforcing defaults with []", call(*SEND, {"unfurl_links": True, "thread_ts": "0"},
                                                        alias="slack-ops", partials=())),
    ("wide and action enforcing defaults with a list", call(*SEND, {"thread_ts": "0"}, alias="slack-ops",
                                                            partials=("ops-action-lock", "ops-default"))),
    ("by name, in request order", call(*SEND, {}, alias="slack", partials=("quiet", "wide"))),
    ("by id", call(*SEND, {"text": "x"}, alias="slack", partials=("id:alerts", "id:quiet"))),
    ("by id and by name mixed", call(*SEND, {}, alias="slack", partials=("wide", "id:alerts"))),
    ("non-default fixed alias", call(*SEND, {"text": "ops"}, alias="slack-ops")),
    ("unknown alias", call(*SEND, {}, alias="nope")),
    ("unknown partial name", call(*SEND, {}, alias="slack", partials=("missing",))),
    ("another alias's partial by name", call(*SEND, {}, alias="slack", partials=("ops-default",))),
    ("another alias's partial by id", call(*SEND, {}, alias="slack", partials=("id:ops-default",))),
    ("trigger partial by id", call(*SEND, {}, alias="slack", partials=("id:on-message",))),
    ("action not enabled", call("slack", "list_channels", {}, alias="slack")),
    ("unknown integration", call("slak", "send_channel_message", {})),
    ("unknown action", call("slack", "send_message", {}, alias="slack")),
    ("explicit connection", call(*SEND, {}, alias="slack", conn="slack-ops-conn")),
    ("explicit connection missing", call(*SEND, {}, alias="slack", conn="nope")),
    ("per_user default alias, user with a connection", call(*ISSUES, {}, alias="github", user="alice")),
    ("per_user, no end user: missing connection", call(*ISSUES, {}, alias="github")),
    ("per_user, user without a connection", call(*ISSUES, {}, alias="github", user="bob")),
    ("per_user, unknown end user", call(*ISSUES, {}, alias="github", user="nobody")),
    ("github without alias", call(*ISSUES, {"state": "closed"}, user="alice")),
    ("fallback alias, user without one: the pinned one", call(*ISSUES, {"repository": "x"}, alias="github-fallback",
                                                               user="bob")),
    ("fallback alias, user's own", call(*ISSUES, {}, alias="github-fallback", user="alice")),
    ("fallback alias, no user", call(*ISSUES, {}, alias="github-fallback")),
    ("fallback alias, unknown user", call(*ISSUES, {}, alias="github-fallback", user="nobody")),
    ("non-default per_user alias, user's own", call(*ISSUES, {}, alias="github-users", user="alice")),
    ("non-default per_user alias, no user", call(*ISSUES, {}, alias="github-users")),
    ("non-default per_user alias, user without one", call(*ISSUES, {}, alias="github-users", user="bob")),
    ("fallback alias without a fallback, user's own", call(*ISSUES, {}, alias="github-waiting", user="alice")),
    ("fallback alias without a fallback, user without one", call(*ISSUES, {}, alias="github-waiting", user="bob")),
    ("fallback alias without a fallback, no user", call(*ISSUES, {}, alias="github-waiting")),
    ("no connection needed", call("kv-store", "put", {"value": 1}, alias="kv")),
    ("no connection needed, explicit missing one", call("kv-store", "get", {"key": "a"}, alias="kv", conn="nope")),
    ("no alias for an integration that needs a connection", call("google-sheets", "append_row", {"values": [1]})),
]


def outcome(backend: LocalBackend | RemoteBackend, c: ExecuteCall) -> ExecutePreview | tuple[Any, ...]:
    try:
        return backend.preview(c)
    except ApiError as exc:
        return ("error", exc.code, exc.message, exc.details, exc.status)


def with_ids(c: ExecuteCall, world: World) -> ExecuteCall:
    if c.partials is None:
        return c
    ids = {**world.partial_ids, "on-message": world.trigger_partial or "no-trigger-partial"}
    refs = tuple(ids[r[3:]] if r.startswith("id:") else r for r in c.partials)
    return ExecuteCall(c.workspace, c.integration, c.action, c.input, c.alias, c.end_user, refs,
                       c.idempotency_key, c.connection_external_id)


@pytest.mark.parametrize(("label", "c"), CALLS, ids=[label for label, _ in CALLS])
def test_remote_preview_equals_local_preview(world: World, label: str, c: ExecuteCall):
    c = with_ids(c, world)
    local = outcome(world.local, c)
    remote = outcome(world.remote, c)
    assert remote == local
    for secret in ENV.values():
        assert secret not in repr(remote)


def test_the_table_covers_what_it_claims(world: World):
    """A few spot checks, so that parity is not parity of two wrong answers."""
    first = world.remote.preview(CALLS[0][1])
    assert [(p.name, p.reason) for p in first.partials] == [("wide", "default"), ("alerts", "default")]
    assert first.connection_external_id == "slack-main"
    assert first.final_input == {"unfurl_links": True, "text": "hi", "channel": "C0ALERTS"}
    assert first.enforced_keys == ("channel",) and first.notes == ()
    assert first.enforced_by == {"channel": "alerts"} and first.overridden_keys == ("channel",)
    ops = world.remote.preview(dict(CALLS)["non-default fixed alias"])
    assert ops.connection_external_id == "slack-ops-conn" and ops.final_input["channel"] == "C0OPS"
    bob = world.remote.preview(dict(CALLS)["fallback alias, user without one: the pinned one"])
    assert bob.connection_external_id == "gh-team" and bob.final_input["repository"] == "acme/ops"
    assert world.remote.preview(dict(CALLS)["no connection needed"]).connection_external_id is None
    # Enforced keys hold against every caller: [] and a list keep the enforcing defaults.
    empty = world.remote.preview(dict(CALLS)["[] keeps only the enforcing default"])
    assert [(p.name, p.reason) for p in empty.partials] == [("alerts", "default_enforced")]
    assert empty.final_input == {"unfurl_links": False, "text": "hi", "channel": "C0ALERTS"}
    redirect = world.remote.preview(dict(CALLS)["a requested enforcing partial cannot unlock the default's key"])
    assert [(p.name, p.reason) for p in redirect.partials] == [("alerts", "default_enforced"),
                                                               ("redirect", "requested")]
    assert redirect.final_input["channel"] == "C0ALERTS" and redirect.final_input["text"] == "redirected"
    assert redirect.enforced_by == {"channel": "alerts", "text": "redirect"}
    assert set(redirect.overridden_keys) == {"channel", "text"}
    ops = world.remote.preview(dict(CALLS)["wide and action enforcing defaults with []"])
    assert [p.name for p in ops.partials] == ["ops-wide-lock", "ops-action-lock"]
    assert ops.final_input["unfurl_links"] is False and ops.final_input["thread_ts"] == "9.9"
    assert "channel" not in ops.final_input  # ops-default enforces nothing: [] drops it
    with pytest.raises(ApiError) as missing:
        world.remote.preview(dict(CALLS)["per_user, no end user: missing connection"])
    assert missing.value.code == "CONNECTION_REQUIRED"
    assert world.remote.preview(dict(CALLS)["fallback alias without a fallback, user's own"]
                                ).connection_external_id == "gh-alice"
    with pytest.raises(ApiError) as waiting:
        world.remote.preview(dict(CALLS)["fallback alias without a fallback, user without one"])
    assert waiting.value.code == "CONNECTION_REQUIRED" and "no fallback connection is set" in waiting.value.message
    if world.trigger_partial is not None:  # a default trigger partial is never applied to an action
        assert "on-message" not in first.partials


def test_without_a_catalog_the_preview_says_what_it_does_not_know(world: World, tmp_path: Path):
    remote = RemoteBackend(world.server.url, Sensitive(org_key(world.server, world.local.org.id)),
                           lock_dir=tmp_path / "locks")
    try:
        preview = remote.preview(call(*SEND, {"text": "hi"}, alias="slack"))
        kv = remote.preview(call("kv-store", "put", {"value": 1}, alias="kv"))
    finally:
        remote.close()
    assert preview.final_input == {"unfurl_links": True, "text": "hi", "channel": "C0ALERTS"}
    assert preview.connection_external_id == "slack-main"
    assert any("no catalog" in n for n in preview.notes)
    assert kv.connection_external_id is None and any("not known whether 'kv-store'" in n for n in kv.notes)


class CountingTransport(httpx.HTTPTransport):
    """Real HTTP, with a list of the requests sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path))
        return super().handle_request(request)


def test_execute_reads_the_workspace_list_once_and_again_after_a_404(world: World, tmp_path: Path):
    transport = CountingTransport()
    key = org_key(world.server, world.local.org.id)
    remote = RemoteBackend(world.server.url, Sensitive(key), catalog=CATALOG, lock_dir=tmp_path / "locks",
                           transport=transport)
    try:
        for i in range(3):
            done = remote.execute(call("kv-store", "put", {"key": f"k{i}", "value": i}, alias="kv"))
            assert done.status is OutcomeStatus.SUCCEEDED
        remote.preview(call(*SEND, {"text": "hi"}, alias="slack"))
        lists = [s for s in transport.sent if s == ("GET", "/api/v1/workspaces")]
        executes = [s for s in transport.sent if s == ("POST", "/api/v1/actions/execute")]
        assert len(lists) == 1 and len(executes) == 3

        # The workspace is recreated under the same slug by someone else: the cached id answers 404, once.
        with httpx.Client(base_url=world.server.url, headers={"Authorization": f"Bearer {key}"}) as http:
            scratch = http.post("/api/v1/workspaces", json={"name": "Scratch", "slug": "scratch"}).json()
            wid = scratch["workspace"]["id"]
            http.post(f"/api/v1/workspaces/{wid}/integrations", json={"integrationName": "kv-store", "alias": "kv"})
            remote.execute(ExecuteCall("scratch", "kv-store", "put", {"key": "a", "value": 1}, alias="kv"))
            assert http.delete(f"/api/v1/workspaces/{wid}").status_code == 200
            again = http.post("/api/v1/workspaces", json={"name": "Scratch", "slug": "scratch"}).json()
            http.post(f"/api/v1/workspaces/{again['workspace']['id']}/integrations",
                      json={"integrationName": "kv-store", "alias": "kv"})
        transport.sent.clear()
        done = remote.execute(ExecuteCall("scratch", "kv-store", "put", {"key": "a", "value": 2}, alias="kv"))
        assert done.status is OutcomeStatus.SUCCEEDED
        assert transport.sent == [("POST", "/api/v1/actions/execute"), ("GET", "/api/v1/workspaces"),
                                  ("POST", "/api/v1/actions/execute")]
    finally:
        remote.close()


def test_cli_dry_run_against_the_serve_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    state = tmp_path / "server"
    state.mkdir()
    # The CLI loads the full catalog for its remote dry run; the server uses the full catalog as well.
    with serve_weavz_flow(f"sqlite:///{state / 'state.db'}", state / "secret.key") as server:
        org = server.engine.orgs.get_or_create("cli")
        key = org_key(server, org.id)
        root = write_project(tmp_path / "project")
        for name, value in ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("WEAVZ_API_URL", server.url)
        monkeypatch.setenv("WEAVZ_API_KEY", key)
        remote = RemoteBackend(server.url, Sensitive(key), lock_dir=tmp_path / "locks")
        try:
            converge(root, remote)
        finally:
            remote.close()
        result = CliRunner().invoke(cli, ["run", "notify", "--dry-run", "--json", "--project", str(root)])
        text = CliRunner().invoke(cli, ["run", "notify", "--dry-run", "--project", str(root)])
    assert result.exit_code == 0, result.output
    steps = {s["id"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["save"]["final_input"] == {"key": "k:default", "value": 1} and steps["save"]["connection"] is None
    assert steps["post"]["connection"] == "slack-main"
    assert [(p["name"], p["reason"]) for p in steps["post"]["partials"]] == [("wide", "default"), ("alerts", "default")]
    quiet = steps["quiet_post"]
    assert [(p["name"], p["reason"]) for p in quiet["partials"]] == [("alerts", "default_enforced"),
                                                                     ("quiet", "requested")]
    assert quiet["final_input"]["channel"] == "C0ALERTS" and quiet["final_input"]["text"] == "hush"
    assert steps["post"]["final_input"]["channel"] == "C0ALERTS" and steps["post"]["enforced_keys"] == ["channel"]
    assert steps["issues"]["connection"] == "gh-alice" and steps["issues"]["final_input"]["repository"] == "acme/app"
    assert all(s["note"] is None for s in steps.values())
    assert text.exit_code == 0, text.output
    assert "step post (slack.send_channel_message); connection slack-main; partials wide (default), alerts (default)" \
        in text.stdout
    assert "partials alerts (default_enforced), quiet (requested)" in text.stdout
    assert "default_enforced: a default partial that enforces keys" in text.stdout
    assert 'channel: "C0ALERTS"  (enforced by alerts)' in text.stdout
    for secret in ENV.values():
        assert secret not in result.output and secret not in text.output
