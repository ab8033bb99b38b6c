"""Flows on the embedded engine meet the same input rules as REST callers: size limits (raised by ``backend.limits``
in weavz-flow.yaml) and valid text, checked where the kv and file stores write."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.example_project import converge, copy_examples
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.errors import ApiError
from weavz_flow.plan.session import open_backend
from weavz_flow.size_limits import SizeLimits


def _with_limits(root: Path, limits: str) -> None:
    project_file = root / "weavz-flow.yaml"
    text = project_file.read_text(encoding="utf-8")
    project_file.write_text(text.replace("  type: local", f"  type: local\n  limits: {limits}", 1), encoding="utf-8")


def test_project_file_limits_reach_the_embedded_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_examples(tmp_path / "project", monkeypatch)
    _with_limits(root, "{kv_value_bytes: 4194304, metadata_bytes: 16}")
    converge(root, LocalBackend(root / ".weavz-flow"))
    backend = open_backend(load_project(root))
    assert isinstance(backend, LocalBackend)
    try:
        assert backend.engine.size_limits == SizeLimits.of(kv_value_bytes=4 * 1024 * 1024, metadata_bytes=16)
        big = "v" * (2 * 1024 * 1024)  # over the default 1 MiB, within the raised 4 MiB
        put = backend.execute(ExecuteCall("acme-staging", "kv-store", "put", {"key": "big", "value": big}, alias="kv"))
        assert put.output["key"] == "big"
        with pytest.raises(ApiError) as refused:
            backend.execute(ExecuteCall("acme-staging", "kv-store", "put", {"key": "k" * 401, "value": 1}, alias="kv"))
        assert refused.value.code == "VALIDATION_ERROR"
        assert refused.value.details is not None and refused.value.details["fields"][0]["field"] == "key"
    finally:
        backend.close()


def test_invalid_text_from_a_flow_is_refused_before_it_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_examples(tmp_path / "project", monkeypatch)
    backend = LocalBackend(root / ".weavz-flow")
    try:
        converge(root, backend)
        for value in ("a\ud800", {"nested": ["ok", "b\x00"]}):
            with pytest.raises(ApiError) as refused:
                backend.execute(ExecuteCall("acme-staging", "kv-store", "put", {"key": "k", "value": value},
                                            alias="kv"))
            assert refused.value.code == "VALIDATION_ERROR", refused.value
        got = backend.execute(ExecuteCall("acme-staging", "kv-store", "get", {"key": "k"}, alias="kv"))
        assert got.output["found"] is False
    finally:
        backend.close()
