"""``python paused_apply.py SECONDS ARGS...``: the CLI, with ``apply`` pausing SECONDS after each applied object.

Tests start this as a subprocess so they can kill an apply, or make two contend for the lock, at a chosen point;
the pause goes through ``apply_plan``'s ``between`` callback, so production code carries no test hook.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

SCRIPT = str(Path(__file__).resolve())


def command(seconds: float, *args: str) -> list[str]:
    """The argv that runs the CLI with ARGS, pausing ``seconds`` between applied objects."""
    return [sys.executable, SCRIPT, str(seconds), *args]


def _main() -> None:
    from weavz_flow.cli import apply_cmd
    from weavz_flow.cli.main import main

    seconds = float(sys.argv[1])
    apply_plan = apply_cmd.apply_plan

    def paused(*args: Any, **kwargs: Any) -> Any:
        return apply_plan(*args, **{**kwargs, "between": lambda: time.sleep(seconds)})

    apply_cmd.apply_plan = paused
    sys.argv = ["weavz-flow", *sys.argv[2:]]
    main()


if __name__ == "__main__":
    _main()
