"""The ``weavz-flow`` command: parses, dispatches, and turns errors into messages and exit codes in one place.

Subcommands are imported only when invoked, so that ``weavz-flow validate`` does not pay for the server or the store.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from typing import Any

import click

from weavz_flow.cli.crash_log import CrashLogError, write_crash_log
from weavz_flow.errors import WeavzFlowError

# command name -> "module:attribute"; each module holds one command (or group) and nothing else.
COMMANDS: dict[str, str] = {
    "validate": "weavz_flow.cli.validate_cmd:validate",
    "integrations": "weavz_flow.cli.integrations_cmd:integrations",
    "plan": "weavz_flow.cli.plan_cmd:plan",
    "apply": "weavz_flow.cli.apply_cmd:apply",
    "approvals": "weavz_flow.cli.approvals_cmd:approvals",
    "triggers": "weavz_flow.cli.triggers_cmd:triggers",
    "force-unlock": "weavz_flow.cli.force_unlock_cmd:force_unlock",
    "connect": "weavz_flow.cli.connect_cmd:connect",
    "serve": "weavz_flow.cli.serve_cmd:serve_command",
    "import": "weavz_flow.cli.import_cmd:import_command",
    "mcp": "weavz_flow.cli.mcp_commands:mcp",
    "init": "weavz_flow.cli.init_cmd:init",
    "run": "weavz_flow.cli.run_cmd:run",
    "runs": "weavz_flow.cli.runs_cmd:runs",
    "schedule": "weavz_flow.cli.schedule_cmd:schedule",
    "watch": "weavz_flow.cli.watch_cmd:watch",
    "worker": "weavz_flow.cli.worker_cmd:worker",
}


class LazyGroup(click.Group):
    table: dict[str, str] = COMMANDS  # a command group of its own (``mcp``) subclasses this with its table

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.table)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.table.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WeavzFlowError as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # The reader went away (`| head`); nothing left to say to it. Point stdout at devnull so the interpreter's
            # final flush does not raise again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug: one line for the user, the traceback to a log file
            logging.getLogger("weavz_flow").debug("unexpected error", exc_info=True)
            try:
                where = f"traceback written to {write_crash_log(traceback.format_exc())}"
            except CrashLogError as log_error:
                where = f"traceback not written: {log_error}"
            click.echo(f"Internal error: {type(exc).__name__}: {exc} ({where})", err=True)
            sys.exit(70)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="weavz-flow")
def cli() -> None:
    """weavz-flow: the Weavz unified action API, self-hosted and driven by YAML in git."""


def main() -> None:
    cli(prog_name="weavz-flow")
