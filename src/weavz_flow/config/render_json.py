"""Diagnostics as JSON, a stable shape for tools and CI:

``{"format_version": 1, "valid": bool, "files_checked": int, "diagnostics": [{"severity", "code", "message",
"file", "line", "column", "hint"}], "schedules": [{"flow", "workspace", "cron", "timezone", "timezone_is_default",
"enabled", "overlap", "missed"}]}``; ``file``/``line``/``column``/``hint`` are null when unknown; ``schedules`` lists
the scheduled flows that loaded, by flow name (``timezone`` is "UTC" with ``timezone_is_default`` true when the file
omits it). Fields are only ever added within a format version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from weavz_flow.config.render_schedules import schedule_object
from weavz_flow.config.schedules import ScheduledFlow
from weavz_flow.diagnostics import Diagnostic

FORMAT_VERSION = 1


def diagnostics_document(diagnostics: Sequence[Diagnostic], files_checked: int,
                         schedules: Sequence[ScheduledFlow] = ()) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "valid": not any(d.is_error for d in diagnostics),
        "files_checked": files_checked,
        "diagnostics": [
            {
                "severity": str(d.severity),
                "code": d.code,
                "message": d.message,
                "file": d.position.file if d.position else None,
                "line": d.position.line if d.position else None,
                "column": d.position.column if d.position else None,
                "hint": d.hint,
            }
            for d in diagnostics
        ],
        "schedules": [schedule_object(s) for s in schedules],
    }


def render_json(diagnostics: Sequence[Diagnostic], files_checked: int,
                schedules: Sequence[ScheduledFlow] = ()) -> str:
    return json.dumps(diagnostics_document(diagnostics, files_checked, schedules), indent=2) + "\n"
