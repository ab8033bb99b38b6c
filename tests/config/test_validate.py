from __future__ import annotations

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.validate import validate_project

WORKSPACE = """\
workspace: main
connections:
  slack-bot: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK}}
  gh-alice: {integration: github, type: SECRET_TEXT, secret: {env: GH}, end_user: alice}
end_users:
  alice: {display_name: Alice}
integrations:
  slack_bot: {integration: slack, connection: slack-bot}
  github: {integration: github, strategy: per_user}
  kv: {integration: kv-store}
partials:
  alerts:
    alias: slack_bot
    action: send_channel_message
    values: {channel: C0ALERTS}
    enforced: [channel]
    default: true
"""


def errors(root: object, catalog: Catalog) -> list[str]:
    out = [str(d) for d in validate_project(root, catalog).diagnostics]  # type: ignore[arg-type]
    return out


def flow(steps: str, extra: str = "") -> str:
    return f"flow: f\nworkspace: main\n{extra}steps:\n{steps}"


def test_a_valid_project(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow(
        "  - id: post\n    uses: slack_bot.send_channel_message\n    with: {text: hi}\n"
        "  - id: issues\n    uses: github.list_issues\n    end_user: alice\n    with: {repository: a/b}\n"
    )})
    report = validate_project(root, catalog)
    assert report.valid and report.diagnostics == [] and report.files_checked == 3


