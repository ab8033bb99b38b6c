"""The public API is exactly ``weavz_flow.__all__``: every name in it exists, and nothing public leaks beside it."""

from __future__ import annotations

import subprocess
import sys
import types

import weavz_flow

# What a program embedding weavz-flow starts from: the engine, both backends, the flow runner, plan and apply.
ENTRY_POINTS = {
    "Engine", "Backend", "LocalBackend", "RemoteBackend", "FlowRunner", "RunResult",
    "load_project", "Project", "PlanRequest", "make_plan", "open_backend", "Plan", "apply_plan", "ApplyResult",
}


def test_all_names_exist() -> None:
    for name in weavz_flow.__all__:
        assert hasattr(weavz_flow, name), name


def test_no_unlisted_public_names() -> None:
    for name in weavz_flow.__all__:
        getattr(weavz_flow, name)  # the entry points load on first read; loaded, they must still be all there is
    public = {
        name
        for name, value in vars(weavz_flow).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(weavz_flow.__all__)
    assert {n for n in dir(weavz_flow) if not n.startswith("_")} >= public


def test_the_library_entry_points_are_exported() -> None:
    assert set(weavz_flow.__all__) >= ENTRY_POINTS
    assert weavz_flow.Engine.__module__ == "weavz_flow.engine.engine"
    assert weavz_flow.apply_plan.__module__ == "weavz_flow.plan.apply"


def test_importing_the_package_loads_no_entry_point_stack() -> None:
    """Every CLI command imports the package; validate must not pay for the store, the server or HTTP."""
    probe = ("import sys, weavz_flow; print(' '.join(m for m in sys.modules if m.split('.')[0] in "
             "('sqlalchemy', 'fastapi', 'httpx') or m.startswith(('weavz_flow.engine', 'weavz_flow.server', "
             "'weavz_flow.backends', 'weavz_flow.runner', 'weavz_flow.plan'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.split() == []
