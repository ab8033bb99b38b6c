"""Data Transformer: pure JSON reshaping (no connection, no network).

- transform_json: ``mapping`` keys are output names, values JSONPath selectors into ``input`` (``$.user.name``);
  nested objects and arrays in the mapping are mapped recursively; values that are not paths are kept as literals.
- merge_objects: ``shallow`` (later objects win per key) or ``deep`` (nested objects merged recursively; other
  values, arrays included, replaced by later ones).
- filter_array: items whose fields (dotted paths allowed) match every condition: a plain value means equality,
  an operator object uses ``$eq $ne $gt $gte $lt $lte $in $nin $exists``.
- batch_array: consecutive chunks of ``batchSize`` items.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.json_path import JsonPathError, resolve
from weavz_flow.integrations.native_action import invalid_input


def _json(value: Any) -> Any:
    """JSON given as text (a rendered template) is parsed; anything else is already data."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# --- transform_json ----------------------------------------------------------------------------------------------


def transform_json(ctx: ActionContext, values: dict[str, Any]) -> Any:
    mapping = _json(values["mapping"])
    if not isinstance(mapping, dict):
        raise invalid_input(ctx, "mapping", "must be an object of output names to JSONPath selectors")
    try:
        return _apply(_json(values["input"]), mapping)
    except JsonPathError as exc:
        raise invalid_input(ctx, "mapping", str(exc)) from None


def _apply(data: Any, template: Any) -> Any:
    if isinstance(template, str) and template.startswith("$"):
        return resolve(data, template)
    if isinstance(template, dict):
        return {key: _apply(data, sub) for key, sub in template.items()}
    if isinstance(template, list):
        return [_apply(data, sub) for sub in template]
    return template


# --- merge_objects -----------------------------------------------------------------------------------------------


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


_STRATEGIES: dict[str, Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]] = {
    "shallow": lambda base, top: {**base, **top},
    "deep": _deep_merge,
}


def merge_objects(ctx: ActionContext, values: dict[str, Any]) -> Any:
    strategy = _STRATEGIES.get(str(values["strategy"]).strip().lower())
    if strategy is None:
        raise invalid_input(ctx, "strategy", f"must be one of {', '.join(_STRATEGIES)}")
    merged: dict[str, Any] = {}
    for index, obj in enumerate(values["objects"]):
        obj = _json(obj)
        if obj is None:
            continue
        if not isinstance(obj, dict):
            raise invalid_input(ctx, "objects", f"item {index} is not an object")
        merged = strategy(merged, obj)
    return merged


# --- filter_array ------------------------------------------------------------------------------------------------


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        try:
            return actual is not None and bool(op(actual, expected))
        except TypeError:  # "3" > 2: values of different kinds never match, as in MongoDB-style filters
            return False

    return check


def _in(actual: Any, expected: Any) -> bool:
    if not isinstance(expected, list):
        return False
    if isinstance(actual, list):  # an array field matches when any of its elements is listed
        return any(a in expected for a in actual)
    return actual in expected


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda actual, expected: actual == expected,
    "$ne": lambda actual, expected: actual != expected,
    "$gt": _compare(lambda a, b: a > b),
    "$gte": _compare(lambda a, b: a >= b),
    "$lt": _compare(lambda a, b: a < b),
    "$lte": _compare(lambda a, b: a <= b),
    "$in": _in,
    "$nin": lambda actual, expected: not _in(actual, expected),
}


def _field(item: Any, path: str) -> tuple[bool, Any]:
    current = item
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return False, None
    return True, current


def _matches(item: Any, conditions: Mapping[str, Any]) -> bool:
    for path, condition in conditions.items():
        present, actual = _field(item, path)
        if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
            for op, expected in condition.items():
                if op == "$exists":
                    if present != bool(expected):
                        return False
                elif not _OPERATORS[op](actual, expected):
                    return False
        elif not present or actual != condition:
            return False
    return True


def filter_array(ctx: ActionContext, values: dict[str, Any]) -> Any:
    conditions = _json(values["conditions"])
    if not isinstance(conditions, dict):
        raise invalid_input(ctx, "conditions", "must be an object of field conditions")
    for path, condition in conditions.items():
        if isinstance(condition, dict):
            unknown = [k for k in condition if k.startswith("$") and k not in _OPERATORS and k != "$exists"]
            if unknown:
                raise invalid_input(ctx, "conditions", f"has unknown operator {unknown[0]!r} for {path!r}; known: "
                                    + ", ".join([*_OPERATORS, "$exists"]))
    return [item for item in values["array"] if _matches(item, conditions)]


# --- batch_array -------------------------------------------------------------------------------------------------


def batch_array(ctx: ActionContext, values: dict[str, Any]) -> Any:
    size = values["batchSize"]
    if not isinstance(size, int) or size < 1:
        raise invalid_input(ctx, "batchSize", "must be a whole number from 1")
    items = values["array"]
    return [items[i: i + size] for i in range(0, len(items), size)]


ACTIONS = catalog_actions("data-transformer", {
    "transform_json": transform_json,
    "merge_objects": merge_objects,
    "filter_array": filter_array,
    "batch_array": batch_array,
})

INTEGRATION = NativeIntegration(
    name="data-transformer",
    display_name="Data Transformer",
    description="Reshape JSON: map fields by JSONPath, merge objects, filter and batch arrays.",
    actions=ACTIONS,
    auth_types=(),
)