def test_workspace_references(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": """\
workspace: main
connections:
  gh: {integration: github, type: SECRET_TEXT, secret: {env: GH}, end_user: bob}
integrations:
  slack_bot: {integration: slack}
  github: {integration: github, connection: slack-bot}
  gh2: {integration: github, connection: gh, actions: [list_isues]}
  kv: {integration: kv-store, connection: gh}
partials:
  p1: {alias: slak_bot, values: {}}
  p2: {alias: github, action: create_issue, values: {title: 5}}
"""})
    assert errors(root, catalog) == [
        "w.yaml:3:77: error: end user 'bob' is not declared in this workspace (declare it under 'end_users')",
        "w.yaml:5:3: error: alias 'slack_bot' uses strategy 'fixed' and 'slack' needs credentials, so it needs a "
        "'connection' (add 'connection: <externalId>' or use strategy 'per_user')",
        "w.yaml:6:45: error: connection 'slack-bot' is not declared in this workspace (declare it under "
        "'connections')",
        "w.yaml:7:56: error: integration 'github' has no action 'list_isues' (did you mean 'list_issues'?)",
        "w.yaml:8:43: error: connection 'gh' is for 'github', not 'kv-store' (declare a connection with "
        "'integration: kv-store')",
        "w.yaml:10:15: error: partial 'p1' refers to alias 'slak_bot', which this workspace does not declare "
        "(did you mean 'slack_bot'?)",
        "w.yaml:11:61: error: 'title' must be a string, got integer (quote it: title: \"...\")",
    ]


def test_same_connection_in_two_workspaces(make_project: ProjectMaker, catalog: Catalog) -> None:
    conn = "connections:\n  bot: {integration: slack, type: SECRET_TEXT, secret: {env: S}}\n"
    root = make_project({"a.yaml": "workspace: a\n" + conn, "b.yaml": "workspace: b\n" + conn})
    assert errors(root, catalog) == [
        "b.yaml:3:3: error: connection 'bot' for 'slack' is also declared in workspace 'a' "
        "(first declared at a.yaml:3:3; give each its own name)"
    ]


def test_step_checks(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow("""\
  - id: a
    uses: slack_bot.send_channel_message
    with: {channel: C1, text: hi, unfurl_links: "no"}
  - id: b
    uses: github.list_issues
    with: {repository: a/b, per_page: 10, colour: red}
  - id: c
    uses: kv.put
    partials: [alerts, nope]
    with: {key: k}
  - id: d
    uses: kv.get
    end_user: carol
    needs: [e]
    with: {key: k}
  - id: e
    uses: slack_bot.delete_everything
""")})
    assert errors(root, catalog) == [
        "f.yaml:6:12: error: 'channel' is enforced by partial 'alerts'; the step's value would be silently replaced "
        "(remove 'channel' from the step or from the partial's 'enforced')",
        "f.yaml:6:49: error: 'unfurl_links' must be a boolean, got string (write true or false, without quotes)",
        "f.yaml:8:11: error: alias 'github' uses strategy 'per_user', so the step needs an end user "
        "(set 'end_user' on the step or the flow)",
        "f.yaml:9:43: error: 'colour' is not an input of 'github.list_issues' (its inputs: 'weavz-flow "
        "integrations show github list_issues')",
        "f.yaml:11:11: error: 'kv-store.put' requires 'value', which the step does not set "
        "(add it under 'with' or in a default partial)",
        "f.yaml:12:16: error: partial 'alerts' is for 'slack_bot.send_channel_message', not 'kv.put' (remove "
        "it, or declare a partial for alias 'kv')",
        "f.yaml:12:24: error: partial 'nope' is not declared in this workspace (declare it under 'partials')",
        "f.yaml:16:15: error: end user 'carol' is not declared in workspace 'main' (declare it under 'end_users')",
        "f.yaml:17:13: error: 'needs' names step 'e', which is not an earlier step (move step 'e' above this "
        "one, or drop it from 'needs')",
        "f.yaml:20:11: error: integration 'slack' has no action 'delete_everything' (list its actions with "
        "'weavz-flow integrations show slack')",
    ]


def test_required_input_may_come_from_a_partial(make_project: ProjectMaker, catalog: Catalog) -> None:
    workspace = WORKSPACE + "  repo:\n    alias: github\n    values: {repository: a/b}\n    default: true\n"
    steps = "  - id: a\n    uses: github.list_issues\n    end_user: alice\n"
    root = make_project({"w.yaml": workspace, "f.yaml": flow(steps)})
    assert errors(root, catalog) == []
    explicit_none = steps + "    partials: []\n"
    root = make_project({"w.yaml": workspace, "f.yaml": flow(explicit_none)})
    assert errors(root, catalog) == [
        "f.yaml:5:11: error: 'github.list_issues' requires 'repository', which the step does not set "
        "(add it under 'with' or in a default partial)"
    ]


def test_flow_level_references(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": """\
flow: f
workspace: mian
schedule: {cron: "0 * * * *"}
inputs:
  who: {type: string, required: true}
steps:
  - id: a
    uses: kv.get
    with: {key: k}
"""})
    assert errors(root, catalog) == [
        "f.yaml:2:12: error: workspace 'mian' is not declared in this project (did you mean 'main'?)",
        "f.yaml:5:3: error: scheduled flow has required input 'who' without a default "
        "(give it a default: a schedule passes no inputs)",
    ]


def test_a_non_native_catalog_integration_is_checked_against_its_schema(
    make_project: ProjectMaker, full_catalog: Catalog
) -> None:
    info = full_catalog.find("trello")
    assert info is not None and not info.runs_here("create_card")  # only its custom_api_call runs here
    root = make_project({"w.yaml": """\
workspace: main
connections:
  trello-main: {integration: trello, type: OAUTH2, access_token: {env: TRELLO_TOKEN}}
integrations:
  trello: {integration: trello, connection: trello-main}
""", "f.yaml": flow("""\
  - id: page
    uses: trello.create_card
    with: {name: 42}
  - id: other
    uses: trello.create_cards
""")})
    assert errors(root, full_catalog) == [
        "f.yaml:5:11: error: 'trello.create_card' does not run on the embedded engine (backend type 'local'): it is "
        "in the Weavz catalog but not native here (run it on hosted Weavz: in weavz-flow.yaml set backend: "
        "{type: remote, api_url: https://api.weavz.io, api_key: {env: WEAVZ_API_KEY}})",
        "f.yaml:5:11: error: 'trello.create_card' requires 'listId', which the step does not set "
        "(add it under 'with' or in a default partial)",
        "f.yaml:6:18: error: 'name' must be a string, got integer (quote it: name: \"...\")",
        "f.yaml:8:11: error: integration 'trello' has no action 'create_cards' (did you mean "
        "'create_card', 'get_card' or 'update_card'?)",
    ]


def test_a_partials_list_that_leaves_out_an_enforcing_default_is_warned_about(
    make_project: ProjectMaker, catalog: Catalog,
) -> None:
    workspace = WORKSPACE + """\
  plain:
    alias: slack_bot
    values: {text: plain default}
    default: true
  pin:
    alias: slack_bot
    values: {channel: C0PIN}
    enforced: [channel]
"""
    root = make_project({"w.yaml": workspace, "f.yaml": flow("""\
  - id: none
    uses: slack_bot.send_channel_message
    partials: []
    with: {text: hi}
  - id: named
    uses: slack_bot.send_channel_message
    partials: [alerts]
    with: {text: hi}
  - id: other
    uses: slack_bot.send_channel_message
    with: {text: hi, channel: C0MINE}
    partials: [pin]
  - id: absent
    uses: slack_bot.send_channel_message
    with: {text: hi}
""")})
    report = validate_project(root, catalog)
    assert [str(d) for d in report.diagnostics] == [
        "f.yaml:6:5: warning: 'partials' leaves out default partial 'alerts', which enforces 'channel': it applies "
        "anyway and its enforced values hold (a default partial that enforces keys applies to every call of its "
        "alias; add 'alerts' to 'partials' to say so, or make it not a default in the workspace)",
        # The step's own channel loses to 'alerts' even though 'pin' is named: an enforcing default wins.
        "f.yaml:14:22: error: 'channel' is enforced by partial 'alerts'; the step's value would be silently "
        "replaced (remove 'channel' from the step or from the partial's 'enforced')",
        "f.yaml:15:5: warning: 'partials' leaves out default partial 'alerts', which enforces 'channel': it applies "
        "anyway and its enforced values hold (a default partial that enforces keys applies to every call of its "
        "alias; add 'alerts' to 'partials' to say so, or make it not a default in the workspace)",
        # A partial the step names cannot outvote the enforcing default either.
        "f.yaml:15:16: warning: partial 'pin' sets 'channel', which default partial 'alerts' enforces: the enforced "
        "value is used (remove 'channel' from partial 'pin', or stop enforcing it in 'alerts')",
    ]
    [warning] = [d for d in report.diagnostics if d.code == "enforced-partial-kept"][:1]
    assert warning.severity.value == "warning" and (warning.position.line, warning.position.column) == (6, 5)


def test_warnings_do_not_make_a_project_invalid(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": flow(
        "  - id: post\n    uses: slack_bot.send_channel_message\n    partials: []\n    with: {text: hi}\n")})
    report = validate_project(root, catalog)
    assert report.valid and [d.code for d in report.diagnostics] == ["enforced-partial-kept"]


def test_fallback_without_connection_validates(make_project: ProjectMaker, catalog: Catalog) -> None:
    """per_user_with_fallback needs no connection (the hosted API accepts it; it runs as per_user until one is set);
    a step on it then needs an end user, as on per_user. fixed still needs its connection."""
    workspace = WORKSPACE.replace("  kv: {integration: kv-store}\n", """\
  kv: {integration: kv-store}
  gh_fallback: {integration: github, strategy: per_user_with_fallback}
  gh_shared: {integration: github, strategy: per_user_with_fallback, connection: gh-alice}
""")
    ok = make_project({"w.yaml": workspace, "f.yaml": flow(
        "  - id: a\n    uses: gh_fallback.list_issues\n    end_user: alice\n    with: {repository: a/b}\n"
        "  - id: b\n    uses: gh_shared.list_issues\n    with: {repository: a/b}\n")})
    assert errors(ok, catalog) == []
    no_user = make_project({"w.yaml": workspace, "f.yaml": flow(
        "  - id: a\n    uses: gh_fallback.list_issues\n    with: {repository: a/b}\n")})
    assert errors(no_user, catalog) == [
        "f.yaml:5:11: error: alias 'gh_fallback' uses strategy 'per_user_with_fallback' and no fallback "
        "connection, so the step needs an end user (set 'end_user' on the step or the flow, or a 'connection' on "
        "alias 'gh_fallback')"]
    fixed = make_project({"w.yaml": workspace.replace(
        "strategy: per_user_with_fallback}", "strategy: fixed}"), "f.yaml": flow(
        "  - id: a\n    uses: gh_shared.list_issues\n    with: {repository: a/b}\n")})
    assert [e for e in errors(fixed, catalog) if "connection" in e] == [
        "w.yaml:11:3: error: alias 'gh_fallback' uses strategy 'fixed' and 'github' needs credentials, so it "
        "needs a 'connection' (add 'connection: <externalId>' or use strategy 'per_user')"]
