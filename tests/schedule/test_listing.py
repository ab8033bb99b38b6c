"""schedule --list as a library: each schedule's next fires, shown in its own time zone and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from weavz_flow.config.load import load_project
from weavz_flow.config.model.flow import Missed, Overlap
from weavz_flow.schedule.listing import fire_text, listing_document, render_listing, schedule_listing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STEPS = "steps:\n  - id: a\n    uses: kv.get\n    with: {key: k}\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def write_project(root: Path, flows: dict[str, str]) -> Path:
    root.mkdir()
    (root / "weavz-flow.yaml").write_text("version: 1\n", encoding="utf-8")
    (root / "w.yaml").write_text("workspace: main\nintegrations:\n  kv: {integration: kv-store}\n", encoding="utf-8")
    for name, schedule in flows.items():
        text = f"flow: {name}\nworkspace: main\n" + (f"schedule: {schedule}\n" if schedule else "") + STEPS
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def test_examples_listing_across_the_october_clock_change() -> None:
    entries = schedule_listing(load_project(EXAMPLES), utc(2026, 10, 23, 12, 7))
    digest = next(e for e in entries if e.flow == "open-issues-digest")
    assert (digest.workspace, digest.cron, digest.timezone, digest.timezone_is_default) == (
        "acme-prod", "0 9 * * 1-5", "Europe/Berlin", False)
    assert (digest.enabled, digest.overlap, digest.missed) == (True, Overlap.SKIP, Missed.LAST)
    # Friday afternoon: next is Monday, after clocks went back, so 09:00 local is 08:00 UTC instead of 07:00
    assert digest.next_fires == (utc(2026, 10, 26, 8), utc(2026, 10, 27, 8), utc(2026, 10, 28, 8))
    report = next(e for e in entries if e.flow == "offline-report")
    assert report.timezone == "UTC" and report.timezone_is_default
    assert report.next_fires == (utc(2026, 10, 23, 12, 15), utc(2026, 10, 23, 12, 30), utc(2026, 10, 23, 12, 45))
    assert render_listing(entries) == (
        'offline-report (acme-staging): "*/15 * * * *" UTC (default), enabled, overlap skip, missed last\n'
        "  next: Fri 2026-10-23 12:15 UTC\n"
        "        Fri 2026-10-23 12:30 UTC\n"
        "        Fri 2026-10-23 12:45 UTC\n"
        'open-issues-digest (acme-prod): "0 9 * * 1-5" Europe/Berlin, enabled, overlap skip, missed last\n'
        "  next: Mon 2026-10-26 09:00 CET (08:00 UTC)\n"
        "        Tue 2026-10-27 09:00 CET (08:00 UTC)\n"
        "        Wed 2026-10-28 09:00 CET (08:00 UTC)\n"
    )


def test_disabled_never_matching_and_unscheduled_flows(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {
        "paused": '{cron: "0 * * * *", enabled: false}',
        "never": '{cron: "0 0 30 2 *", timezone: Asia/Tokyo}',
        "plain": "",
        "tokyo": '{cron: "0 8 * * *", timezone: Asia/Tokyo}',
    })
    entries = schedule_listing(load_project(root), utc(2026, 5, 1, 12), count=2)
    assert [e.flow for e in entries] == ["never", "paused", "tokyo"]
    assert [e.next_fires for e in entries] == [(), (), (utc(2026, 5, 1, 23), utc(2026, 5, 2, 23))]
    assert render_listing(entries).splitlines() == [
        'never (main): "0 0 30 2 *" Asia/Tokyo, enabled, overlap skip, missed last',
        "  next: none (the cron matches no date)",
        'paused (main): "0 * * * *" UTC (default), disabled, overlap skip, missed last',
        "  next: none (disabled)",
        'tokyo (main): "0 8 * * *" Asia/Tokyo, enabled, overlap skip, missed last',
        "  next: Sat 2026-05-02 08:00 JST (Fri 2026-05-01 23:00 UTC)",  # the UTC date differs: it is shown
        "        Sun 2026-05-03 08:00 JST (Sat 2026-05-02 23:00 UTC)",
    ]
    doc = listing_document(entries)
    assert doc[2]["next_fires"] == ["2026-05-01T23:00:00+00:00", "2026-05-02T23:00:00+00:00"]
    assert doc[1]["enabled"] is False and doc[1]["timezone_is_default"] is True and doc[1]["next_fires"] == []


def test_fire_text_shows_summer_and_winter_time() -> None:
    assert fire_text(utc(2026, 3, 29, 1), "Europe/Berlin") == "Sun 2026-03-29 03:00 CEST (01:00 UTC)"
    assert fire_text(utc(2026, 3, 29, 0, 30), "Europe/Berlin") == "Sun 2026-03-29 01:30 CET (00:30 UTC)"


def test_no_schedules_and_naive_now(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path / "p", {"plain": ""}))
    assert schedule_listing(project, utc(2026, 5, 1)) == []
    assert render_listing([]) == "No scheduled flows in this project.\n"
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule_listing(project, datetime(2026, 5, 1))
