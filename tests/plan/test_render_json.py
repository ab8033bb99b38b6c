from __future__ import annotations

import json

from tests.plan.states import CONN, FINGERPRINTS, SECRET, converged_live, desired
from weavz_flow.plan.compute import compute_plan
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.render_json import render_json


def test_create_document(snapshot):
    plan = compute_plan(desired(), LiveState(), credential_fingerprints=FINGERPRINTS)
    doc = json.loads(render_json(plan))
    assert doc["format_version"] == "1"
    assert doc["summary"] == {"add": 6, "change": 0, "destroy": 0, "has_changes": True}
    assert doc == snapshot


def test_secret_change_is_flagged_without_values():
    text = render_json(compute_plan(desired(), converged_live(), credential_fingerprints={CONN: "fp-2"}))
    assert SECRET not in text and "fp-2" not in text
    [change] = json.loads(text)["changes"]
    assert change["attributes"] == [{"name": "credentials", "before": None, "after": None, "sensitive": True}]


def test_no_changes_document():
    doc = json.loads(render_json(compute_plan(desired(), converged_live(), credential_fingerprints=FINGERPRINTS)))
    assert doc["changes"] == [] and doc["summary"]["has_changes"] is False
