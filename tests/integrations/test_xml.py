"""xml (convert-json-to-xml) through the engine: json2xml's mapping, escaping, XML names, and what XML cannot hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree as SafeXml
import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import NativeEngine, native_engine
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations import json_to_xml
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

NAME = json_to_xml.NAME
ACTION = json_to_xml.ACTION


@pytest.fixture
def engine(store: Store, sdk_catalog: Catalog) -> Iterator[NativeEngine]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield engine


def convert(engine: NativeEngine, json: Any, **options: Any) -> str:
    out = engine.execute(NAME, ACTION, {"json": json, **options})
    assert isinstance(out, str)
    return out


def test_the_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    native = NATIVE_INTEGRATIONS[NAME]
    assert set(native.actions) == set(sdk_catalog.integration(NAME).actions) == {ACTION}
    assert isinstance(native.actions[ACTION], CatalogAction)


@pytest.mark.parametrize(("json", "xml"), [
    ({"a": 1}, "<a>1</a>"),
    ({"a": ""}, "<a/>"),
    ({"a": None, "b": True, "c": 2.5}, "<a/><b>true</b><c>2.5</c>"),
    ({"a": {"b": "x", "c": {"d": 1}}}, "<a><b>x</b><c><d>1</d></c></a>"),
    ([{"a": 1}, {"b": 2}], "<a>1</a><b>2</b>"),
    ({"items": [{"item": 1}, {"item": 2}]}, "<items><item>1</item><item>2</item></items>"),
    ({"tags": ["x", 2, ["y"]]}, "<tags><item>x</item><item>2</item><item><item>y</item></item></tags>"),
    ({"a": 1, "attr": {"b": 2, "c": "three"}}, '<a b="2" c="three">1</a>'),
    ("plain text", "plain text"),
    ('{"a": {"b": 1}}', "<a><b>1</b></a>"),
])
def test_json2xml_mapping(engine: NativeEngine, json: Any, xml: str) -> None:
    assert convert(engine, json) == xml


def test_header_and_attributes_key(engine: NativeEngine) -> None:
    out = convert(engine, {"order": {"id": 7, "$": {"status": "new"}}}, header=True, attributes_key="$")
    assert out == '<?xml version="1.0" encoding="UTF-8"?><order><id status="new">7</id></order>'
    assert SafeXml.fromstring(out).find("id").attrib == {"status": "new"}


def test_text_and_attributes_are_escaped(engine: NativeEngine) -> None:
    out = convert(engine, {"note": {"body": "<b>Tom & \"Jerry\"</b>", "attr": {"title": 'a "quoted" <tag> & co'}}})
    assert out == ('<note><body title="a &quot;quoted&quot; &lt;tag&gt; &amp; co">'
                   '&lt;b&gt;Tom &amp; "Jerry"&lt;/b&gt;</body></note>')
    parsed = SafeXml.fromstring(out)
    assert parsed.find("body").text == '<b>Tom & "Jerry"</b>'
    assert parsed.find("body").attrib["title"] == 'a "quoted" <tag> & co'


@pytest.mark.parametrize(("key", "name"), [
    ("first name", "first_name"), ("1st", "_1st"), ("", "_"), ("a:b", "a_b"), ("<x>", "_x_"), ("-dash", "_-dash"),
    ("ok.name-1", "ok.name-1"), ("straße", "straße"), ("é", "é"),
])
def test_keys_become_valid_xml_names(engine: NativeEngine, key: str, name: str) -> None:
    out = convert(engine, {"root": {key: "v"}})
    assert out == f"<root><{name}>v</{name}></root>"
    assert SafeXml.fromstring(out)[0].tag == name


def test_a_character_xml_cannot_hold_is_a_validation_error(engine: NativeEngine) -> None:
    error = engine.error(NAME, ACTION, {"json": {"a": {"b": "bell\x07"}}})
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in error.details["fields"]] == ["json.a.b"]
    error = engine.error(NAME, ACTION, {"json": {"a": 1, "attr": "not an object"}})
    assert [f["field"] for f in error.details["fields"]] == ["json.attr"]
    error = engine.error(NAME, ACTION, {"json": "{not json"})
    assert [f["field"] for f in error.details["fields"]] == ["json"]
    error = engine.error(NAME, ACTION, {})
    assert error.code == ErrorCode.VALIDATION_ERROR and [f["field"] for f in error.details["fields"]] == ["json"]
