"""The checks before a run's first step (runner.preflight): a missing alias, end user or connection fails the run
before anything reaches a provider, naming every problem with its steps and the fix; --dry-run shows the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.runner.conftest import Harness
from tests.stubs.github import GitHubStub
from tests.stubs.sheets import SheetsStub
from tests.stubs.slack import SlackStub
from weavz_flow.cli.main import cli
from weavz_flow.runner.preflight import PreflightError
from weavz_flow.runner.records import RunTrigger
from weavz_flow.runner.run import FlowRunner

ANNOUNCE = """\
flow: announce
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: "release {{ run.id }} is out"}
  - id: issues
    uses: github.list_issues
    with: {}
"""


def _no_provider_request(*stubs: SlackStub | GitHubStub | SheetsStub) -> None:
    for stub in stubs:
        assert stub.requests == [], f"{stub.name} received {[r.path for r in stub.requests]}"


def test_run_with_an_unknown_end_user_fails_before_posting(stub_harness: Harness, slack_stub: SlackStub,
                                                           github_stub: GitHubStub, sheets_stub: SheetsStub):
    stub_harness.add_flow("announce", ANNOUNCE)
    with pytest.raises(PreflightError) as raised:
        stub_harness.runner().run("announce", end_user="nobody")
    _no_provider_request(slack_stub, github_stub, sheets_stub)
    assert stub_harness.records.recent() == []  # nothing started: no run record, no event
    assert stub_harness.events == []
    [problem] = raised.value.report.problems  # one cause, reported once with every step it affects
    assert problem.code == "END_USER_NOT_FOUND"
    file = stub_harness.project.flow_sources["announce"].display
    assert [(s.step_id, s.where) for s in problem.steps] == [("post", f"{file}:4"), ("issues", f"{file}:7")]
    text = str(raised.value)
    assert "end user 'nobody' does not exist in workspace 'acme-prod'" in text
    assert "fix: create end user 'nobody' in workspace acme-prod" in text and "or pass one of: alice, bob" in text
    # The same flow with an end user that exists runs, and posts.
    assert stub_harness.runner().run("announce", end_user="alice").ok
    assert len([r for r in slack_stub.requests if r.path.endswith("chat.postMessage")]) == 1


def test_a_scheduled_run_refused_by_the_checks_is_recorded_as_failed(stub_harness: Harness, slack_stub: SlackStub,
                                                                     github_stub: GitHubStub, sheets_stub: SheetsStub):
    stub_harness.add_flow("announce", ANNOUNCE)
    with pytest.raises(PreflightError):
        stub_harness.runner().run("announce", end_user="nobody", run_id="fire-1", trigger=RunTrigger.SCHEDULE)
    _no_provider_request(slack_stub, github_stub, sheets_stub)
    [record] = stub_harness.records.recent()  # nobody watched this fire: runs list says why it did not run
    assert (record.id, record.status, record.trigger) == ("fire-1", "failed", "schedule")
    assert record.error is not None and record.error.startswith("refused before its first step: ")
    assert "end user 'nobody' does not exist" in record.error
    assert stub_harness.records.get("fire-1").steps == []


MANY = """\
flow: many
workspace: acme-prod
steps:
  - id: list
    uses: slack_bot.list_channels
    with: {}
  - id: as_ghost
    uses: github.list_issues
    end_user: ghost
    with: {}
  - id: per_user_alone
    uses: gh_users.list_issues
    with: {}
  - id: per_user_bob
    uses: gh_users.list_issues
    end_user: bob
    with: {}
  - id: gone
    uses: sheets.append_row
    with: {values: [1]}
  - id: from_output
    uses: github.list_issues
    end_user: "{{ steps.list.output.user }}"
    with: {}
  - id: fine
    uses: gh_users.list_issues
    end_user: alice
    with: {}
  - id: never
    uses: slack_bot.list_channels
    if: "{{ inputs.loud }}"
    with: {}
inputs:
  loud: {type: boolean, default: false}
finally:
  - id: report
    uses: slack_bot.send_channel_message
    end_user: ghost
    with: {text: done}
