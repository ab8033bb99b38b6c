from __future__ import annotations

from pathlib import Path

import pytest

from weavz_flow.config.model.base import SecretRef
from weavz_flow.config.secret_values import SecretUnavailableError, resolve_secret


def test_env_reference(tmp_path: Path) -> None:
    value = resolve_secret(SecretRef(env="TOKEN"), tmp_path, {"TOKEN": "s3cr3t"})
    assert value.reveal() == "s3cr3t" and "s3cr3t" not in repr(value)
    with pytest.raises(SecretUnavailableError, match="TOKEN is not set"):
        resolve_secret(SecretRef(env="TOKEN"), tmp_path, {})


def test_file_reference_is_relative_to_the_root(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "t").write_text("from-file\n", encoding="utf-8")
    assert resolve_secret(SecretRef(file="secrets/t"), tmp_path).reveal() == "from-file"
    with pytest.raises(SecretUnavailableError, match="secrets/missing"):
        resolve_secret(SecretRef(file="secrets/missing"), tmp_path)
