"""Which file events matter to ``watch``, and a cheap snapshot of the project's config files.

The filter keeps the project's YAML files and drops everything else an editor or the engine touches under the root:
the ``.weavz-flow/`` state folder (SQLite and its WAL), hidden files, editor swap and backup files (``.x.yaml.swp``,
``x.yaml~``, ``#x.yaml#``, ``x.yaml.tmp``, JetBrains' ``x.yaml___jb_tmp___``, vim's ``4913`` probe) and the files of
nested projects. Editors that save by writing a temporary file and renaming it over the original produce an event
for the final name, so they pass the filter like an in-place write.

The snapshot (modification time and size of every config file) catches what no event reports: the files of a folder
renamed as a whole (the filter lets folder events through for this), or an event dropped by the platform's notifier.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from watchfiles import Change

from weavz_flow.config.discovery import CONFIG_SUFFIXES, config_files, display_path
from weavz_flow.config.model.project_file import PROJECT_FILE_NAME


class ChangeKind(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


_KINDS = {Change.added: ChangeKind.ADDED, Change.modified: ChangeKind.MODIFIED, Change.deleted: ChangeKind.DELETED}


@dataclass(frozen=True, slots=True, order=True)
class FileChange:
    """One changed config file; ``display`` names it as diagnostics do (relative to the working directory)."""

    display: str
    kind: ChangeKind
    path: Path


def file_change(path: Path, kind: ChangeKind) -> FileChange:
    return FileChange(display_path(path), kind, path)


def batch_changes(batch: Iterable[tuple[Change, str]], known: Collection[Path] = ()) -> tuple[FileChange, ...]:
    """One change per file from a batch of raw events, sorted by name.

    Editors that save by renaming a new file over the old one, or by deleting and re-creating it, report the file as
    added (or deleted and added): a file that exists now and was ``known`` before counts as modified.
    """
    kinds: dict[Path, set[ChangeKind]] = {}
    for change, raw in batch:
        kinds.setdefault(Path(raw), set()).add(_KINDS[change])
    out = []
    for path, seen in kinds.items():
        if not path.exists():
            kind = ChangeKind.DELETED
        elif seen == {ChangeKind.MODIFIED} or path.resolve() in known:
            kind = ChangeKind.MODIFIED
        else:
            kind = ChangeKind.ADDED
        out.append(file_change(path, kind))
    return tuple(sorted(out))


class ConfigPathFilter:
    """A ``watch_filter`` for watchfiles: True for a path that is (or was) one of the project's config files.

    ``include`` mirrors the project file's ``include`` globs; :class:`weavz_flow.schedule.watch.Watcher` updates it
    after each read, so a change to the globs takes effect on the next save.
    """

    def __init__(self, root: Path, include: list[str] | None = None) -> None:
        self.root = root.resolve()
        self.include = include

    def __call__(self, change: Change, raw_path: str) -> bool:
        path = Path(raw_path)
        return self.matches(path) or self.is_folder(path)

    def is_folder(self, path: Path) -> bool:
        """A visible folder under the root: renaming one moves its files without an event for each of them, so the
        watcher compares stamps when it sees one."""
        try:
            relative = path.resolve().relative_to(self.root)
        except ValueError:
            return False
        return bool(relative.parts) and not any(p.startswith(".") for p in relative.parts) and path.is_dir()

    def matches(self, path: Path) -> bool:
        try:
            relative = path.resolve().relative_to(self.root)
        except ValueError:
            return False
        parts = relative.parts
        if not parts or any(part.startswith(".") for part in parts):
            return False
        name = parts[-1]
        if not name.endswith(CONFIG_SUFFIXES) or name.startswith(("#", "~")):
            return False
        if relative == Path(PROJECT_FILE_NAME):
            return True
        if self.include is not None:
            text = relative.as_posix()
            return any(fnmatch.fnmatch(text, pattern) for pattern in self.include)
        return not self._in_nested_project(relative)

    def _in_nested_project(self, relative: Path) -> bool:
        folder = self.root
        for part in relative.parts[:-1]:
            folder = folder / part
            if (folder / PROJECT_FILE_NAME).is_file():
                return True
        return False


FileStamp = tuple[int, int]  # (mtime in ns, size)


def snapshot(root: Path, include: list[str] | None = None) -> dict[Path, FileStamp]:
    """Modification time and size of the project file and every config file under ``root``."""
    out: dict[Path, FileStamp] = {}
    for path in (root.resolve() / PROJECT_FILE_NAME, *config_files(root, include)):
        try:
            st = os.stat(path)
        except OSError:  # deleted between the listing and the stat: it counts as absent
            continue
        out[path] = (st.st_mtime_ns, st.st_size)
    return out


def snapshot_changes(before: Mapping[Path, FileStamp], after: Mapping[Path, FileStamp]) -> tuple[FileChange, ...]:
    """What differs between two snapshots, as file changes sorted by name."""
    changes = [file_change(p, ChangeKind.ADDED) for p in after.keys() - before.keys()]
    changes += [file_change(p, ChangeKind.DELETED) for p in before.keys() - after.keys()]
    changes += [file_change(p, ChangeKind.MODIFIED) for p in after.keys() & before.keys() if after[p] != before[p]]
    return tuple(sorted(changes))
