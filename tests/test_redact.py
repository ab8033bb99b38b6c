"""The Redactor catches a secret's derived forms: case variants, JSON escapes, truncations of 12+ characters."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from weavz_flow.redact import REDACTED, Redactor

TOKEN = "ghp_ABCdef0123456789XYZabc/Q"  # 28 characters: fragments of 12 or more count
SHORT = "pw-Short9"  # under 16: matched whole only


def escaped(text: str, every: int = 2) -> str:
    """``text`` with every ``every``-th character written as a JSON \\u escape, as a provider may send it."""
    return "".join(json.dumps(c, ensure_ascii=True)[1:-1] if i % every else "".join(
        f"\\u{u:04x}" for u in _utf16(c)) for i, c in enumerate(text))


def _utf16(c: str) -> list[int]:
    data = c.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


FORMS = {
    "verbatim": TOKEN,
    "upper": TOKEN.upper(),
    "lower": TOKEN.lower(),
    "truncated prefix": TOKEN[:14] + "…***",
    "suffix": "***" + TOKEN[-12:],
    "middle": "x" + TOKEN[6:19] + "y",
    "escaped": escaped(TOKEN),
    "escaped upper": escaped(TOKEN.upper(), 3),
    "escaped slash": json.dumps(TOKEN).replace("/", "\\/"),
    "all escaped": escaped(TOKEN, 1),
    "escaped twice": json.dumps(json.dumps({"t": escaped(TOKEN)})),
    "escaped truncation": escaped(TOKEN[:12]) + "...",
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_every_derived_form_of_a_long_secret_is_redacted(form: str) -> None:
    text = f"before {form} after"
    redacted = Redactor([TOKEN]).text(text)
    assert REDACTED in redacted
    assert redacted.startswith("before ") and redacted.endswith(" after")
    for length in (12, len(TOKEN)):
        assert TOKEN[:length].lower() not in redacted.lower()


def test_a_run_shorter_than_12_characters_is_left_alone() -> None:
    text = f"id {TOKEN[:11]} and {TOKEN[-11:]}"
    assert Redactor([TOKEN]).text(text) == text


def test_a_short_secret_is_matched_whole_in_any_case_and_never_by_fragments() -> None:
    redactor = Redactor([SHORT])
    assert redactor.text(f"a {SHORT.upper()} b {escaped(SHORT)} c") == f"a {REDACTED} b {REDACTED} c"
    assert redactor.text(f"{SHORT[:-1]}!") == f"{SHORT[:-1]}!"


def test_data_redacts_keys_and_nested_values_and_keeps_everything_else() -> None:
    value = {"ok": True, "n": 3, TOKEN: [TOKEN.upper(), {"deep": escaped(TOKEN)}], "plain": ["a", "b"]}
    assert Redactor([TOKEN]).data(value) == {"ok": True, "n": 3, REDACTED: [REDACTED, {"deep": REDACTED}],
                                            "plain": ["a", "b"]}


def test_data_without_any_secret_comes_back_unchanged() -> None:
    value = {"text": "nothing \\u0041 here", "items": [1, 2, "x\\/y"]}
    assert Redactor([TOKEN, SHORT]).data(value) == value


def test_a_character_outside_the_bmp_escaped_as_a_surrogate_pair() -> None:
    secret = "\N{GRINNING FACE}secret-secret-secret"
    assert Redactor([secret]).text(json.dumps({"t": secret})) == '{"t": "' + REDACTED + '"}'


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=16, max_size=48),
    data=st.data(),
)
def test_any_run_of_12_of_any_secret_in_any_form_is_redacted(secret: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(secret) - 12))
    end = data.draw(st.integers(start + 12, len(secret)))
    run = secret[start:end]
    form = data.draw(st.sampled_from(["plain", "upper", "json", "escaped"]))
    assume(form != "upper" or len(run.upper()) == len(run))  # "ß".upper() is "SS": not a copy anyone expects
    shown = {"plain": run, "upper": run.upper(), "json": json.dumps(run)[1:-1], "escaped": escaped(run)}[form]
    redacted = Redactor([secret]).text(f"<{shown}>")
    assert REDACTED in redacted
