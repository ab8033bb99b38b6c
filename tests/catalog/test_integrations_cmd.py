"""``weavz-flow integrations`` through the real top-level group, so errors render as users see them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.sdk_cache import CACHE_DIR_ENV, sdk_cache_path
from weavz_flow.cli.main import cli
from weavz_flow.integrations.custom_api_names import profile_names
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS


@pytest.fixture
def run(sdk_cache_dir: Path):  # type: ignore[no-untyped-def]
    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, ["integrations", *args], env=env, catch_exceptions=False)

    return invoke


def test_list(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "DISPLAY", "NAME", "NATIVE", "ACTIONS"]
    # slack and notion are native now (the NATIVE column says so), trello for its custom_api_call; mailchimp still
    # comes only from the SDK catalog
    assert re.search(r"^slack\s+Slack\s+yes\s+42$", result.stdout, re.MULTILINE)
    assert re.search(r"^notion\s+Notion\s+yes\s+13$", result.stdout, re.MULTILINE)
    assert re.search(r"^trello\s+Trello\s+yes\s+23$", result.stdout, re.MULTILINE)
    assert re.search(r"^mailchimp\s+Mailchimp\s+14$", result.stdout, re.MULTILINE)
    assert re.search(r"^google-sheets\s+Google Sheets\s+yes\s+17$", result.stdout, re.MULTILINE)
    names = [line.split()[0] for line in lines[1:-2]]
    assert names == sorted(names) and len(names) == 1079
    triggers = sum(len(i.triggers) for i in NATIVE_INTEGRATIONS.values())
    assert triggers >= 3  # http.catch_webhook, kv-store.key_changed, storage.new_file at least
    assert lines[-2] == f"1079 integrations, 10850 actions, {triggers} triggers"
    assert lines[-1].startswith("executable here: ")


def test_list_json(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] == len(data["integrations"]) == 1079
    by_name = {i["name"]: i for i in data["integrations"]}
    assert by_name["slack"]["actionCount"] == 42
    assert by_name["slack"]["displayName"] == "Slack"
    assert by_name["slack"]["native"] is True
    assert by_name["slack"]["auth"] == {"type": ["SECRET_TEXT", "OAUTH2"]}
    assert by_name["notion"]["native"] is True
    assert by_name["notion"]["auth"] == {"type": ["OAUTH2", "SECRET_TEXT"]}
    assert by_name["mailchimp"]["native"] is False
    assert by_name["mailchimp"]["auth"] == {"type": ["OAUTH2", "SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH"]}
    # a custom_api_call native keeps the catalog's connection types (its profile refuses the others when run)
    assert by_name["trello"]["native"] is True
    assert by_name["trello"]["auth"] == {"type": ["OAUTH2", "SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH"]}
    assert by_name["kv-store"]["auth"] == {"type": []}
    assert "actions" not in by_name["slack"]


def test_list_native(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list", "--native", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert sorted(i["name"] for i in data["integrations"]) == sorted(NATIVE_INTEGRATIONS)
    assert all(i["native"] for i in data["integrations"])
    runs_custom_api_call = [n for n, i in NATIVE_INTEGRATIONS.items() if "custom_api_call" in i.actions]
    assert data["counts"]["nativeIntegrations"] == len(NATIVE_INTEGRATIONS)
    assert data["counts"]["customApiCall"] == len(runs_custom_api_call) > len(profile_names())
    assert data["counts"]["nativeActions"] == sum(len(i.actions) for i in NATIVE_INTEGRATIONS.values())
    fully = [i for i in data["integrations"] if i["actionCount"] == len(NATIVE_INTEGRATIONS[i["name"]].actions)]
    assert data["counts"]["fullyNative"] == len(fully)
    assert data["counts"]["triggers"] == sum(len(i.triggers) for i in NATIVE_INTEGRATIONS.values())
    by_name = {i["name"]: i for i in data["integrations"]}
    assert by_name["http"]["triggerCount"] == len(NATIVE_INTEGRATIONS["http"].triggers) >= 1
    assert by_name["slack"]["triggerCount"] == len(NATIVE_INTEGRATIONS["slack"].triggers)
    text = run("list", "--native")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[-2].startswith(f"{len(NATIVE_INTEGRATIONS)} integrations")
    assert text.stdout.splitlines()[-1] == (
        f"executable here: {data['counts']['nativeActions']} actions; every action of "
        f"{data['counts']['fullyNative']} integrations; custom_api_call of {data['counts']['customApiCall']}")


def test_show_integration_lists_its_triggers(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "http")
    assert result.exit_code == 0
    assert f"{len(NATIVE_INTEGRATIONS['http'].triggers)} triggers:" in result.stdout.splitlines()
    assert re.search(r"^  catch_webhook\s+WEBHOOK\s+\(\+4 optional\)$", result.stdout, re.MULTILINE)
    data = json.loads(run("show", "http", "--json").stdout)
    assert data["triggers"]["catch_webhook"]["type"] == "WEBHOOK"
    assert data["triggers"]["catch_webhook"]["sampleData"]["method"] == "POST"
    one = run("show", "kv-store", "key_changed")
    assert one.exit_code == 0
    assert one.stdout.splitlines()[0] == "kv-store.key_changed: Key Changed (POLLING trigger)"
    assert re.search(r"^prefix\s+string\s+no\s+", one.stdout, re.MULTILINE)
    assert '"previousValue": 1041' in one.stdout
    assert json.loads(run("show", "kv-store", "key_changed", "--json").stdout)["type"] == "POLLING"


def test_show_integration(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "slack")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:3] == [
        "slack: Slack (native)",
        "connection types: SECRET_TEXT, OAUTH2",
        "42 actions (* = required):",
    ]
    assert re.search(r"^  send_channel_message\s+channel\*, text\* \(\+3 optional\)$", result.stdout, re.MULTILINE)
    assert re.search(r"^  delete_message\s+channel\*, timestamp\*$", result.stdout, re.MULTILINE)
    assert re.search(r"^  list_users\s+\(\+2 optional\)$", result.stdout, re.MULTILINE)


def test_show_sdk_only_integration_keeps_the_sdk_connection_types(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "mailchimp")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "mailchimp: Mailchimp",
        "connection types: OAUTH2, SECRET_TEXT, BASIC_AUTH, CUSTOM_AUTH",
    ]


def test_show_integration_json(run, sdk_catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "http", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["name"] == "http" and data["auth"] == {"type": []} and list(data["triggers"]) == ["catch_webhook"]
    # an integration only the SDK knows keeps its empty map of triggers
    assert json.loads(run("show", "mailchimp", "--json").stdout)["triggers"] == {}
    props = data["actions"]["send_request"]["props"]
    assert props["headers"] == {"type": "OBJECT", "displayName": "headers", "description": "Headers", "required": True}
    assert props["timeout"]["type"] == "NUMBER"


def test_show_action(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "slack", "send_channel_message")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "slack.send_channel_message: Slack — Send Channel Message"
    assert lines[1].split() == ["FIELD", "TYPE", "REQUIRED", "DESCRIPTION"]
    assert lines[2].split(maxsplit=3) == ["channel", "string", "yes", "Channel"]
    assert lines[4].split(maxsplit=3) == ["blocks", "any", "no", "Block Kit blocks as JSON array"]


def test_show_action_json_is_the_input_schema(run, sdk_catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "slack", "send_channel_message", "--json")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == sdk_catalog.action("slack", "send_channel_message").input_schema()
    assert schema["required"] == ["channel", "text"]
    assert schema["properties"]["unfurl_links"] == {
        "type": "boolean",
        "description": "Enable unfurling of primarily text-based content",
    }


def test_show_action_without_fields(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "github", "get_authenticated_user")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "no input fields" and lines[3].startswith("Output (an object): GitHub's user object")


def test_show_action_shows_the_native_output_shape(run) -> None:  # type: ignore[no-untyped-def]
    slack = run("show", "slack", "send_channel_message").stdout.splitlines()
    start = slack.index("Output (an object): Slack's chat.postMessage response.")
    assert slack[start + 1].split() == ["OUTPUT", "FIELD", "TYPE", "DESCRIPTION"]
    assert [line.split()[:2] for line in slack[start + 2:]] == [
        ["ok", "boolean"], ["channel", "string"], ["ts", "string"], ["message", "object"]]
    kv = run("show", "kv-store", "get").stdout.splitlines()
    start = kv.index("Output (an object): The value under the key; null (and found false) when there is none.")
    assert [line.split()[:2] for line in kv[start + 2:]] == [["key", "string"], ["value", "any"], ["found", "boolean"]]
    listed = run("show", "github", "list_issues").stdout
    assert "Output (an array; each item has these fields): GitHub's issue objects" in listed
    # An action of the catalog that this engine does not run (hosted Weavz does) has no shape to show.
    other = run("show", "hubspot", "create_contact")
    assert other.exit_code == 0 and "Output: not described here" in other.stdout


def test_unknown_integration_exits_1_with_hint(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "slak")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: INTEGRATION_NOT_FOUND: Integration 'slak' not found; did you mean 'slack'")


def test_unknown_action_exits_1_with_hint(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "github", "create_isue", "--json")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: ACTION_NOT_FOUND: Action 'create_isue' not found in integration 'github'; "
        "did you mean 'create_issue', 'get_issue' or 'update_issue'?\n"
    )


def test_cache_reports_the_current_cache(run, sdk_cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("cache")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Up to date: {sdk_cache_path(sdk_cache_dir)} (1079 integrations, 10850 actions")


@pytest.mark.slow
def test_cache_builds_into_an_empty_dir(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("cache", env={CACHE_DIR_ENV: str(tmp_path)})
    assert result.exit_code == 0
    assert "Building the catalog cache" in result.stderr
    assert result.stdout.startswith(f"Built: {sdk_cache_path(tmp_path)} (1079 integrations, 10850 actions")
    assert sdk_cache_path(tmp_path).is_file()
