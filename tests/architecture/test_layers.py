"""Imports go downward only: a module may import from its own layer and the layers below it, never above.

The order is DESIGN.md's: catalog, integrations, engine, server, backends, config, plan, runner, schedule, cli, with
shared vocabulary (errors, diagnostics, sensitive, redact, suggest, credential_hosts, text_check, size_limits, and the
wire format with its vocabulary, used by the engine, the config, the server and the remote backend) beneath them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import weavz_flow

PACKAGE = Path(weavz_flow.__file__).parent

LAYERS = ["catalog", "integrations", "engine", "server", "backends", "config", "plan", "runner", "schedule", "cli"]
BOTTOM = {
    "errors", "diagnostics", "sensitive", "redact", "suggest", "credential_hosts", "text_check", "size_limits",
    "wire",
}

# Deliberate exceptions, each with the reason. Config sits above the engine in the stack but never needs it; the
# server, being an adapter, may read config-free engine APIs only. Nothing is excepted today.
ALLOWED: set[tuple[str, str]] = set()


def layer_of(module: str) -> int | None:
    """Rank of a weavz_flow module (bottom vocabulary is -1; the package root and __main__ are unranked)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "weavz_flow":
        return None
    head = parts[1]
    if head in BOTTOM:
        return -1
    if head in LAYERS:
        return LAYERS.index(head)
    return None


def imported_modules(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = module.split(".")[: -node.level]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
    return {m for m in found if m.startswith("weavz_flow")}


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_go_downward_only(module: str, path: Path) -> None:
    own = layer_of(module)
    if own is None:
        return
    upward = [
        target
        for target in imported_modules(path, module)
        if (rank := layer_of(target)) is not None and rank > own and (module, target) not in ALLOWED
    ]
    assert not upward, f"{module} imports from a higher layer: {upward}"


# Above backends/ nothing reaches the engine's modules: the runner, the scheduler and the CLI store and run through the
# backends' ports (a local or a remote backend alike); the CLI may reach the engine only through server or backends.
NO_ENGINE = ("runner", "schedule", "cli")
ENGINE = "weavz_flow.engine"


def engine_imports(path: Path, module: str) -> list[str]:
    """The ``weavz_flow.engine`` modules ``module`` (at ``path``) imports, directly or as ``from weavz_flow import``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = {f"weavz_flow.{alias.name}" for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "weavz_flow" and not node.level
             for alias in node.names}
    found = imported_modules(path, module) | named
    return sorted(m for m in found if m == ENGINE or m.startswith(ENGINE + "."))


@pytest.mark.parametrize(("module", "path"), [(m, p) for m, p in modules() if m.split(".")[1:2] and
                                               m.split(".")[1] in NO_ENGINE],
                         ids=[m for m, _ in modules() if m.split(".")[1:2] and m.split(".")[1] in NO_ENGINE])
def test_runner_schedule_and_cli_never_import_the_engine(module: str, path: Path) -> None:
    assert not engine_imports(path, module), f"{module} imports the engine: {engine_imports(path, module)}"


@pytest.mark.parametrize("source", [
    "from weavz_flow.engine.store import Store\n",
    "import weavz_flow.engine.tables\n",
    "from weavz_flow import engine\n",
    "def later():\n    from weavz_flow.engine import Engine\n",
    "from ..engine import tables\n",
])
def test_the_engine_check_catches_an_import_of_the_engine(tmp_path: Path, source: str) -> None:
    path = tmp_path / "violation.py"
    path.write_text(source, encoding="utf-8")
    assert engine_imports(path, "weavz_flow.schedule.violation") != []


def test_the_engine_check_lets_the_backends_ports_through(tmp_path: Path) -> None:
    path = tmp_path / "fine.py"
    path.write_text("from weavz_flow.backends.stores import Store\nfrom weavz_flow import backends\n",
                    encoding="utf-8")
    assert engine_imports(path, "weavz_flow.schedule.fine") == []
