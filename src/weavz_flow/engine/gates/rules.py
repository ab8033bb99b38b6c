"""The rule language of ``riskMode: rules``: conditions over a call's final (merged) input.

Shape (``docs/approval-rules.md`` has examples)::

    rules:
      match: any | all          # default any: one condition suffices; all: every one must hold
      conditions:
        - {path: channel, op: equals, value: "#general"}
        - {path: message.to, op: in, value: [ceo@acme.com, cfo@acme.com]}
        - {path: text, op: matches, value: "(?i).*urgent.*"}
        - {path: attachments, op: present}

``path`` is a dotted path into the input (``a.b.c``; a list is indexed by a number: ``items.0.id``). Operators:

- ``present``: the path exists (any value, null included); takes no ``value``.
- ``equals``: the value at the path equals ``value`` (JSON equality: ``1`` equals ``1.0``, not ``"1"``).
- ``matches``: the value is a string and the regular expression ``value`` matches all of it (Python ``re``
  syntax, ``fullmatch``; at most :data:`PATTERN_MAX` characters). An invalid pattern is refused when the policy is
  written.
- ``in``: the value equals one of the list ``value``.

Each condition that holds gives one reason (``input.channel equals '#general'``); the rules match when ``any`` (or
``all``) of them hold. Weavz's own rule keys (``amountThresholds``, ``recipientAllowlist`` and the like, which its SDK
renames) are not documented anywhere we can read, so they are refused with the supported shape named rather than
given a meaning of our own that a policy written for Weavz would not expect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from weavz_flow.engine.naming import invalid
from weavz_flow.errors import ApiError

PATTERN_MAX = 500  # a regular expression's length: enough for a real rule, too short for a pathological one
CONDITIONS_MAX = 50
PATH_MAX = 200
MATCH_MODES = ("any", "all")
OPERATORS = ("present", "equals", "matches", "in")
RULE_KEYS = ("match", "conditions")
# Weavz rule keys its SDK renames (weavz-sdk-wire.md §2.6) whose meaning the Weavz docs do not give.
WEAVZ_RULE_KEYS = ("actionCategories", "amountThresholds", "recipientAllowlist", "recipientDenylist",
                   "domainAllowlist", "domainDenylist", "storagePathPrefixes")

_MISSING = object()


@dataclass(frozen=True, slots=True)
class Condition:
    path: str
    op: str
    value: Any = None


def check_rules(rules: Mapping[str, Any] | None, *, field: str = "rules") -> dict[str, Any]:
    """The rules in their stored form (``match`` filled in), or a 400 VALIDATION_ERROR naming the field at fault."""
    if not isinstance(rules, Mapping):
        raise invalid(field, f"{field} must be an object {{match, conditions}} when riskMode is rules")
    unknown = [k for k in rules if k not in RULE_KEYS]
    if unknown:
        weavz = [k for k in unknown if k in WEAVZ_RULE_KEYS]
        hint = (f" ({', '.join(weavz)}: Weavz rule keys whose meaning is not documented; express them as "
                "conditions with equals, matches or in)") if weavz else ""
        raise invalid(f"{field}.{unknown[0]}", f"Unknown rule key(s) {', '.join(unknown)}{hint}; supported: "
                      f"{', '.join(RULE_KEYS)}")
    match = rules.get("match", "any")
    if match not in MATCH_MODES:
        raise invalid(f"{field}.match", f"{field}.match must be one of {', '.join(MATCH_MODES)}")
    conditions = rules.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise invalid(f"{field}.conditions", f"{field}.conditions must be a non-empty list of conditions")
    if len(conditions) > CONDITIONS_MAX:
        raise invalid(f"{field}.conditions", f"{field}.conditions may hold at most {CONDITIONS_MAX} conditions")
    return {"match": match,
            "conditions": [_check_condition(c, f"{field}.conditions[{i}]") for i, c in enumerate(conditions)]}


def _check_condition(raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise invalid(field, f"{field} must be an object {{path, op, value?}}")
    unknown = [k for k in raw if k not in ("path", "op", "value")]
    if unknown:
        raise invalid(f"{field}.{unknown[0]}",
                      f"Unknown condition key(s) {', '.join(unknown)}; supported: path, op, value")
    path, op = raw.get("path"), raw.get("op")
    if not isinstance(path, str) or not path or len(path) > PATH_MAX or "" in path.split("."):
        raise invalid(f"{field}.path", f"{field}.path must be a dotted path into the input (a.b.c), "
                      f"at most {PATH_MAX} characters")
    if op not in OPERATORS:
        raise invalid(f"{field}.op", f"{field}.op must be one of {', '.join(OPERATORS)}")
    if op == "present":
        if "value" in raw:
            raise invalid(f"{field}.value", f"{field}.value is not used by op present: leave it out")
        return {"path": path, "op": op}
    if "value" not in raw:
        raise invalid(f"{field}.value", f"{field}.value is required for op {op}")
    value = raw["value"]
    if op == "matches":
        _check_pattern(value, f"{field}.value")
    if op == "in" and not isinstance(value, list):
        raise invalid(f"{field}.value", f"{field}.value must be a list for op in")
    return {"path": path, "op": op, "value": value}


def _check_pattern(value: Any, field: str) -> None:
    if not isinstance(value, str) or len(value) > PATTERN_MAX:
        raise invalid(field, f"{field} must be a regular expression of at most {PATTERN_MAX} characters")
    try:
        _compiled(value)
    except re.error as exc:
        raise invalid(field, f"{field} is not a valid regular expression: {exc}") from None


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def rule_reasons(rules: Mapping[str, Any] | None, payload: Mapping[str, Any]) -> tuple[str, ...]:
    """Why the rules match ``payload`` (one reason per condition that holds); empty when they do not match.

    ``rules`` is the stored form :func:`check_rules` gave; a stored value that no longer checks matches nothing
    (it cannot be written any more, so only a hand-edited row could hold one)."""
    try:
        checked = check_rules(rules)
    except ApiError:
        return ()
    held = [_reason(c) for c in checked["conditions"] if _holds(c, payload)]
    wanted = len(checked["conditions"]) if checked["match"] == "all" else 1
    return tuple(held) if len(held) >= wanted else ()


def _holds(condition: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    found = _lookup(payload, condition["path"])
    if found is _MISSING:
        return False
    op = condition["op"]
    if op == "present":
        return True
    if op == "equals":
        return _same(found, condition["value"])
    if op == "in":
        return any(_same(found, v) for v in condition["value"])
    return isinstance(found, str) and _compiled(condition["value"]).fullmatch(found) is not None


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1 (Python's bool is an int).
    return bool(a == b and isinstance(a, bool) == isinstance(b, bool))


def _lookup(payload: Any, path: str) -> Any:
    value = payload
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _reason(condition: Mapping[str, Any]) -> str:
    subject = f"input.{condition['path']}"
    if condition["op"] == "present":
        return f"{subject} is present"
    return f"{subject} {condition['op']} {condition['value']!r}"
