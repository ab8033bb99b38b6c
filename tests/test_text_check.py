"""Invalid text is found wherever it is in a request value, and text that only looks like it passes."""

from __future__ import annotations

import pytest

from weavz_flow.errors import ApiError
from weavz_flow.text_check import check_text, invalid_text_at


@pytest.mark.parametrize(("value", "where"), [
    ({"a": {"b": ["ok", "bad\x00"]}}, "input.a.b.1"),
    ({"a": "lone \ud800 surrogate"}, "input.a"),
    ({"k\udfff": 1}, "input.k\\udfff"),
    ([{"x": 1}, {"y": "\x00"}], "input.1.y"),
    ("\x00", "input"),
    ({"n\x00": True}, "input.n\\x00"),
])
def test_the_first_invalid_string_is_named_by_its_path(value: object, where: str) -> None:
    assert invalid_text_at(value, "input") == where
    with pytest.raises(ApiError) as refused:
        check_text(value, "input")
    assert refused.value.details == {"fields": [{"field": where, "message": refused.value.details["fields"][0][
        "message"], "type": "invalid_text"}]}


@pytest.mark.parametrize("value", [
    {"text": "a literal \\u0000 is six characters, not a NUL"},
    {"emoji": "\U0001f600 a valid pair", "accents": "déjà vu", "cjk": "漢字"},
    {"nested": [[[]], {}, None, 1.5, True, "plain"]},
    "",
    {1: "an int key", "t": (1, "tuple")},
])
def test_valid_text_passes(value: object) -> None:
    assert invalid_text_at(value, "input") is None
    check_text(value, "input")


def test_a_value_json_cannot_show_is_walked_exactly() -> None:
    class Opaque:
        pass

    assert invalid_text_at({"o": Opaque(), "s": "fine"}) is None
    assert invalid_text_at({"o": Opaque(), "s": "bad\x00"}) == "s"
