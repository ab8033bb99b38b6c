"""Reading the value behind a :class:`SecretRef`, at apply or run time (never during ``validate``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from weavz_flow.config.model.base import SecretRef
from weavz_flow.errors import WeavzFlowError
from weavz_flow.sensitive import Sensitive


class SecretUnavailableError(WeavzFlowError):
    """A referenced variable is unset or a referenced file cannot be read. The message names the reference only."""


def resolve_secret(ref: SecretRef, root: Path, environ: Mapping[str, str] | None = None) -> Sensitive[str]:
    """The referenced value. ``file`` paths are relative to the project ``root``; one trailing newline is dropped,
    since editors and ``echo`` add one."""
    if ref.env is not None:
        env = os.environ if environ is None else environ
        value = env.get(ref.env)
        if value is None:
            raise SecretUnavailableError(f"environment variable {ref.env} is not set")
        return Sensitive(value)
    assert ref.file is not None  # the model guarantees exactly one source
    path = Path(ref.file).expanduser()
    path = path if path.is_absolute() else root / path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretUnavailableError(f"cannot read secret file {ref.file}: {exc.strerror}") from None
    return Sensitive(text[:-1] if text.endswith("\n") else text)
