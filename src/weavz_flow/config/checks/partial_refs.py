"""A list of partial names against the workspace: each declared, and each for the alias (and action) that uses it.
Flow steps and MCP tools name partials the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from weavz_flow.config.checks.findings import Findings
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.recover import Damage
from weavz_flow.diagnostics import Position
from weavz_flow.suggest import did_you_mean


def check_partial_names(workspace: WorkspaceFile, names: Sequence[str], uses: str, where: Callable[[int], Position],
                        damage: Damage, findings: Findings) -> None:
    """``uses`` is ``<alias>.<action>``; ``where(i)`` the position of the i-th name; ``damage`` the workspace file's
    (a partial a schema error left out is not reported as undeclared)."""
    alias, _, action = uses.partition(".")
    for i, name in enumerate(names):
        partial = workspace.partials.get(name)
        if partial is None:
            if damage.may_hold(name, "partials"):
                continue
            findings.error("unknown-partial", f"partial '{name}' is not declared in this workspace", where(i),
                           did_you_mean(name, workspace.partials) or "declare it under 'partials'")
        elif partial.alias != alias or partial.action not in (None, action):
            scope = partial.alias + (f".{partial.action}" if partial.action else "")
            fitting = [n for n, p in workspace.partials.items() if p.alias == alias and p.action in (None, action)]
            findings.error("partial-mismatch", f"partial '{name}' is for '{scope}', not '{uses}'", where(i),
                           "partials that fit: " + ", ".join(f"'{n}'" for n in fitting) if fitting
                           else f"remove it, or declare a partial for alias '{alias}'")
