"""``storage.new_file``: a POLLING trigger over the engine's Filesystem (the namespace of the source's alias, as its
actions use): one event for each file that appears under ``prefix`` (``""`` or absent: every file).

The cursor is the paths seen under the prefix with the time each was written. A new path is an event; a file
overwritten in place is not (its path was seen), and a file deleted and written again is (its path was gone). A
prefix may hold at most ``MAX_FILES`` files (one with more is refused: narrow it), so the cursor stays bounded
(``MAX_FILES`` x (path + 30 bytes)).

An event is the file's metadata, as ``storage.list_files`` shows it (``{path, size, contentType, updatedAt}``),
oldest first; its id is ``<path>@<updatedAt>``, so a path that comes back later is a new event.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.integrations.base import ActionContext, StoredFile
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.state_access import state_of
from weavz_flow.integrations.trigger_base import Cursor, PollResult, TriggerEvent

MAX_FILES = 5000

INFO = TriggerInfo(
    integration="storage",
    name="new_file",
    display_name="New File",
    description="Fires when a file is written at a path that held none.",
    type="POLLING",
    fields=(
        InputField("prefix", "string", description=f"Only paths starting with this (at most {MAX_FILES} files).",
                   display_name="Path prefix"),
    ),
    sample_data={"path": "reports/2026-12-03.csv", "size": 2048, "contentType": "text/csv",
                 "updatedAt": "2026-12-03T09:30:00.000000Z"},
)


class NewFile:
    @property
    def info(self) -> TriggerInfo:
        return INFO

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        return _cursor(_files(ctx, input))

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        seen: dict[str, str] = cursor.get("paths", {})
        files = _files(ctx, input)
        new = sorted((f for f in files if f.path not in seen), key=lambda f: (f.updated_at, f.path))
        events = [TriggerEvent(id=f"{f.path}@{f.updated_at}", data=f.metadata(), occurred_at=f.updated_at)
                  for f in new]
        return PollResult(events=events, cursor=_cursor(files))


def _files(ctx: ActionContext, input: dict[str, Any]) -> list[StoredFile]:
    prefix = input.get("prefix") or ""
    if not isinstance(prefix, str):
        raise invalid_input(ctx, "prefix", "must be a string")
    files = state_of(ctx).file_list(ctx.namespace, prefix.lstrip("/"))
    if len(files) > MAX_FILES:
        raise invalid_input(ctx, "prefix", f"holds more than {MAX_FILES} files; narrow it")
    return files


def _cursor(files: list[StoredFile]) -> Cursor:
    return {"paths": {f.path: f.updated_at for f in files}}


NEW_FILE = NewFile()
