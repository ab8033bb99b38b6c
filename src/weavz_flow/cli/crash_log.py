"""Writing the traceback of an unexpected error to a file only its user can read.

The file goes into a private per-user directory, ``$TMPDIR/weavz-flow-<uid>`` (mode 0700, created when missing).
A shared temporary directory is where another user can plant a symlink, so the directory is opened without
following one and refused unless it is a real directory owned by this user; the file is created inside it (by
directory descriptor, so the directory checked is the one written to) under a fresh name with
``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600: it never overwrites or follows anything.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
import time
from pathlib import Path

_DIR_MODE = 0o700
_FILE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class CrashLogError(Exception):
    """The crash log could not be written safely; the message says why."""


def crash_log_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"weavz-flow-{os.getuid()}"


def write_crash_log(text: str, directory: Path | None = None) -> Path:
    """Write ``text`` to a new file in the private directory; returns its path."""
    directory = directory or crash_log_dir()
    dir_fd = _open_private_dir(directory)
    try:
        name = f"crash-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(4)}.log"
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, _FILE_MODE, dir_fd=dir_fd)
        except OSError as exc:
            raise CrashLogError(f"cannot create a file in {directory}: {exc.strerror}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    finally:
        os.close(dir_fd)
    return directory / name


def _open_private_dir(directory: Path) -> int:
    try:
        os.mkdir(directory, _DIR_MODE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise CrashLogError(f"cannot create {directory}: {exc.strerror}") from None
    try:
        fd = os.open(directory, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
    except OSError as exc:
        raise CrashLogError(f"{directory} is not a directory of its own (a symlink?): {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        os.close(fd)
        raise CrashLogError(f"{directory} is not a directory owned by this user")
    if stat.S_IMODE(info.st_mode) != _DIR_MODE:
        os.fchmod(fd, _DIR_MODE)  # ours, but others could read it: close it before writing
    return fd
