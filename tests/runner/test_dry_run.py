"""--dry-run previews the calls a run would make, prepared as the run prepares them (runner.prepare)."""

from __future__ import annotations

from tests.runner.conftest import Harness
from weavz_flow.runner.dry_run import dry_run

FLOW = """\
flow: previewed
workspace: acme-staging
steps:
  - id: skipped
    uses: kv.put
    if: "{{ 1 > 2 }}"
    with: {key: skipped, value: 1}
  - id: each
    uses: kv.put
    for_each: "{{ ['a', 'b', 'c'] }}"
    with: {key: "each-{{ item }}", value: "{{ index }}"}
  - id: none
    uses: kv.put
    for_each: "{{ [] }}"
    with: {key: "none-{{ item }}"}
  - id: later
    uses: kv.put
    with: {key: later, value: "{{ steps.each.output }}"}
"""


def test_dry_run_shows_the_call_of_each_step(harness: Harness):
    harness.add_flow("previewed", FLOW)
    by_id = {p.step_id: p for p in dry_run(harness.runner(), "previewed")}
    skipped = by_id["skipped"]  # a false `if` is shown with the call it would skip
    assert skipped.condition is False and skipped.final_input == {"key": "skipped", "value": 1}
    each = by_id["each"]
    assert each.items == 3 and each.final_input == {"key": "each-a", "value": 0}
    assert (by_id["none"].items, by_id["none"].note, by_id["none"].final_input) == (
        0, "for_each renders to no items", None)
    assert by_id["later"].note == "needs the output of an earlier step"
    assert harness.records.recent() == []
