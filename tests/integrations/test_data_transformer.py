from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integrations.context import context
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.data_transformer import ACTIONS
from weavz_flow.integrations.json_path import JsonPathError, parse, resolve

PEOPLE = [
    {"name": "Ada", "age": 36, "status": "active", "tags": ["math"], "address": {"city": "London"}},
    {"name": "Bob", "age": 17, "status": "active", "tags": []},
    {"name": "Cy", "age": 52, "status": "inactive", "tags": ["ops", "math"], "address": {"city": "Berlin"}},
]


def run(action: str, values: dict[str, Any]) -> Any:
    with httpx.Client() as http:  # never used: the transformer is pure
        return ACTIONS[action].run(context(http, "data-transformer", action), values)


def test_transform_json_maps_paths_recursively() -> None:
    out = run("transform_json", {
        "input": {"user": {"firstName": "Ada", "emails": ["a@x", "b@x"]}, "items": [{"id": 1}, {"id": 2}]},
        "mapping": {"name": "$.user.firstName", "first": "$.user.emails[0]", "last": "$.user.emails[-1]",
                    "ids": "$.items[*].id", "nested": {"missing": "$.nope.deeper"}, "constant": "literal", "n": 3},
    })
    assert out == {"name": "Ada", "first": "a@x", "last": "b@x", "ids": [1, 2], "nested": {"missing": None},
                   "constant": "literal", "n": 3}


def test_transform_json_accepts_json_text() -> None:
    assert run("transform_json", {"input": '{"a": {"b": 1}}', "mapping": '{"x": "$.a.b"}'}) == {"x": 1}


def test_transform_json_rejects_a_bad_path() -> None:
    with pytest.raises(ApiError) as caught:
        run("transform_json", {"input": {}, "mapping": {"x": "$.a[unclosed"}})
    assert caught.value.code == ErrorCode.VALIDATION_ERROR


def test_json_path_subset() -> None:
    assert parse("$.a['b c'][2].*") == ["a", "b c", 2, "*"]
    assert resolve({"a": {"b": [1, 2]}}, "$") == {"a": {"b": [1, 2]}}
    assert resolve({"a": [{"b": 1}, {"c": 2}]}, "$.a[*].b") == [1]
    with pytest.raises(JsonPathError):
        parse("a.b")


def test_merge_shallow_and_deep() -> None:
    objects = [{"a": {"x": 1, "y": 1}, "l": [1]}, {"a": {"y": 2}, "l": [2], "b": True}]
    assert run("merge_objects", {"objects": objects, "strategy": "shallow"}) == {"a": {"y": 2}, "l": [2], "b": True}
    assert run("merge_objects", {"objects": objects, "strategy": "Deep"}) == {"a": {"x": 1, "y": 2}, "l": [2],
                                                                              "b": True}
    assert objects[0] == {"a": {"x": 1, "y": 1}, "l": [1]}  # inputs untouched


def test_merge_rejects_unknown_strategy_and_non_objects() -> None:
    for values, field in (({"objects": [{}], "strategy": "zip"}, "strategy"),
                          ({"objects": [{}, 3], "strategy": "deep"}, "objects")):
        with pytest.raises(ApiError) as caught:
            run("merge_objects", values)
        assert caught.value.details is not None and caught.value.details["fields"][0]["field"] == field


@pytest.mark.parametrize(
    ("conditions", "names"),
    [
        ({"status": "active"}, ["Ada", "Bob"]),
        ({"age": {"$gte": 18}, "status": "active"}, ["Ada"]),
        ({"age": {"$gt": 17, "$lt": 52}}, ["Ada"]),
        ({"age": {"$lte": 17}}, ["Bob"]),
        ({"status": {"$ne": "active"}}, ["Cy"]),
        ({"name": {"$in": ["Ada", "Cy"]}}, ["Ada", "Cy"]),
        ({"name": {"$nin": ["Ada", "Cy"]}}, ["Bob"]),
        ({"tags": {"$in": ["ops"]}}, ["Cy"]),
        ({"address.city": "Berlin"}, ["Cy"]),
        ({"address": {"$exists": False}}, ["Bob"]),
        ({"age": {"$gt": "10"}}, []),  # a string never compares with a number
    ],
)
def test_filter_array(conditions: dict[str, Any], names: list[str]) -> None:
    out = run("filter_array", {"array": PEOPLE, "conditions": conditions})
    assert [p["name"] for p in out] == names


def test_filter_array_rejects_unknown_operators() -> None:
    with pytest.raises(ApiError) as caught:
        run("filter_array", {"array": PEOPLE, "conditions": {"age": {"$regex": "1"}}})
    assert "$regex" in caught.value.message


def test_batch_array() -> None:
    assert run("batch_array", {"array": [1, 2, 3, 4, 5], "batchSize": 2.0}) == [[1, 2], [3, 4], [5]]
    assert run("batch_array", {"array": [], "batchSize": 3}) == []
    with pytest.raises(ApiError):
        run("batch_array", {"array": [1], "batchSize": 0})
    with pytest.raises(ApiError):
        run("batch_array", {"array": [1], "batchSize": 1.5})
