"""What would fail at run time is reported by validate, at its line, with the fix (issue 13, item 4): ``if`` reading
``item`` on a ``for_each`` step, an action the backend cannot run, literal type mismatches, an enforced key without a
value, and secret references that plan, apply or run would refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.config.checks.secret_refs import SecretsCheck
from weavz_flow.config.validate import load_valid_project, validate_project
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

WORKSPACE = """\
workspace: main
connections:
  slack-bot: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK_TOKEN}}
  notion-main: {integration: notion, type: OAUTH2, access_token: {env: NOTION_TOKEN}}
integrations:
  slack_bot: {integration: slack, connection: slack-bot}
  notion: {integration: notion, connection: notion-main}
  http: {integration: http}
"""


def flow(steps: str, extra: str = "") -> str:
    return f"flow: f\nworkspace: main\n{extra}steps:\n{steps}"


def shown(root: Path, catalog: Catalog, **kw: object) -> list[str]:
    return [str(d) for d in validate_project(root, catalog, **kw).diagnostics]  # type: ignore[arg-type]


def test_if_reading_item_on_a_for_each_step_is_refused_with_the_fix(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    steps = """\
  - id: each
    uses: slack_bot.send_channel_message
    for_each: [a, b]
    if: "{{ item != 'a' }}"
    with: {channel: "{{ item }}", text: hi}
  - id: whole
    uses: slack_bot.send_channel_message
    for_each: [a, b]
    if: "{{ steps.each.status == 'succeeded' }}"
    with: {channel: "{{ item }}", text: "{{ index }}"}
"""
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow(steps)})
    # The runner evaluates 'if' once, before the items (runner/step.py), where 'item' is undefined.
    assert shown(root, catalog) == [
        "f.yaml:7:9: error: 'if' is evaluated once, before the 'for_each' items: 'item' is not defined there (to run "
        "the step for some items only, filter the list in 'for_each', e.g. for_each: \"{{ inputs.users | "
        "selectattr('active') | list }}\", and keep 'if' for the whole step)",
    ]


def test_a_non_native_action_is_an_error_on_the_embedded_engine(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    steps = "  - id: page\n    uses: notion.createPage\n    with: {pageId: p}\n" \
            "  - id: post\n    uses: slack_bot.send_channel_message\n    with: {channel: C1, text: hi}\n"
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow(steps)})
    (problem,) = validate_project(root, catalog).diagnostics
    assert (problem.code, problem.is_error, str(problem.position)) == ("not-native", True, "f.yaml:5:11")
    assert problem.hint is not None and "type: remote" in problem.hint and "https://api.weavz.io" in problem.hint


def test_a_non_native_action_is_a_warning_on_a_remote_backend(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    remote = "version: 1\nbackend: {type: remote, api_url: 'https://api.weavz.io', api_key: {env: WEAVZ_KEY}}\n"
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow("  - id: page\n    uses: notion.createPage\n"
                                                            "    with: {pageId: p}\n")}, project_file=remote)
    report = validate_project(root, catalog)
    assert report.valid and [(d.code, str(d.position)) for d in report.warnings] == [("not-native", "f.yaml:5:11")]


def test_weavz_api_url_makes_the_backend_remote_and_commands_are_not_stopped(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow("  - id: page\n    uses: notion.createPage\n"
                                                            "    with: {pageId: p}\n")})
    # As --api-url or WEAVZ_API_URL make plan, apply and run use a remote backend, validate judges by it too.
    report = validate_project(root, catalog, environ={"WEAVZ_API_URL": "https://api.weavz.io"})
    assert report.valid and [d.code for d in report.warnings] == ["not-native"]
    # A command may be given a remote backend with --api-url: the action is the backend's to refuse, not the config's.
    assert load_valid_project(root, catalog).flows["f"].steps[0].uses == "notion.createPage"


def test_a_catalog_action_of_a_native_integration_that_is_not_native_here(
    make_project: ProjectMaker, full_catalog: Catalog
) -> None:
    # hubspot is native for its custom_api_call only, yet the SDK's catalog lists its other actions.
    hubspot = full_catalog.find("hubspot")
    assert hubspot is not None
    not_native = [a for name, a in sorted(hubspot.actions.items())
                  if name not in NATIVE_INTEGRATIONS["hubspot"].actions
                  and all(f.type in (None, "string") for f in a.fields if f.required)]
    assert not_native, "the SDK catalog lists hubspot actions that this engine does not implement"
    action = not_native[0]
    values = ", ".join(f"{f.name}: x" for f in action.fields if f.required)
    workspace = WORKSPACE.replace(
        "integrations:\n",
        "  hubspot-main: {integration: hubspot, type: SECRET_TEXT, secret: {env: HUBSPOT_TOKEN}}\nintegrations:\n"
        "  crm: {integration: hubspot, connection: hubspot-main}\n")
    root = make_project({"w.yaml": workspace, "f.yaml": flow(
        f"  - id: one\n    uses: crm.{action.name}\n    with: {{{values}}}\n")})
    assert [d.code for d in validate_project(root, full_catalog).diagnostics] == ["not-native"]


def test_an_object_field_given_a_list_says_what_to_write(make_project: ProjectMaker, catalog: Catalog) -> None:
    steps = """\
  - id: call
    uses: http.send_request
    with: {method: GET, url: "https://x.example", headers: [a], queryParams: {}, authType: NONE, timeout: "5"}
