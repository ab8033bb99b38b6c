"""The rule language of ``riskMode: rules`` (docs/approval-rules.md): each operator, paths into nested input and
lists, any/all, JSON equality, and the 400s a policy with a bad rule gets when it is written."""

from __future__ import annotations

from typing import Any

import pytest

from weavz_flow.engine.gates.rules import CONDITIONS_MAX, PATTERN_MAX, check_rules, rule_reasons
from weavz_flow.errors import ApiError, ErrorCode

INPUT = {"channel": "#general", "text": "URGENT: restart prod", "to": ["ceo@acme.com"], "amount": 1,
         "flag": True, "meta": {"env": "prod", "empty": None}, "items": [{"id": "a"}, {"id": "b"}]}


def _reasons(*conditions: dict[str, Any], match: str = "any") -> tuple[str, ...]:
    return rule_reasons(check_rules({"match": match, "conditions": list(conditions)}), INPUT)


@pytest.mark.parametrize(("condition", "holds"), [
    ({"path": "channel", "op": "equals", "value": "#general"}, True),
    ({"path": "channel", "op": "equals", "value": "#random"}, False),
    ({"path": "amount", "op": "equals", "value": 1.0}, True),  # JSON numbers: 1 equals 1.0
    ({"path": "amount", "op": "equals", "value": "1"}, False),  # not the string
    ({"path": "flag", "op": "equals", "value": 1}, False),  # true is not 1
    ({"path": "meta.env", "op": "in", "value": ["staging", "prod"]}, True),
    ({"path": "meta.env", "op": "in", "value": ["staging"]}, False),
    ({"path": "text", "op": "matches", "value": "(?i).*urgent.*"}, True),
    ({"path": "text", "op": "matches", "value": "urgent"}, False),  # fullmatch, case-sensitive by default
    ({"path": "amount", "op": "matches", "value": ".*"}, False),  # only strings match a pattern
    ({"path": "meta.empty", "op": "present"}, True),  # present: null included
    ({"path": "meta.missing", "op": "present"}, False),
    ({"path": "items.1.id", "op": "equals", "value": "b"}, True),  # a list indexed by a number
    ({"path": "items.5.id", "op": "present"}, False),
    ({"path": "to.0", "op": "in", "value": ["ceo@acme.com", "cfo@acme.com"]}, True),
])
def test_each_operator(condition: dict[str, Any], holds: bool) -> None:
    assert bool(_reasons(condition)) is holds


def test_any_and_all_and_their_reasons() -> None:
    hit = {"path": "channel", "op": "equals", "value": "#general"}
    miss = {"path": "channel", "op": "equals", "value": "#random"}
    present = {"path": "to", "op": "present"}
    assert _reasons(hit, miss) == ("input.channel equals '#general'",)
    assert _reasons(hit, miss, match="all") == ()
    assert _reasons(hit, present, match="all") == ("input.channel equals '#general'", "input.to is present")
    assert check_rules({"conditions": [hit]})["match"] == "any"  # the default


@pytest.mark.parametrize(("rules", "field"), [
    (None, "rules"),
    ({"conditions": []}, "rules.conditions"),
    ({"match": "some", "conditions": [{"path": "a", "op": "present"}]}, "rules.match"),
    ({"conditions": [{"path": "a", "op": "contains", "value": "x"}]}, "rules.conditions[0].op"),
    ({"conditions": [{"path": "a..b", "op": "present"}]}, "rules.conditions[0].path"),
    ({"conditions": [{"path": "a", "op": "present", "value": 1}]}, "rules.conditions[0].value"),
    ({"conditions": [{"path": "a", "op": "equals"}]}, "rules.conditions[0].value"),
    ({"conditions": [{"path": "a", "op": "in", "value": "x"}]}, "rules.conditions[0].value"),
    ({"conditions": [{"path": "a", "op": "matches", "value": "("}]}, "rules.conditions[0].value"),
    ({"conditions": [{"path": "a", "op": "matches", "value": "a" * (PATTERN_MAX + 1)}]},
     "rules.conditions[0].value"),
    ({"conditions": [{"path": "a", "op": "present"}] * (CONDITIONS_MAX + 1)}, "rules.conditions"),
    ({"conditions": [{"path": "a", "op": "present", "extra": 1}]}, "rules.conditions[0].extra"),
    ({"amountThresholds": [{"path": "amount", "max": 5}]}, "rules.amountThresholds"),
])
def test_bad_rules_are_refused_naming_the_field(rules: Any, field: str) -> None:
    with pytest.raises(ApiError) as caught:
        check_rules(rules)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert field in [f["field"] for f in (caught.value.details or {})["fields"]], caught.value.details


def test_a_stored_rule_that_no_longer_checks_matches_nothing() -> None:
    assert rule_reasons({"conditions": [{"path": "a", "op": "contains"}]}, {"a": 1}) == ()
