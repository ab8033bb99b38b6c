"""runner.ready_queue on its own: which steps are ready, in what order, and what fail-fast leaves not started."""

from __future__ import annotations

import yaml

from weavz_flow.config.model.flow import FlowFile
from weavz_flow.runner.ready_queue import ReadyQueue, direct_dependencies


def _flow(steps: list[dict[str, object]]) -> FlowFile:
    return FlowFile.model_validate({"flow": "f", "workspace": "w", "steps": [
        {"uses": "kv.put", "with": {}, **s} for s in steps]})


def test_without_needs_each_step_waits_for_the_one_before():
    flow = _flow([{"id": "a"}, {"id": "b"}, {"id": "c"}])
    assert direct_dependencies(flow) == {"a": [], "b": ["a"], "c": ["b"]}
    queue = ReadyQueue.of(flow)
    assert queue.take() == ["a"]
    assert queue.take() == []  # b waits for a
    queue.finish("a", stops=False)
    assert queue.take() == ["b"]
    queue.finish("b", stops=False)
    assert queue.take() == ["c"]
    queue.finish("c", stops=False)
    assert queue.take() == [] and queue.not_started() == [] and queue.stopped_by is None


def test_needs_fan_out_and_in_in_flow_order():
    queue = ReadyQueue(["root", "left", "right", "join"],
                       {"root": [], "left": ["root"], "right": ["root"], "join": ["right", "left"]})
    assert queue.take() == ["root"]
    queue.finish("root", stops=False)
    assert queue.take() == ["left", "right"]
    queue.finish("right", stops=False)
    assert queue.take() == []  # join still needs left
    queue.finish("left", stops=False)
    assert queue.take() == ["join"]


def test_ready_steps_are_handed_out_in_flow_order_whatever_order_they_became_ready_in():
    queue = ReadyQueue(["a", "b", "c", "d"], {"a": [], "b": [], "c": ["b"], "d": ["a"]})
    assert queue.take() == ["a", "b"]
    queue.finish("b", stops=False)
    queue.finish("a", stops=False)
    assert queue.take() == ["c", "d"]


def test_a_failure_that_stops_starts_nothing_more():
    queue = ReadyQueue(["a", "b", "c", "d"], {"a": [], "b": [], "c": ["a"], "d": ["b"]})
    assert queue.take() == ["a", "b"]
    queue.finish("a", stops=True)
    queue.finish("b", stops=False)  # running when a failed: it finishes, its dependent d does not start
    assert queue.take() == []
    assert queue.not_started() == ["c", "d"]
    assert queue.stopped_by == "a" and queue.skip_reason() == "not run: step 'a' failed"


def test_of_several_failures_the_last_is_named():
    queue = ReadyQueue(["a", "b"], {"a": [], "b": []})
    queue.take()
    queue.finish("a", stops=True)
    queue.finish("b", stops=True)
    assert queue.stopped_by == "b"


def test_a_tolerated_failure_does_not_stop():
    queue = ReadyQueue(["a", "b"], {"a": [], "b": ["a"]})
    queue.take()
    queue.finish("a", stops=False)
    assert queue.take() == ["b"]


def test_a_dependency_that_never_finishes_leaves_its_dependents_not_started():
    queue = ReadyQueue(["a", "b"], {"a": [], "b": ["ghost"]})
    assert queue.take() == ["a"]
    queue.finish("a", stops=False)
    assert queue.take() == [] and queue.not_started() == ["b"]
    assert queue.skip_reason() == "not run: a dependency never finished"


def test_of_reads_needs_from_the_flow():
    flow = _flow([{"id": "a"}, {"id": "b", "needs": []}, {"id": "c", "needs": ["a", "b"]}])
    assert yaml.safe_dump(direct_dependencies(flow)) == yaml.safe_dump({"a": [], "b": [], "c": ["a", "b"]})
    assert ReadyQueue.of(flow).take() == ["a", "b"]


def test_restore_marks_finished_steps_done_and_readies_what_follows_them():
    q = ReadyQueue(["a", "b", "c", "d"], {"b": ["a"], "c": ["b"], "d": []})
    q.restore({"a": False, "d": False})
    assert q.take() == ["b"]  # a resumed run starts where it waited
    assert q.not_started() == ["c"]


def test_restore_of_a_step_that_stopped_the_run_starts_nothing():
    q = ReadyQueue(["a", "b"], {"b": ["a"]})
    q.restore({"a": True})
    assert q.take() == [] and q.stopped_by == "a"