"""
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow(steps)})
    assert shown(root, catalog) == [
        "f.yaml:6:60: error: 'headers' must be an object, got array (write a mapping, e.g. headers: {name: value}, "
        "not a list)",
        "f.yaml:6:107: error: 'timeout' must be a number, got string (write the number without quotes)",
    ]


def test_partial_values_are_type_checked_for_an_action_and_integration_wide(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    ws = WORKSPACE + """\
partials:
  one: {alias: http, action: send_request, values: {queryParams: [q]}}
  wide: {alias: http, values: {headers: [h], timeout: 5}}
"""
    root = make_project({"w.yaml": ws})
    assert shown(root, catalog) == [
        "w.yaml:10:66: error: 'queryParams' must be an object, got array (write a mapping, e.g. queryParams: "
        "{name: value}, not a list)",
        "w.yaml:11:41: error: 'headers' must be an object, got array (write a mapping, e.g. headers: {name: value}, "
        "not a list)",
    ]


def test_an_enforced_key_without_a_value_points_at_it_and_suggests(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    ws = WORKSPACE + """\
partials:
  typo:
    alias: http
    values: {authType: NONE, method: GET}
    enforced: [method, authTyp]
  none:
    alias: http
    values: {}
    enforced: [url]
"""
    root = make_project({"w.yaml": ws})
    assert shown(root, catalog) == [
        "w.yaml:13:24: error: 'partials.typo.enforced': enforced keys need a value in 'values': 'authTyp' "
        "(did you mean 'authType'?)",
        "w.yaml:17:16: error: 'partials.none.enforced': enforced keys need a value in 'values': 'url' "
        "(add url: <value> under 'values', or remove 'url' from 'enforced')",
    ]


SECRET_FLOW = flow("  - id: post\n    uses: slack_bot.send_channel_message\n    with: {channel: C1, text: hi}\n",
                   "secrets:\n  hook: {file: secrets/hook}\n")


def test_unset_secrets_are_warnings_errors_or_ignored(make_project: ProjectMaker, catalog: Catalog) -> None:
    remote = "version: 1\nbackend: {type: remote, api_url: 'https://x.example', api_key: {env: WEAVZ_KEY}}\n"
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": SECRET_FLOW}, project_file=remote)
    environ = {"SLACK_TOKEN": "", "NOTION_TOKN": "set"}
    warned = validate_project(root, catalog, secrets=SecretsCheck.WARN, environ=environ)
    assert warned.valid
    assert [str(d) for d in warned.warnings] == [
        "f.yaml:4:16: warning: cannot read secret file secrets/hook: No such file or directory; run would refuse it "
        "(create the file (and keep it out of git))",
        "w.yaml:3:68: warning: the secret env:SLACK_TOKEN is empty; plan and apply would refuse it (give "
        "SLACK_TOKEN a value before plan and apply)",
        "w.yaml:4:72: warning: environment variable NOTION_TOKEN is not set; plan and apply would refuse it (did you "
        "mean 'NOTION_TOKN', which is set?)",
        "weavz-flow.yaml:2:70: warning: environment variable WEAVZ_KEY is not set; plan, apply and run would refuse "
        "it (export WEAVZ_KEY before plan, apply and run)",
    ]
    required = validate_project(root, catalog, secrets=SecretsCheck.REQUIRE, environ=environ)
    assert [d.code for d in required.errors] == ["secret-unavailable"] * 4
    assert validate_project(root, catalog, secrets=SecretsCheck.SKIP, environ=environ).diagnostics == []
    (root / "secrets").mkdir()
    (root / "secrets" / "hook").write_text("https://hooks.example/T0\n")
    every = {"SLACK_TOKEN": "xoxb-1", "NOTION_TOKEN": "n", "WEAVZ_KEY": "k"}
    clean = validate_project(root, catalog, secrets=SecretsCheck.REQUIRE, environ=every)
    assert clean.diagnostics == []
    assert all("xoxb-1" not in str(d) for d in warned.diagnostics + required.diagnostics)


def test_the_cli_secrets_flags(make_project: ProjectMaker, monkeypatch: pytest.MonkeyPatch,
                               sdk_cache_dir: Path) -> None:
    root = make_project({"w.yaml": WORKSPACE.replace("  notion", "  #"), "f.yaml": flow(
        "  - id: post\n    uses: slack_bot.send_channel_message\n    with: {channel: C1, text: hi}\n")})
    monkeypatch.delenv("SLACK_TOKEN", raising=False)
    runner = CliRunner()
    default = runner.invoke(cli, ["validate", str(root)])
    assert default.exit_code == 0 and "warning: environment variable SLACK_TOKEN is not set" in default.output
    required = runner.invoke(cli, ["validate", "--secrets", str(root)])
    assert required.exit_code == 1 and "error: environment variable SLACK_TOKEN is not set" in required.output
    skipped = runner.invoke(cli, ["validate", "--no-secrets", str(root)])
    assert skipped.exit_code == 0 and skipped.output == "valid (3 files checked)\n"
    monkeypatch.setenv("SLACK_TOKEN", "xoxb-set")
    assert runner.invoke(cli, ["validate", "--secrets", str(root)]).output == "valid (3 files checked)\n"
