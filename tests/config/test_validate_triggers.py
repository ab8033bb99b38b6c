"""validate on flows with ``on:``: trigger names, trigger inputs, webhook paths and the ``trigger.`` references."""

from __future__ import annotations

from tests.config.conftest import ProjectMaker
from tests.config.test_validate import WORKSPACE, errors
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.validate import validate_project

STEP = ("steps:\n  - id: post\n    uses: slack_bot.send_channel_message\n"
        "    with: {text: \"{{ trigger.data.title }}\"}\n")


def on_flow(on: str, steps: str = STEP, name: str = "f") -> str:
    return f"flow: {name}\nworkspace: main\nend_user: alice\non:\n{on}{steps}"


def test_a_valid_flow_with_triggers(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": on_flow(
        "  - trigger: {uses: github.new_issue, with: {repository: a/b}, every: 1m}\n"
        "  - webhook: {path: hooks/issues, secret: {env: HOOK_SECRET}}\n"
        "    overlap: queue\n",
        STEP.replace("trigger.data.title", "trigger.id }} {{ trigger.occurredAt }} {{ trigger.data['n']"))})
    report = validate_project(root, catalog)
    assert report.diagnostics == []
    flow = report.project.flows["f"]
    assert [e.key for e in flow.on] == ["github.new_issue", "webhook.hooks.issues"]


def test_trigger_names_and_inputs(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": on_flow(
        "  - trigger: {uses: github.new_isue, with: {repository: a/b}}\n"
        "  - trigger: {uses: githb.new_issue}\n"
        "  - trigger: {uses: slack_bot.new_message}\n"
        "  - id: second\n"
        "    trigger: {uses: github.new_issue, with: {repo: a/b, per_page: many}}\n"
        "  - id: third\n"
        "    trigger: {uses: github.new_issue, with: {repository: \"{{ inputs.r }}\"}}\n")})
    assert errors(root, catalog) == [
        "f.yaml:5:21: error: integration 'github' has no trigger 'new_isue' (did you mean 'new_issue'?)",
        "f.yaml:6:21: error: 'githb' is not an alias of workspace 'main' (did you mean 'github'?)",
        "f.yaml:7:21: error: integration 'slack' has no trigger 'new_message' (integration 'slack' defines no "
        "triggers)",
        "f.yaml:9:21: error: trigger 'github.new_issue' requires 'repository', which the entry does not set (add it "
        "under 'with')",
        "f.yaml:9:46: error: 'repo' is not an input of trigger 'github.new_issue' (its inputs: repository, labels, "
        "per_page)",
        "f.yaml:9:67: error: 'per_page' must be a number, got string (write the number without quotes)",
        "f.yaml:11:58: error: a trigger's input is registered once, not rendered: templates are not allowed here "
        "(give a literal value)",
    ]


def test_entries_and_paths(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE,
                         "f.yaml": on_flow("  - webhook: {path: in}\n  - webhook: {path: in}\n"
                                           "  - trigger: {uses: github.new_issue, with: {repository: a/b}}\n"
                                           "    webhook: {path: both}\n  - webhook: {path: ../up}\n"),
                         "g.yaml": on_flow("  - webhook: {path: in}\n", name="g")})
    assert errors(root, catalog) == [
        "f.yaml:6:5: error: 'on' has entry 'webhook.in' twice (give one of them an 'id'; the first is at f.yaml:5:5)",
        "f.yaml:7:5: error: 'on[2]': an 'on' entry has exactly one of 'trigger' or 'webhook' (write '- trigger: "
        "{uses: ...}' or '- webhook: {path: ...}')",
        "f.yaml:9:21: error: 'on[3].webhook.path': use a value matching "
        "^[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*)*$",
        "g.yaml:5:21: error: webhook path 'in' is taken by flow 'f' already (give each flow webhook its own path)",
    ]


def test_trigger_references(make_project: ProjectMaker, catalog: Catalog) -> None:
    body = "steps:\n  - id: post\n    uses: slack_bot.send_channel_message\n    with: {text: \"{{ trigger.titel }}\"}\n"
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": on_flow("  - webhook: {path: in}\n", body),
                         "g.yaml": "flow: g\nworkspace: main\n" + STEP})
    assert errors(root, catalog) == [
        "f.yaml:9:18: error: trigger has no 'titel' (the event's fields: id, data, source, occurredAt, integration, "
        "name)",
        "g.yaml:6:18: error: 'trigger' is only defined in a flow started by events ('on:') (add an 'on:' trigger or "
        "webhook to the flow, or read 'inputs' instead)",
    ]


def test_required_inputs_need_defaults(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": on_flow(
        "  - webhook: {path: in}\n", "inputs:\n  channel: {required: true}\n" + STEP)})
    assert errors(root, catalog) == [
        "f.yaml:7:3: error: flow started by events has required input 'channel' without a default (give it a "
        "default: an event passes no inputs)"]
