"""hash-encode, executed through the engine: its input schema is the SDK catalog's, checked once by the engine."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import NativeEngine, native_engine
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.sdk_cache import load_sdk_catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import hash_encode
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.output_shapes import output_shape
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

NAME = hash_encode.NAME


class HashEncode:
    """Executes one hash-encode action through the engine."""

    def __init__(self, engine: NativeEngine) -> None:
        self.engine = engine

    def __call__(self, action: str, **input: Any) -> Any:
        return self.engine.execute(NAME, action, input)

    def error(self, action: str, **input: Any) -> ApiError:
        return self.engine.error(NAME, action, input)


@pytest.fixture
def run(store: Store, sdk_catalog: Catalog) -> Iterator[HashEncode]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield HashEncode(engine)


def test_every_catalog_action_is_native_with_the_catalog_schema(sdk_catalog: Catalog) -> None:
    native = NATIVE_INTEGRATIONS[NAME]
    sdk = sdk_catalog.integration(NAME)
    assert set(native.actions) == set(sdk.actions)
    for name, action in native.actions.items():
        assert isinstance(action, CatalogAction)
        assert action.info == sdk.actions[name]
    assert native.catalog_entry() == native.catalog_entry(sdk)
    assert load_sdk_catalog().integration(NAME).auth_types == native.auth_types == ()


@pytest.mark.parametrize(("algorithm", "encoding"), [
    (a, e) for a in hash_encode.ALGORITHMS for e in hash_encode.DIGEST_ENCODINGS])
def test_hash(run: HashEncode, algorithm: str, encoding: str) -> None:
    digest = hashlib.new(algorithm, "héllo".encode()).digest()
    expected = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    out = run("hash", text="héllo", algorithm=algorithm.upper(), encoding=encoding)
    assert out == {"hash": expected, "algorithm": algorithm, "encoding": encoding}


def test_known_digests(run: HashEncode) -> None:
    assert run("hash", text="abc", algorithm="sha256", encoding="hex")["hash"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert run("hash", text="", algorithm="md5", encoding="hex")["hash"] == "d41d8cd98f00b204e9800998ecf8427e"


@pytest.mark.parametrize(("encoding", "text", "encoded"), [
    ("base64", "héllo wörld?", "aMOpbGxvIHfDtnJsZD8="),
    ("base64url", "héllo wörld?", "aMOpbGxvIHfDtnJsZD8"),
    ("hex", "hi!", "686921"),
    ("url", "a b&c=d/é", "a%20b%26c%3Dd%2F%C3%A9"),
    ("html", "<a href=\"x\">&</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"),
])
def test_encode_and_decode_round_trip(run: HashEncode, encoding: str, text: str, encoded: str) -> None:
    assert run("encode", text=text, encoding=encoding) == {"encoded": encoded, "encoding": encoding}
    assert run("decode", encoded=encoded, encoding=encoding) == {"decoded": text, "encoding": encoding}


def test_base64_without_padding_decodes(run: HashEncode) -> None:
    assert run("decode", encoded="aGk", encoding="base64")["decoded"] == "hi"


@pytest.mark.parametrize(("encoding", "encoded"), [("base64", "!!!"), ("hex", "zz"), ("hex", "ff")])
def test_undecodable_input_is_a_validation_error(run: HashEncode, encoding: str, encoded: str) -> None:
    error = run.error("decode", encoded=encoded, encoding=encoding)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.details is not None and error.details["fields"][0]["field"] == "encoded"


def test_generate_uuid(run: HashEncode) -> None:
    one = run("generate_uuid")["uuids"]
    assert len(one) == 1 and uuid.UUID(one[0]).version == 4
    many = run("generate_uuid", count=5.0)["uuids"]  # the catalog types the count as a number
    assert len(many) == len(set(many)) == 5


@pytest.mark.parametrize("count", [0, 101, 2.5])
def test_uuid_count_out_of_range_is_a_validation_error(run: HashEncode, count: float) -> None:
    error = run.error("generate_uuid", count=count)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.details is not None and error.details["fields"] == [
        {"field": "count", "message": "must be a whole number from 1 to 100"}]


@pytest.mark.parametrize(("action", "input", "field"), [
    ("hash", {"text": "x", "algorithm": "crc32", "encoding": "hex"}, "algorithm"),
    ("hash", {"text": "x", "algorithm": "md5", "encoding": "url"}, "encoding"),
    ("encode", {"text": "x", "encoding": "rot13"}, "encoding"),
])
def test_unsupported_names_are_validation_errors(run: HashEncode, action: str, input: dict[str, Any],
                                                 field: str) -> None:
    error = run.error(action, **input)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.details is not None and [f["field"] for f in error.details["fields"]] == [field]


def test_the_catalog_checks_the_input_before_the_action_runs(run: HashEncode) -> None:
    missing = run.error("hash", text="x", algorithm="md5")
    assert missing.code == ErrorCode.VALIDATION_ERROR
    assert missing.details is not None and [f["field"] for f in missing.details["fields"]] == ["encoding"]
    wrong_type = run.error("encode", text=5, encoding="hex")
    assert wrong_type.code == ErrorCode.VALIDATION_ERROR
    assert wrong_type.details is not None and [f["field"] for f in wrong_type.details["fields"]] == ["text"]


@pytest.mark.parametrize(("action", "input"), [
    ("hash", {"text": "x", "algorithm": "sha1", "encoding": "base64"}),
    ("encode", {"text": "x", "encoding": "url"}),
    ("decode", {"encoded": "eA==", "encoding": "base64"}),
    ("generate_uuid", {"count": 2}),
])
def test_outputs_have_exactly_the_declared_fields(run: HashEncode, action: str, input: dict[str, Any]) -> None:
    shape = output_shape(NAME, action)
    assert shape is not None and shape.type == "object"
    out = run(action, **input)
    assert sorted(out) == sorted(f.name for f in shape.fields)
    types = {"string": str, "array": list}
    for f in shape.fields:
        assert isinstance(out[f.name], types[f.type])
