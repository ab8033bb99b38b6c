from __future__ import annotations

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
