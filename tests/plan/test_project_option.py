"""Every project command takes its project the same way: -p/--project (and $WEAVZ_FLOW_PROJECT); the older
positional PATH still works, and PATH and --project naming different folders is a usage error."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from weavz_flow.cli.main import COMMANDS, cli
from weavz_flow.cli.project_option import PROJECT_ENV

# Commands that do not work on a project: browsing the catalog, and creating a new project.
NOT_PROJECT_COMMANDS = {"integrations", "init"}


def leaf_commands() -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            for sub_name, sub in command.commands.items():
                yield f"{name} {sub_name}", sub
        else:
            yield name, command


PROJECT_COMMANDS = [(n, c) for n, c in leaf_commands() if n.split()[0] not in NOT_PROJECT_COMMANDS]


def run(*args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_the_command_table_has_project_commands():
    names = {n for n, _ in PROJECT_COMMANDS}
    assert {"validate", "plan", "apply", "import", "run", "runs list", "runs show", "schedule", "worker",
            "watch", "serve"} <= names


@pytest.mark.parametrize("name,command", PROJECT_COMMANDS, ids=[n for n, _ in PROJECT_COMMANDS])
def test_every_project_command_accepts_project(name, command):
    option = next((p for p in command.params if "--project" in getattr(p, "opts", [])), None)
    assert option is not None, f"{name} has no --project"
    assert "-p" in option.opts and option.envvar == PROJECT_ENV
    help_text = run(*name.split(), "--help").output
    assert "-p, --project PATH" in help_text


@pytest.mark.parametrize("args", [("validate",), ("plan",), ("runs", "list")])
def test_project_option_positional_and_env_agree(project_root, tmp_path, monkeypatch, args):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    by_option = run(*args, "--project", str(project_root))
    assert by_option.exit_code == 0, by_option.output
    by_short = run(*args, "-p", str(project_root))
    by_env = run(*args, env={PROJECT_ENV: str(project_root)})
    assert by_short.output == by_option.output == by_env.output
    if args[0] != "runs":  # the commands that took a positional PATH before still do
        assert run(*args, str(project_root)).output == by_option.output
        assert run(*args, str(project_root), "--project", str(project_root)).output == by_option.output


def test_path_and_project_naming_different_folders_is_a_usage_error(project_root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    result = run("plan", str(project_root), "--project", str(other))
    assert result.exit_code == 2 and "name different projects" in result.output


def test_positional_path_wins_over_the_environment(project_root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    result = run("validate", str(project_root), env={PROJECT_ENV: str(other)})
    assert result.exit_code == 0, result.output


def test_apply_and_run_take_project(project_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    applied = run("apply", "-p", str(project_root), "--auto-approve")
    assert applied.exit_code == 0 and "Apply complete!" in applied.output
    again = run("plan", "-p", str(project_root), "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes." in again.output


def test_serve_ignores_the_environment_project_without_scheduler(tmp_path):
    # serve takes a project only with --scheduler: a CI-wide $WEAVZ_FLOW_PROJECT must not make it refuse to start.
    # A bad size limit stops it right after that check, before anything listens.
    bad_limit = {"WEAVZ_FLOW_LIMIT_REQUEST_BODY_BYTES": "abc"}
    given = run("serve", "--project", str(tmp_path), env=bad_limit)
    assert given.exit_code == 2 and "--project is for --scheduler" in given.output
    from_env = run("serve", env={**bad_limit, PROJECT_ENV: str(tmp_path)})
    assert from_env.exit_code == 1 and "LIMIT_REQUEST_BODY_BYTES must be a whole number" in from_env.output
