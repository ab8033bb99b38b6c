"""The one way every project command is told its project: ``-p/--project PATH`` (else ``$WEAVZ_FLOW_PROJECT``, else
found by walking up from the working directory).

Commands that took the project as a positional ``PATH`` before keep it, so existing scripts work; giving both and
naming different folders is a usage error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

PROJECT_ENV = "WEAVZ_FLOW_PROJECT"
PROJECT_HELP = f"The project folder (or a file in it) [default: ${PROJECT_ENV}, else found from the current directory]."

F = TypeVar("F", bound=Callable[..., Any])

_OPTION_DEST = "project_option_value"


def project_option(dest: str = "project_path", *, positional: bool = False) -> Callable[[F], F]:
    """Add ``-p/--project`` to a command; its value reaches the callback as ``dest``.

    With ``positional``, the command also accepts the project as an optional ``PATH`` argument (its older spelling).
    """
    option = click.option("-p", "--project", _OPTION_DEST if positional else dest, envvar=PROJECT_ENV,
                          type=click.Path(path_type=Path), metavar="PATH", help=PROJECT_HELP)
    if not positional:
        return option

    def decorate(callback: F) -> F:
        @functools.wraps(callback)
        def merged(*args: Any, **kwargs: Any) -> Any:
            kwargs[dest] = _one_project(kwargs.pop(_POSITIONAL_DEST), kwargs.pop(_OPTION_DEST))
            return callback(*args, **kwargs)

        argument = click.argument(_POSITIONAL_DEST, metavar="[PATH]", required=False, type=click.Path(path_type=Path))
        return argument(option(merged))  # type: ignore[return-value]

    return decorate


_POSITIONAL_DEST = "project_argument_value"


def project_from_command_line(dest: str = "project_path") -> bool:
    """Whether the project option was given on the command line (not taken from the environment)."""
    return click.get_current_context().get_parameter_source(dest) is ParameterSource.COMMANDLINE


def _one_project(positional: Path | None, option: Path | None) -> Path | None:
    if positional is None or option is None:
        return positional if positional is not None else option
    ctx = click.get_current_context()
    if ctx.get_parameter_source(_OPTION_DEST) is ParameterSource.ENVIRONMENT:
        return positional  # the environment is a default; a path on the command line is more specific
    if positional.resolve() != option.resolve():
        raise click.UsageError(f"PATH ({positional}) and --project ({option}) name different projects; give one")
    return positional
