"""What a reviewer sees of a paused call: its final input with secrets and enforced values masked, and where.

Masked, with the path of each mask in ``redactedPaths``: the value of every enforced key (a locked tenant id or route
may be a secret of its own, and the reviewer approves the call, not the partial), every value under a key whose name
says it is secret (``password``, ``token``, ``api_key``...), and every string holding one of the call's secret strings
(the credential's, and those the caller named as secret). The preview is stored and shown; the input itself never is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from weavz_flow.redact import REDACTED, Redactor

# Key names that hold secrets by convention; matched on the name folded to lower case without separators.
_SECRET_NAME = re.compile(
    r"(password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|authorization|credential|cookie)$"
)
_MAX_PREVIEW_STRING = 2000  # a long text is cut in the preview: a reviewer reads the start, the hash binds it all


@dataclass(frozen=True, slots=True)
class Preview:
    input: dict[str, Any]
    redacted_paths: tuple[str, ...]


def preview_of(values: Mapping[str, Any], *, enforced_keys: Iterable[str], secrets: Iterable[str]) -> Preview:
    redactor = Redactor(list(secrets))
    enforced = set(enforced_keys)
    paths: list[str] = []
    shown: dict[str, Any] = {}
    for key, value in values.items():
        path = f"input.{key}"
        if key in enforced or _secret_name(key):
            shown[key] = REDACTED
            paths.append(path)
        else:
            shown[key] = _masked(value, path, redactor, paths)
    return Preview(shown, tuple(paths))


def _masked(value: Any, path: str, redactor: Redactor, paths: list[str]) -> Any:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}"
            if _secret_name(str(key)):
                out[str(key)] = REDACTED
                paths.append(sub)
            else:
                out[str(key)] = _masked(item, sub, redactor, paths)
        return out
    if isinstance(value, list | tuple):
        return [_masked(item, f"{path}[{i}]", redactor, paths) for i, item in enumerate(value)]
    if isinstance(value, str):
        masked = redactor.text(value)
        if masked != value:
            paths.append(path)
        return masked if len(masked) <= _MAX_PREVIEW_STRING else masked[:_MAX_PREVIEW_STRING] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _secret_name(name: str) -> bool:
    return _SECRET_NAME.search(re.sub(r"[^a-z0-9]", "", name.lower())) is not None
