"""Invalid text: the strings no store may keep and no response can carry.

Two kinds of string get past a JSON decoder and then fail far from where they came in: the NUL character (PostgreSQL
text and JSONB cannot hold U+0000) and lone surrogates (``"\\ud800"`` decodes to a Python ``str`` that UTF-8 cannot
encode, so the database driver or the JSON response fails). Every string of a request, key or value, is checked here
once, at the edge, and refused as a 400 ``VALIDATION_ERROR`` that names the field. :func:`repair` is for the other
direction: text an older version did store is read back with each lone surrogate replaced by U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any

from weavz_flow.errors import ApiError, ErrorCode

_SURROGATE = re.compile("[\ud800-\udfff]")
PROBLEM = "must be valid Unicode text without the NUL character (U+0000) or lone surrogates (U+D800-U+DFFF)"


def is_invalid(text: str) -> bool:
    if "\x00" in text:
        return True
    return not text.isascii() and _SURROGATE.search(text) is not None


def _may_hold_invalid(value: Any) -> bool:
    """False only if no string of ``value`` is invalid: one pass in C over its JSON text (which escapes a NUL as
    ``\\u0000`` and keeps a lone surrogate as it is), instead of a walk in Python for every request body. A text
    that merely looks suspect (a literal backslash-u0000) sends the caller to the exact walk, which decides."""
    if isinstance(value, str):
        return is_invalid(value)
    try:
        text = json.dumps(value, ensure_ascii=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return True
    return "\\u0000" in text or (not text.isascii() and _SURROGATE.search(text) is not None)


def invalid_text_at(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (a key or a value) in ``value`` that is invalid text, else None.

    A bad key is named by its parent's path plus the key as far as it can be shown (its bad characters escaped)."""
    if not _may_hold_invalid(value):
        return None
    return _first_invalid(value, path)


def _first_invalid(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if is_invalid(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = _join(path, _printable(key) if isinstance(key, str) else str(key))
            if isinstance(key, str) and is_invalid(key):
                return here
            found = _first_invalid(item, here)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _first_invalid(item, _join(path, str(index)))
            if found is not None:
                return found
    return None


def invalid_text_error(field: str) -> ApiError:
    shown = field or "body"
    return ApiError(ErrorCode.VALIDATION_ERROR, f"Invalid text in {shown}: it {PROBLEM}",
                    details={"fields": [{"field": shown, "message": f"text {PROBLEM}", "type": "invalid_text"}]})


def check_text(value: Any, field: str) -> None:
    """Raise 400 ``VALIDATION_ERROR`` naming the field (``field`` + the path inside it) if ``value`` holds bad text."""
    found = invalid_text_at(value, field)
    if found is not None:
        raise invalid_text_error(found)


def repair(value: Any) -> Any:
    """``value`` with every lone surrogate replaced by U+FFFD, keys included (unchanged values are returned as is)."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {repair(k): repair(v) for k, v in value.items()}
    if isinstance(value, list):
        return [repair(v) for v in value]
    return value


def _printable(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part
