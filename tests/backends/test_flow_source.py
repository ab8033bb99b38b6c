"""A flow step's execute (the runner calls through a backend's ``execute``) is recorded with source ``flow``."""

from __future__ import annotations

from pathlib import Path

from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.engine.inputs import WorkspaceCreate


def test_a_backend_call_is_recorded_as_a_flow_step(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / ".weavz-flow")
    try:
        backend.engine.workspaces.create(backend.caller, WorkspaceCreate(name="Flows", slug="flows"))
        backend.execute(ExecuteCall(workspace="flows", integration="kv-store", action="put",
                                    input={"key": "k", "value": 1}))
        records = backend.engine.executions.list_page(backend.caller).items
        assert [(r.action_name, r.source) for r in records] == [("put", "flow")]
    finally:
        backend.close()
