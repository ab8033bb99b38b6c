"""``watch --run`` previews through the same renderer as ``run``: a template over a render limit is the step's note,
and the watcher goes on."""

from __future__ import annotations

from pathlib import Path

from tests.schedule.test_watch import catalog, root  # noqa: F401  (pytest finds fixtures by name)
from tests.schedule.watch_project import converge, flow_file
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.watch_render import render_cycle
from weavz_flow.schedule.watch import Watcher, WatchOptions


def test_a_preview_over_a_render_limit_is_a_note(root: Path, catalog: Catalog) -> None:  # noqa: F811
    converge(root)
    text = flow_file(root).read_text(encoding="utf-8")
    assert '"runs:{{ inputs.report }}"' in text
    flow_file(root).write_text(text.replace('"runs:{{ inputs.report }}"', "\"{{ 'x'.center(10**9) }}\""),
                               encoding="utf-8")
    with Watcher(root, catalog, WatchOptions(run_flow="report")) as watcher:
        cycle = watcher.cycle()
    assert cycle.previews is not None and cycle.run_error is None
    first = cycle.previews[0]
    assert first.step_id == "record_run" and first.final_input is None
    assert first.note is not None and "step 'record_run', with.key" in first.note
    assert "over a render limit" in first.note and "over a render limit" in render_cycle(cycle)
