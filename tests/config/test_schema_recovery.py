"""One schema error hides nothing else of its file and cascades into no false error (issue 13, item 4): the model is
built from what is valid, and checks stay quiet where they would only repeat the reported error."""

from __future__ import annotations

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.validate import validate_project

FLOW = """\
flow: f
workspace: main
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {channel: C1, text: hi}
"""


def found(root: object, catalog: Catalog) -> list[tuple[str, int, int, str]]:
    report = validate_project(root, catalog)  # type: ignore[arg-type]
    return [(d.position.file, d.position.line, d.position.column, d.code)
            for d in report.diagnostics if d.position is not None]


def workspace(alias: str, extra: str = "") -> str:
    return ("workspace: main\nconnections:\n  slack-bot: {integration: slack, type: SECRET_TEXT, secret: {env: S}}\n"
            f"integrations:\n  slack_bot:\n{alias}{extra}")


def test_a_misspelled_strategy_value_keeps_the_workspace_and_its_alias(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    ws = workspace("    integration: slack\n    strategy: fixd\n    connection: slack-bot\n",
                   "  kv: {integration: kv-store, connection: nope}\n")
    root = make_project({"w.yaml": ws, "f.yaml": FLOW})
    # No "workspace 'main' is not declared", no "not an alias": the unknown connection of another alias is found.
    assert found(root, catalog) == [("w.yaml", 7, 15, "invalid-value"), ("w.yaml", 9, 43, "unknown-connection")]


def test_a_misspelled_strategy_key_hides_nothing(make_project: ProjectMaker, catalog: Catalog) -> None:
    ws = workspace("    integration: slack\n    stratgy: per_user\n")  # no connection: strategy was meant per_user
    root = make_project({"w.yaml": ws, "f.yaml": FLOW.replace("send_channel_message", "send_chanel_message")})
    # "needs a 'connection'" would follow only from the default strategy standing in for the misspelled one.
    assert found(root, catalog) == [("f.yaml", 5, 11, "unknown-action"), ("w.yaml", 7, 5, "unknown-key")]


def test_a_broken_entry_is_still_declared(make_project: ProjectMaker, catalog: Catalog) -> None:
    ws = """\
workspace: main
connections:
  slack-bot: {integration: slack, type: SECRET_TXT, secret: {env: S}}
end_users:
  alice: {email: not-an-email}
integrations:
  slack_bot: {integration: slack, connection: slack-bot}
  github: {integration: github, strategy: per_user, actions: [list_issues]}
partials:
  alerts: {alias: slack_bot, action: send_channel_message, values: {channel: [C1]}, enforced: [chanel]}
"""
    flow = """\
flow: f
workspace: main
end_user: alice
steps:
  - id: post
    uses: slack_bot.send_channel_message
    partials: [alerts]
    with: {text: hi}
  - id: issues
    uses: github.list_issues
    with: {repository: a/b}
"""
    root = make_project({"w.yaml": ws, "f.yaml": flow})
    # The three schema errors and the partial's list for a string: the connection, end user and partial they name
    # are not "undeclared", and the step's missing 'channel' may be the partial's misspelled enforced key.
    assert found(root, catalog) == [
        ("w.yaml", 3, 41, "invalid-value"), ("w.yaml", 5, 18, "invalid-value"), ("w.yaml", 10, 78, "wrong-type"),
        ("w.yaml", 10, 96, "invalid-value"),
    ]


def test_a_misspelled_section_silences_what_it_would_declare(make_project: ProjectMaker, catalog: Catalog) -> None:
    ws = "workspace: main\nintegratons:\n  slack_bot: {integration: slack}\n"
    root = make_project({"w.yaml": ws, "f.yaml": FLOW})
    assert found(root, catalog) == [("w.yaml", 2, 1, "unknown-key")]


def test_a_workspace_with_an_invalid_slug_is_not_called_undeclared(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    root = make_project({"w.yaml": "workspace: main\nname: ''\nwrong: 1\n",
                         "v.yaml": "workspace: Main_Prod\n", "f.yaml": FLOW.replace("main", "Main_Prod")})
    codes = [c for *_, c in found(root, catalog)]
    assert "unknown-workspace" not in codes and codes.count("invalid-value") == 3  # both slugs, the name


def test_a_broken_step_or_input_leaves_the_rest_of_the_flow_checked(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    ws = workspace("    integration: slack\n    connection: slack-bot\n")
    flow = """\
flow: f
workspace: main
inputs:
  channel: {type: strin}
steps:
  - id: first
    uses: slack_bot.send_channel_message
    max_parallel: 2
    with: {channel: "{{ inputs.channel }}", text: hi}
  - id: second
    uses: slack_bot.send_channel_message
    needs: [first]
    with: {channel: C1, text: "{{ steps.first.output }} {{ inputs.chanel }}"}
"""
    root = make_project({"w.yaml": ws, "f.yaml": flow})
    # The step error names the key at fault, only that key is left out, and the next step's mistake is found.
    assert found(root, catalog) == [
        ("f.yaml", 4, 19, "invalid-value"), ("f.yaml", 8, 19, "invalid-value"), ("f.yaml", 13, 31, "unknown-input"),
    ]


def test_a_step_left_out_keeps_the_positions_of_the_steps_after_it(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    ws = workspace("    integration: slack\n    connection: slack-bot\n")
    flow = """\
flow: f
workspace: main
steps:
  - id: first
    uses: Slack_Bot
  - id: second
    uses: slack_bot.send_channel_message
    needs: [first]
    with: {channel: C1, text: "{{ steps.first.output }}", colour: red}
"""
    root = make_project({"w.yaml": ws, "f.yaml": flow})
    # steps[1] is the model's steps[0] now; its unknown key is still found at its own line, and 'first' (left out)
    # is not called unknown.
    assert found(root, catalog) == [("f.yaml", 5, 11, "invalid-value"), ("f.yaml", 9, 59, "unknown-input-key")]


def test_a_broken_project_file_env_does_not_refuse_env_reads(make_project: ProjectMaker, catalog: Catalog) -> None:
    ws = workspace("    integration: slack\n    connection: slack-bot\n")
    flow = FLOW.replace("text: hi", 'text: "{{ env.STAGE }}"')
    root = make_project({"w.yaml": ws, "f.yaml": flow}, project_file="version: 1\nenv: [STAGE, 9X]\n")
    assert found(root, catalog) == [("weavz-flow.yaml", 2, 14, "invalid-value")]


def test_a_key_left_out_of_a_step_that_moved_up_is_still_known_as_left_out(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    ws = workspace("    integration: slack\n    connection: slack-bot\n")
    flow = """\
flow: f
workspace: main
steps:
  - id: gone
    uses: nope
  - id: hello
    uses: slack_bot.send_channel_message
    with: {channel: C1, text: hi}
  - id: post
    uses: slack_bot.send_channel_message
    with: [channel, C1]
"""
    root = make_project({"w.yaml": ws, "f.yaml": flow})
    # 'post' is the model's second step, its 'with' left out: no "requires 'channel', 'text'" for what it may hold.
    assert found(root, catalog) == [("f.yaml", 5, 11, "invalid-value"), ("f.yaml", 11, 11, "invalid-value")]
