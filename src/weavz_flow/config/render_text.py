"""Diagnostics as text, one per line (``file:line:col: error: message (hint)``), then the project's schedules (cron,
time zone with "(default)" when the file omits it, enabled, overlap, missed), then a summary line."""

from __future__ import annotations

from collections.abc import Sequence

from weavz_flow.config.render_schedules import schedule_lines
from weavz_flow.config.schedules import ScheduledFlow
from weavz_flow.diagnostics import Diagnostic


def render_text(diagnostics: Sequence[Diagnostic], files_checked: int,
                schedules: Sequence[ScheduledFlow] = ()) -> str:
    lines = [str(d) for d in diagnostics]
    lines.extend(schedule_lines(schedules, "Schedules (cron, time zone):"))
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    files = _plural(files_checked, "file")
    if errors:
        lines.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {files} checked")
    elif warnings:
        lines.append(f"valid, with {_plural(warnings, 'warning')} ({files} checked)")
    else:
        lines.append(f"valid ({files} checked)")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
