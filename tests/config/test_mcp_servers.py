"""``mcp_servers:`` in a workspace file: the model, and validate's checks of each server and tool, each error at its
file:line:column with a suggestion."""

from __future__ import annotations

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.validate import validate_project
from weavz_flow.plan.desired import DesiredMcpServer, DesiredMcpTool, desired_state

HEAD = """\
workspace: main
connections:
  slack-bot: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK}}
integrations:
  slack_bot: {integration: slack, connection: slack-bot, actions: [send_channel_message]}
  kv: {integration: kv-store}
partials:
  alerts: {alias: slack_bot, action: send_channel_message, values: {channel: C0ALERTS}, enforced: [channel]}
  keys: {alias: kv, values: {key: k1}}
"""


def messages(root: object, catalog: Catalog) -> list[str]:
    return [str(d) for d in validate_project(root, catalog).diagnostics]  # type: ignore[arg-type]


def test_a_valid_server_and_its_desired_value(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
mcp_servers:
  support-agent:
    description: Tools for the support agent
    tools:
      - tool: slack_bot.send_channel_message
        display_name: Post an alert
        partials: [alerts]
      - tool: kv.get
        description: Read a value
        input_defaults: {key: greeting}
        partials: [keys]
"""})
    report = validate_project(root, catalog)
    assert report.valid and report.diagnostics == []
    [server] = desired_state(report.project, read_secrets=False).mcp_servers
    assert server == DesiredMcpServer(
        "main", "support-agent", "TOOLS", "oauth", "Tools for the support agent", None,
        (DesiredMcpTool("slack_bot", "slack", "send_channel_message", "Post an alert", None, {}, ("alerts",)),
         DesiredMcpTool("kv", "kv-store", "get", None, "Read a value", {"key": "greeting"}, ("keys",))),
    )


def test_every_tool_problem_at_its_position(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
mcp_servers:
  support-agent:
    tools:
      - tool: slack_bot.send_chanel_message
      - tool: slak_bot.send_channel_message
      - tool: kv.get
        partials: [alerts, key]
        input_defaults: {kye: x}
      - tool: kv.get
      - tool: kv.put
        input_defaults: {key: 5}
      - tool: slack_bot.send_direct_message
"""})
    assert messages(root, catalog) == [
        "w.yaml:13:15: error: integration 'slack' has no action 'send_chanel_message' "
        "(did you mean 'send_channel_message'?)",
        "w.yaml:14:15: error: 'slak_bot' is not an alias of workspace 'main' (did you mean 'slack_bot'?)",
        "w.yaml:16:20: error: partial 'alerts' is for 'slack_bot.send_channel_message', not 'kv.get' "
        "(partials that fit: 'keys')",
        "w.yaml:16:28: error: partial 'key' is not declared in this workspace (did you mean 'keys'?)",
        "w.yaml:17:26: error: 'kye' is not an input of 'kv-store.get' (did you mean 'key'?)",
        "w.yaml:18:15: error: tool 'kv.get' is listed twice in MCP server 'support-agent' "
        "(first listed at w.yaml:15:15; remove one)",
        "w.yaml:20:31: error: 'key' must be a string, got integer (quote it: key: \"...\")",
        "w.yaml:21:15: error: integration 'slack' has no action 'send_direct_message' "
        "(did you mean 'send_channel_message'?)",
    ]


def test_a_tool_of_an_action_the_alias_does_not_enable(make_project: ProjectMaker, catalog: Catalog) -> None:
    enabled = HEAD.replace("kv: {integration: kv-store}", "kv: {integration: kv-store, actions: [get]}")
    root = make_project({"w.yaml": enabled + "mcp_servers:\n  agents:\n    tools: [{tool: kv.put}]\n"})
    assert messages(root, catalog) == [
        "w.yaml:12:20: error: action 'put' is not enabled on alias 'kv' (add it to the alias's 'actions' list)",
    ]


def test_code_mode_and_a_bearer_on_a_strict_per_user_workspace_are_refused(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    with_github = HEAD.replace("  kv: {integration: kv-store}\n",
                               "  kv: {integration: kv-store}\n  github: {integration: github, strategy: per_user}\n")
    root = make_project({"w.yaml": with_github + """\
mcp_servers:
  coder:
    mode: CODE
  ci:
    auth_mode: bearer
  both:
    auth_mode: oauth_and_bearer
  agents: {}
"""})
    assert messages(root, catalog) == [
        "w.yaml:13:11: error: MCP server 'coder' asks for mode CODE, which is not supported yet: it needs a code "
        "sandbox (use mode TOOLS (the default): one tool per action)",
        "w.yaml:15:16: error: MCP server 'ci' uses auth_mode 'bearer', but alias 'github' uses strategy 'per_user': "
        "a static bearer carries no end user, so that alias could never resolve a connection "
        "(MCP_BEARER_BLOCKS_PER_USER) (use auth_mode 'oauth' (tokens that carry the end user), or give the alias "
        "strategy 'per_user_with_fallback' with a connection)",
        "w.yaml:17:16: error: MCP server 'both' uses auth_mode 'oauth_and_bearer', but alias 'github' uses strategy "
        "'per_user': a static bearer carries no end user, so that alias could never resolve a connection "
        "(MCP_BEARER_BLOCKS_PER_USER) (use auth_mode 'oauth' (tokens that carry the end user), or give the alias "
        "strategy 'per_user_with_fallback' with a connection)",
    ]


def test_a_bearer_is_fine_where_no_alias_needs_an_end_users_connection(
    make_project: ProjectMaker, catalog: Catalog
) -> None:
    # kv-store takes no credentials: stored as per_user without a connection, yet nothing to resolve per user.
    root = make_project({"w.yaml": HEAD + "mcp_servers:\n  ci: {auth_mode: bearer, tools: [{tool: kv.get}]}\n"})
    assert messages(root, catalog) == []


def test_schema_errors_of_a_server_are_positioned(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
mcp_servers:
  support agent:
    auth_mode: token
    tools:
      - tool: kv
        bearer_token: mcp_x
"""})
    found = messages(root, catalog)
    assert any(m.startswith("w.yaml:11:3: error:") for m in found), found  # the name with a space
    assert any(m.startswith("w.yaml:12:16: error:") and "oauth" in m for m in found), found
    assert any(m.startswith("w.yaml:14:15: error:") for m in found), found  # 'kv' is not alias.action
    assert any(m.startswith("w.yaml:15:9: error:") and "bearer_token" in m for m in found), found