"""


def _add_per_user_alias(harness: Harness) -> None:
    path = harness.root / "workspaces" / "acme-prod.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["integrations"]["gh_users"] = {"integration": "github", "strategy": "per_user"}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_every_problem_is_named_with_its_steps_and_fix(stub_harness: Harness, slack_stub: SlackStub,
                                                       github_stub: GitHubStub, sheets_stub: SheetsStub):
    _add_per_user_alias(stub_harness)
    stub_harness.add_flow("many", MANY)
    # The sheets alias is declared but gone from the backend (deleted behind the project's back).
    backend = stub_harness.backend
    [workspace] = [w for w in backend.list_workspaces() if w.slug == "acme-prod"]
    sheets = next(a for a in backend.snapshot(workspace).aliases if a.alias == "sheets")
    backend.delete_alias(workspace.id, sheets.id)

    with pytest.raises(PreflightError) as raised:
        stub_harness.runner().run("many")
    _no_provider_request(slack_stub, github_stub, sheets_stub)
    report = raised.value.report
    found = {(p.code, tuple(s.step_id for s in p.steps)) for p in report.problems}
    assert found == {
        ("ACTION_NOT_ALLOWED", ("list",)),
        ("END_USER_NOT_FOUND", ("as_ghost", "report")),
        ("CONNECTION_REQUIRED", ("per_user_alone",)),
        ("CONNECTION_REQUIRED", ("per_user_bob",)),
        ("ALIAS_NOT_FOUND", ("gone",)),
    }
    text = str(raised.value)
    assert "flow 'many' cannot run: 5 problems found before any step ran" in text
    file = stub_harness.project.flow_sources["many"].display
    assert f"step 'list' ({file}:4): action 'list_channels' is not enabled for alias 'slack_bot'" in text
    assert "or use one of: send_channel_message" in text
    assert "alias 'gh_users' uses per_user connections and no end user is given" in text
    assert "end user 'bob' has no github connection for alias 'gh_users' (per_user)" in text
    assert "fix: create a github connection for end user 'bob' in workspace acme-prod and apply, or pass one of: " \
           "alice" in text
    assert "fix: run `weavz-flow apply`: alias 'sheets' is declared in workspace acme-prod but not applied" in text
    assert f"step 'as_ghost' ({file}:7), step 'report' ({file}:36): end user 'ghost'" in text
    # What cannot be known before the run is said, not guessed; a step whose `if` is false is not checked.
    assert [(u.step.step_id, "earlier step's output" in u.reason) for u in report.unchecked] == [("from_output", True)]
    assert "never" not in text


def test_a_fixed_alias_without_its_connection(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("announce", ANNOUNCE)
    backend = stub_harness.backend
    slack = next(c for c in backend.list_connections() if c.external_id == "slack-prod")
    backend.delete_connection(slack.id)
    with pytest.raises(PreflightError) as raised:
        stub_harness.runner().run("announce")
    [problem] = raised.value.report.problems
    assert problem.code == "CONNECTION_REQUIRED" and [s.step_id for s in problem.steps] == ["post"]
    assert "alias 'slack_bot' (fixed) has no connection" in problem.message
    assert slack_stub.requests == []


def test_the_checks_read_the_backend_a_bounded_number_of_times(stub_harness: Harness):
    steps = "".join(f"  - id: s{i}\n    uses: slack_bot.send_channel_message\n    end_user: bob\n"
                    f"    with: {{text: t}}\n" for i in range(40))
    stub_harness.add_flow("long", f"flow: long\nworkspace: acme-prod\nsteps:\n{steps}")
    stub_harness.add_flow("announce", ANNOUNCE)
    runner = FlowRunner(stub_harness.project, stub_harness.backend)

    def trips(flow: str) -> int:
        before = stub_harness.backend.round_trips
        report, _ = runner.check_run(flow)
        assert report.ok, report.text()
        return stub_harness.backend.round_trips - before

    # The workspace list, one snapshot (aliases, partials, end users) and the connection list: not one per step.
    assert trips("long") == trips("announce") == 5


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["run", *args, "--project", str(root)])
    return result.exit_code, result.stdout, result.stderr


def test_cli_run_and_dry_run_report_the_same_problems(stub_harness: Harness, slack_stub: SlackStub,
                                                      github_stub: GitHubStub):
    stub_harness.add_flow("announce", ANNOUNCE)
    code, _out, err = _cli(stub_harness.root, "announce", "--end-user", "nobody")
    assert code == 1
    _no_provider_request(slack_stub, github_stub)
    assert "Traceback" not in err
    message = err.removeprefix("Error: ").strip()
    assert message.startswith("flow 'announce' cannot run: 1 problem found before any step ran")

    code, out, _err = _cli(stub_harness.root, "announce", "--end-user", "nobody", "--dry-run")
    assert code == 1
    assert message in out  # word for word
    assert "step post (slack_bot.send_channel_message)" in out  # the previews are still shown

    code, out, _err = _cli(stub_harness.root, "announce", "--end-user", "nobody", "--dry-run", "--json")
    assert code == 1
    preflight = json.loads(out)["preflight"]
    assert preflight["ok"] is False
    [problem] = preflight["problems"]
    assert problem["code"] == "END_USER_NOT_FOUND"
    assert [s["id"] for s in problem["steps"]] == ["post", "issues"]
    _no_provider_request(slack_stub, github_stub)

    code, out, _err = _cli(stub_harness.root, "announce", "--end-user", "alice", "--dry-run")
    assert code == 0, out
    assert "Checks before the run: no problem found." in out
    _no_provider_request(slack_stub, github_stub)


def test_dry_run_says_which_steps_it_could_not_check(stub_harness: Harness):
    stub_harness.add_flow("chained", """\
flow: chained
workspace: acme-prod
steps:
  - id: first
    uses: kv.get
    with: {key: who}
  - id: second
    uses: github.list_issues
    end_user: "{{ steps.first.output.value }}"
    with: {}
""")
    code, out, _err = _cli(stub_harness.root, "chained", "--dry-run")
    assert code == 0, out
    file = stub_harness.project.flow_sources["chained"].display
    assert f"step 'second' ({file}:7): not checked before the run: its end_user comes from an earlier " \
           "step's output" in out

