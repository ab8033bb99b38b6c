"""The since-watermark: what is new, in which order, and how much the cursor keeps."""

from __future__ import annotations

from weavz_flow.integrations.trigger_watermark import MAX_IDS_AT_MARK, Stamped, Watermark, advance


def item(id: str, mark: str) -> Stamped:
    return Stamped(id, mark, {"id": id})


def test_new_items_come_oldest_first_and_the_watermark_keeps_the_ids_at_its_time() -> None:
    start = Watermark("2026-12-01T10:00:00Z", ("a",))
    items = [item("c", "2026-12-01T10:00:02Z"), item("a", "2026-12-01T10:00:00Z"), item("b", "2026-12-01T10:00:00Z"),
             item("old", "2026-12-01T09:00:00Z"), item("d", "2026-12-01T10:00:02Z")]
    events, after = advance(start, items)
    assert [e.id for e in events] == ["b", "c", "d"]
    assert after == Watermark("2026-12-01T10:00:02Z", ("c", "d"))
    assert Watermark.of(after.cursor()) == after
    assert advance(after, items)[0] == []


def test_the_ids_at_one_time_are_bounded() -> None:
    mark = "2026-12-01T10:00:00Z"
    _, after = advance(Watermark(), [item(f"{n:04d}", mark) for n in range(MAX_IDS_AT_MARK + 50)])
    assert len(after.ids) == MAX_IDS_AT_MARK and after.ids[-1] == f"{MAX_IDS_AT_MARK + 49:04d}"


def test_an_empty_baseline_takes_everything_later_as_new() -> None:
    events, after = advance(Watermark.of({}), [item("x", "2026-12-01T10:00:00Z")])
    assert [e.id for e in events] == ["x"] and after.mark == "2026-12-01T10:00:00Z"
