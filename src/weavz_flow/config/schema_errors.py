"""Turning pydantic validation errors into positioned diagnostics.

A pydantic ``loc`` is a path of keys and indexes, with union member tags mixed in; walking it against the recorded
YAML paths drops the tags and lands on the node the user wrote. Messages never quote the offending input: it might
be a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from weavz_flow.config.model.base import (
    ALIAS_PATTERN,
    ENV_NAME_PATTERN,
    EXTERNAL_ID_PATTERN,
    FLOW_NAME_PATTERN,
    INPUT_NAME_PATTERN,
    SLUG_PATTERN,
    STEP_ID_PATTERN,
    USES_PATTERN,
)
from weavz_flow.config.yaml_source import NodePath, PositionMap
from weavz_flow.diagnostics import Diagnostic, Position, Severity
from weavz_flow.suggest import did_you_mean

_PATTERN_TEXT = {
    SLUG_PATTERN: "lowercase letters, digits and '-', not starting with '-'",
    ALIAS_PATTERN: "a lowercase letter, then lowercase letters, digits, '_' or '-'",
    STEP_ID_PATTERN: "lowercase letters, digits and '_', not starting with a digit (it is used as steps.<id>)",
    INPUT_NAME_PATTERN: "letters, digits and '_', not starting with a digit (it is used as inputs.<name>)",
    ENV_NAME_PATTERN: "letters, digits and '_', not starting with a digit",
    FLOW_NAME_PATTERN: "lowercase letters, digits, '_' and '-'",
    EXTERNAL_ID_PATTERN: "letters, digits and _ . : @ + -",
    USES_PATTERN: "'<alias>.<action>'",
}

_MAX_LISTED = 12  # a hint lists the accepted keys or values only when there are this few

_TYPE_WORDS = {
    "string_type": "a string",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "literal_secret": "a reference such as {env: NAME}",
}


def diagnostics_from_error(
    exc: ValidationError, positions: PositionMap, model: type[BaseModel]
) -> list[Diagnostic]:
    by_path: dict[NodePath, list[Mapping[str, Any]]] = {}
    key_errors: list[tuple[NodePath, Mapping[str, Any]]] = []
    for path, on_key, err in _relevant(exc, positions):
        if on_key:
            key_errors.append((path, err))
        else:
            by_path.setdefault(path, []).append(err)
    out: list[Diagnostic] = []
    for path, err in key_errors:
        out.append(_diag("invalid-name", f"invalid name '{path[-1]}': {_describe(err)}", positions.key(path)))
    for path, errors in by_path.items():
        out.extend(_diagnose(path, errors, positions, model))
    return out


def error_paths(exc: ValidationError, positions: PositionMap) -> list[tuple[NodePath, bool]]:
    """The YAML path of each reported error, and whether it names a missing key (for recovery)."""
    return [(path, err["type"] == "missing") for path, _, err in _relevant(exc, positions)]


def _relevant(exc: ValidationError, positions: PositionMap) -> list[tuple[NodePath, bool, Mapping[str, Any]]]:
    resolved = [_resolve(err, positions) for err in exc.errors(include_url=False, include_input=True)]
    # A union where one member got further (e.g. a mapping with a bad key) explains the problem better than the
    # other members' "wrong type" errors at the parent path; drop those.
    deep_paths = [path for path, _, _ in resolved]
    return [
        (path, on_key, err) for path, on_key, err in resolved
        if on_key or err["type"] not in _TYPE_WORDS
        or not any(len(p) > len(path) and p[: len(path)] == path for p in deep_paths)
    ]


def _resolve(err: Mapping[str, Any], positions: PositionMap) -> tuple[NodePath, bool, Mapping[str, Any]]:
    """The YAML path an error is about, and whether it is about the mapping key (not the value) there."""
    path: NodePath = ()
    loc = list(err["loc"])
    for i, part in enumerate(loc):
        # pydantic marks an invalid mapping key with a trailing "[key]" after the key itself; a key that is literally
        # named "[key]" (an unknown key, or a key's own name) is not that marker.
        if part == "[key]" and i == len(loc) - 1 and i > 0 and err["type"] != "extra_forbidden":
            return path, True, err
        candidate = (*path, part)
        if positions.has(candidate):
            path = candidate
        elif err["type"] in ("missing", "extra_forbidden") and i == len(loc) - 1:
            path = candidate  # the key that is missing (no node) or that is unknown
    # A model's own check may name the key at fault (ctx 'at_key'): the error is about that key, not the mapping.
    at_key = (err.get("ctx") or {}).get("at_key")
    if isinstance(at_key, str) and positions.has((*path, at_key)):
        path = (*path, at_key)
    return path, False, err


def _diagnose(
    path: NodePath, errors: list[Mapping[str, Any]], positions: PositionMap, model: type[BaseModel]
) -> Iterable[Diagnostic]:
    types = {e["type"] for e in errors}
    if len(errors) > 1 and types <= set(_TYPE_WORDS) | {"none_required"}:
        words = sorted({_TYPE_WORDS[t] for t in types if t in _TYPE_WORDS})
        yield _diag("invalid-type", f"{_name(path)} must be {' or '.join(words)}", positions.value(path))
        return
    for err in errors:
        yield _one(path, err, positions, model)


def _one(path: NodePath, err: Mapping[str, Any], positions: PositionMap, model: type[BaseModel]) -> Diagnostic:
    kind = err["type"]
    if kind == "missing":
        parent = path[:-1]
        within = "" if not parent else f" in {_name(parent)}"
        choices = allowed_values(model, path)
        hint = f"add '{path[-1]}:' with one of {_or(choices)}" if 1 < len(choices) <= _MAX_LISTED else None
        return _diag("missing-key", f"missing required key '{path[-1]}'{within}", positions.key(parent), hint)
    if kind == "extra_forbidden":
        key = str(path[-1])
        allowed = allowed_keys(model, path[:-1])
        hint = did_you_mean(key, allowed)
        if hint is None and 0 < len(allowed) <= _MAX_LISTED:
            hint = "valid keys here: " + ", ".join(f"'{k}'" for k in allowed)
        return _diag("unknown-key", f"unknown key '{key}'", positions.key(path), hint)
    if kind == "literal_secret":
        var = "_".join(str(p) for p in path[-2:] if isinstance(p, str)).upper()
        var = re.sub(r"[^A-Z0-9_]+", "_", var).strip("_") or "SECRET"
        return _diag(
            "literal-secret",
            f"{_name(path)} holds a literal secret; credentials are only read by reference",
            positions.value(path),
            f"write {path[-1]}: {{env: {var}}} and set {var}, or use {{file: PATH}}",
        )
    if kind in ("enum", "literal_error"):
        expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        given = err.get("input")
        hint = did_you_mean(given, expected) if isinstance(given, str) else None
        return _diag("invalid-value", f"{_name(path)} must be one of {_or(expected)}", positions.value(path), hint)
    hint = None
    scalar = isinstance(err.get("input"), str | int | float | bool)
    if kind == "list_type" and scalar:
        hint = f"write a list, e.g. {path[-1]}: [...], or one '- item' per line"
    elif kind in ("model_type", "dict_type") and scalar:
        keys = allowed_keys(model, path)
        if 0 < len(keys) <= _MAX_LISTED:
            hint = "write a mapping with keys among " + ", ".join(f"'{k}'" for k in keys)
    # A model's own check may name the list item at fault (ctx 'index') and the fix (ctx 'fix').
    ctx = err.get("ctx") or {}
    where = positions.value((*path, ctx["index"])) if isinstance(ctx.get("index"), int) else positions.value(path)
    if isinstance(ctx.get("fix"), str):
        hint = ctx["fix"]
    return _diag("invalid-value", f"{_name(path)}: {_describe(err)}", where, hint)


def _describe(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        return "use " + _PATTERN_TEXT.get(pattern, f"a value matching {pattern}")
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg[:1].lower() + msg[1:]


def _name(path: NodePath) -> str:
    if not path:
        return "the file"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"'{text}'"


def _or(values: list[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def _diag(code: str, message: str, where: Position, hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, where, hint)


# --- which keys a mapping at some path accepts (for "did you mean") -----------------------------------------------


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True)


def allowed_keys(model: type[BaseModel], path: NodePath) -> list[str]:
    return sorted({key for node in _nodes_at(model, path) for key in node.get("properties", {})})


def allowed_values(model: type[BaseModel], path: NodePath) -> list[str]:
    """The values the schema lists for the key at ``path`` (an enum or constants), in schema order."""
    values: list[str] = []
    for node in _nodes_at(model, path):
        for value in [*node.get("enum", ()), *([node["const"]] if "const" in node else [])]:
            if isinstance(value, str) and value not in values:
                values.append(value)
    return values


def _nodes_at(model: type[BaseModel], path: NodePath) -> list[dict[str, Any]]:
    """The schema nodes that describe the value at ``path``, with references and unions expanded."""
    schema = _schema(model)
    found: list[dict[str, Any]] = []
    _walk(schema, tuple(path), schema.get("$defs", {}), found, 0)
    return found


def _walk(schema: Any, path: NodePath, defs: dict[str, Any], found: list[dict[str, Any]], depth: int) -> None:
    if not isinstance(schema, dict) or depth > 50:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        _walk(defs.get(ref.rsplit("/", 1)[-1]), path, defs, found, depth + 1)
    for combinator in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(combinator, ()):
            _walk(branch, path, defs, found, depth + 1)
    if not path:
        found.append(schema)
        return
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        _walk(schema.get("items"), rest, defs, found, depth + 1)
        return
    props = schema.get("properties", {})
    if head in props:
        _walk(props[head], rest, defs, found, depth + 1)
    else:
        for pattern, sub in schema.get("patternProperties", {}).items():
            if re.search(pattern, head):
                _walk(sub, rest, defs, found, depth + 1)
        if isinstance(schema.get("additionalProperties"), dict):
            _walk(schema["additionalProperties"], rest, defs, found, depth + 1)
