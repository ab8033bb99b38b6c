"""``examples/ci/weavz-flow.yml``, the CI guide's workflow: it parses, and every ``weavz-flow`` command it runs exists
in the CLI and accepts the options it is given (parsed by click as the real command would parse them)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from weavz_flow.cli.main import cli

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "weavz-flow.yml"
SHELL_OPERATORS = {">", ">>", "<", "|", "||", "&&", ";", "&", "2>&1"}


def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def commands(doc: dict[Any, Any]) -> list[tuple[str, list[str]]]:
    """(job, arguments after `weavz-flow`) for each weavz-flow command line of every step's script."""
    found = []
    for job_name, job in doc["jobs"].items():
        for step in job["steps"]:
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                words = shlex.split(line, comments=True)
                while "weavz-flow" in words:
                    words = words[words.index("weavz-flow") + 1:]
                    end = next((i for i, w in enumerate(words) if w in SHELL_OPERATORS), len(words))
                    found.append((job_name, words[:end]))
                    words = words[end:]
    return found


def parse(args: list[str]) -> tuple[list[str], click.Context]:
    """The command path and the parsed context, as the CLI would parse ``args`` (a bad option raises)."""
    command: click.Command = cli
    path: list[str] = []
    ctx = click.Context(cli)
    while isinstance(command, click.Group):
        assert args, f"weavz-flow {' '.join(path)} needs a subcommand"
        name, args = args[0], args[1:]
        sub = command.get_command(ctx, name)
        assert sub is not None, f"weavz-flow has no command {' '.join([*path, name])}"
        command, path = sub, [*path, name]
    return path, command.make_context(" ".join(path), list(args))


def test_the_workflow_runs_validate_and_a_markdown_plan_on_pull_requests_and_apply_on_main():
    doc = workflow()
    assert set(doc[True]) == {"pull_request", "push"}  # PyYAML reads the key `on` as True
    assert doc[True]["push"]["branches"] == ["main"]
    by_job: dict[str, list[list[str]]] = {}
    for job, args in commands(doc):
        by_job.setdefault(job, []).append(args)
    assert by_job["plan"] == [["validate"], ["plan", "--format", "markdown", "--detailed-exitcode"]]
    assert by_job["apply"] == [["validate"], ["apply", "--auto-approve", "--lock-timeout", "300"]]
    assert "pull_request" in doc["jobs"]["plan"]["if"] and "refs/heads/main" in doc["jobs"]["apply"]["if"]


@pytest.mark.parametrize("job,args", commands(workflow()), ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_every_command_exists_with_its_options(job, args):
    path, ctx = parse(args)
    assert path == [args[0]]
    given = {a.split("=", 1)[0] for a in args if a.startswith("-")}
    known = {opt for p in ctx.command.params for opt in (*p.opts, *p.secondary_opts)}
    assert given <= known, given - known


def test_ci_secrets_come_from_github_secrets():
    env = workflow()["env"]
    for name in ("WEAVZ_API_URL", "WEAVZ_API_KEY", "WEAVZ_FLOW_STATE_KEY"):
        assert env[name] == f"${{{{ secrets.{name} }}}}"
    # Every secret the example workspaces read from the environment is passed from a GitHub secret.
    examples = WORKFLOW.parents[1]
    wanted = set()
    for path in (examples / "workspaces").glob("*.yaml"):
        for conn in (yaml.safe_load(path.read_text(encoding="utf-8")).get("connections") or {}).values():
            wanted |= {ref["env"] for ref in conn.values() if isinstance(ref, dict) and "env" in ref}
    assert wanted and all(env.get(name) == f"${{{{ secrets.{name} }}}}" for name in wanted), wanted


def test_an_unknown_option_is_caught():
    # The check above is not vacuous: click refuses what the CLI would refuse.
    with pytest.raises(click.UsageError):
        parse(["plan", "--format", "html"])
    with pytest.raises(click.NoSuchOption):
        parse(["apply", "--yes"])
