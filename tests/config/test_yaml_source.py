from __future__ import annotations

import pytest
import yaml

from weavz_flow.config import yaml_source
from weavz_flow.config.yaml_hints import TEMPLATE_HINT
from weavz_flow.config.yaml_source import parse_yaml
from weavz_flow.diagnostics import Position


def test_positions_of_keys_values_and_items() -> None:
    doc = parse_yaml("a:\n  b: 1\n  c:\n    - x\n    - {d: true}\n", "f.yaml")
    assert doc.diagnostics == []
    assert doc.data == {"a": {"b": 1, "c": ["x", {"d": True}]}}
    assert doc.positions.key(("a", "b")) == Position("f.yaml", 2, 3)
    assert doc.positions.value(("a", "b")) == Position("f.yaml", 2, 6)
    assert doc.positions.value(("a", "c", 1)) == Position("f.yaml", 5, 7)
    assert doc.positions.key(("a", "c", 1, "d")) == Position("f.yaml", 5, 8)
    # an unrecorded path falls back to its nearest ancestor
    assert doc.positions.value(("a", "c", 1, "nope")) == Position("f.yaml", 5, 7)


def test_duplicate_keys_are_reported_at_the_second_key_and_the_first_value_wins() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [str(d) for d in doc.diagnostics] == ["f.yaml:3:1: error: duplicate key 'a' (first defined at line 1)"]
    assert doc.data == {"a": 1, "b": 2}


def test_syntax_error_names_the_mark_and_never_quotes_the_line() -> None:
    doc = parse_yaml("a:\n  b: 1\n c: secret-value-here\n", "f.yaml")
    assert doc.data is None
    (diag,) = doc.diagnostics
    assert diag.code == "yaml-syntax"
    assert diag.position == Position("f.yaml", 3, 2)
    assert "secret-value-here" not in str(diag)


def test_keys_keep_their_spelling_and_timestamps_stay_strings() -> None:
    doc = parse_yaml("on: yes\n1: x\nwhen: 2024-01-02\nn: ~\nf: 1.5\n", "f.yaml")
    assert doc.data == {"on": True, "1": "x", "when": "2024-01-02", "n": None, "f": 1.5}


def test_merge_keys_and_aliases() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.diagnostics == []
    assert doc.data["use"] == {"x": 1, "y": 3}


def test_unsupported_tags_and_complex_keys_are_errors() -> None:
    doc = parse_yaml("a: !secret xyz\n? [1, 2]\n: v\n", "f.yaml")
    assert [d.code for d in doc.diagnostics] == ["yaml-tag", "yaml-key"]


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    doc = parse_yaml("a: &a [*a]\n", "f.yaml")
    assert [d.code for d in doc.diagnostics] == ["yaml-syntax"]


def test_empty_and_multi_document_texts() -> None:
    assert parse_yaml("", "f.yaml").data is None
    assert parse_yaml("# only a comment\n", "f.yaml").diagnostics == []
    multi = parse_yaml("a: 1\n---\nb: 2\n", "f.yaml")
    assert [d.code for d in multi.diagnostics] == ["yaml-syntax"]


# Each common YAML mistake gets a hint that names the likely fix, whichever loader (C or pure Python) parsed it.
HINT_CASES = {
    "tab": ("a:\n  b: 1\n\tc: 2\n", (3, 1), "indent with spaces"),
    "reserved-at": ("a: @team\n", (1, 4), "quote the value: YAML reserves '@'"),
    "reserved-backtick": ("a: `x`\n", (1, 4), "reserves '`'"),
    "unclosed-quote": ('a: "abc\nb: 1\n', (3, 1), "close the quote opened at line 1, column 4"),
    "unclosed-list": ("a: [1, 2\nb: 3\n", (2, 2), "close the list opened at line 1, column 4 with ']'"),
    "unclosed-mapping": ("a: {x: 1\nb: 3\n", (2, 2), "close the mapping opened at line 1, column 4 with '}'"),
    "template-then-text": ("with:\n  text: {{ inputs.x }} and more\n", (2, 24), 'e.g. text: "{{ inputs.name }}"'),
    "key-off-by-one": ("a:\n  b:\n    c: 1\n   d: 2\n", (4, 4), "mapping's keys start at line 2, column 3"),
    "list-after-keys": ("a:\n  b: 1\n  - c\n", (3, 3), "a list item cannot follow keys of the same mapping"),
    "item-off-column": ("steps:\n  - id: a\n  id: b\n", (3, 3), "line this item's '-' up with the list's first item"),
    "colon-in-value": ("a: b: c\n", (1, 5), "quote a value that contains ': '"),
    "missing-colon": ("a: 1\nb\nc: 2\n", (3, 1), "add ':' after the key at line 2, column 1"),
    "text-after-quotes": ('a: "x" y\n', (1, 8), "a quoted value must be the whole value"),
    "second-document": ("a: 1\n---\nb: 2\n", (2, 1), "remove the '---' line"),
    "undefined-alias": ("a: *nope\n", (1, 4), "quote the value if '*' is meant literally"),
    "comparison-value": ("a: >= 5\n", (1, 5), "quote a value that starts with '|' or '>'"),
    "pipe-in-flow": ("a: {x: 1,| y: 2}\n", (1, 10), "reserves '|'"),
    "directive-line": ("%x: 1\n", (1, 3), "is read as a YAML directive"),
    "anchor-value": ("a: &{x}\n", (1, 5), "quote a value that starts with '&'"),
    "inline-list-item": ("a: - 1\n", (1, 4), "start a '- item' list on the line after its key"),
    "question-value": ("a: ? b\n", (1, 4), "quote a value that starts with '?'"),
    "indented-first-key": ("  a: 1\nb: 2\n", (2, 1), "the file's top-level keys start in the same column"),
}


@pytest.mark.parametrize("case", sorted(HINT_CASES))
@pytest.mark.parametrize("loader", ["c", "pure"])
def test_syntax_errors_suggest_the_fix(case: str, loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if loader == "pure":  # the fallback when PyYAML is built without libyaml words its errors differently
        monkeypatch.setattr(yaml_source, "_Loader", yaml.SafeLoader)
    text, (line, column), hint = HINT_CASES[case]
    (diag,) = parse_yaml(text, "f.yaml").diagnostics
    assert diag.position == Position("f.yaml", line, column)
    assert diag.hint is not None and hint in diag.hint, diag


def test_an_unquoted_template_value_is_named_as_such() -> None:
    doc = parse_yaml("with:\n  text: {{ inputs.x }}\n", "f.yaml")
    (diag,) = doc.diagnostics
    assert diag.code == "yaml-template"
    assert diag.position == Position("f.yaml", 2, 9)
    assert "unquoted template" in diag.message and diag.hint == TEMPLATE_HINT


def test_hints_never_quote_the_offending_line() -> None:
    for text in ('token: "s3cr3t-value\n', "token: s3cr3t-value: x\n", "a:\n  b: 1\n c: s3cr3t-value\n"):
        (diag,) = parse_yaml(text, "f.yaml").diagnostics
        assert diag.hint is not None and "s3cr3t" not in str(diag)
