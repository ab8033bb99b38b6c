"""A small JSONPath subset for data-transformer: ``$``, ``.key``, ``['key']``, ``[index]`` (negative counts from
the end) and ``[*]`` / ``.*`` (every element; the result is then a list)."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"""\.(\*|[^.\[\]]+)|\[\s*(\*|-?\d+|'[^']*'|"[^"]*")\s*\]""")

_MISSING = object()


class JsonPathError(ValueError):
    pass


def parse(path: str) -> list[str | int]:
    """Steps of a path: keys, indexes and ``"*"``. Raises :class:`JsonPathError` on anything else."""
    text = path.strip()
    if not text.startswith("$"):
        raise JsonPathError(f"a path starts with '$': {path!r}")
    steps: list[str | int] = []
    pos = 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise JsonPathError(f"cannot read {path!r} at position {pos}")
        dotted, bracketed = match.groups()
        if dotted is not None:
            steps.append(dotted)
        elif bracketed == "*":
            steps.append("*")
        elif bracketed[0] in "'\"":
            steps.append(bracketed[1:-1])
        else:
            steps.append(int(bracketed))
        pos = match.end()
    return steps


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``; None where it does not exist."""
    results = _walk([data], parse(path))
    wildcard = "*" in parse(path)
    values = [v for v in results if v is not _MISSING]
    if wildcard:
        return values
    return values[0] if values else None


def _walk(current: list[Any], steps: list[str | int]) -> list[Any]:
    for step in steps:
        following: list[Any] = []
        for value in current:
            if step == "*":
                if isinstance(value, list):
                    following.extend(value)
                elif isinstance(value, dict):
                    following.extend(value.values())
            elif isinstance(step, int):
                ok = isinstance(value, list) and -len(value) <= step < len(value)
                following.append(value[step] if ok else _MISSING)
            elif isinstance(value, dict):
                following.append(value.get(step, _MISSING))
            elif isinstance(value, list) and step.lstrip("-").isdigit():
                index = int(step)
                following.append(value[index] if -len(value) <= index < len(value) else _MISSING)
            else:
                following.append(_MISSING)
        current = following
    return current
