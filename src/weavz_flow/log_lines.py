"""One log record, one line: control characters in what weavz-flow logs are escaped, so no value can forge a line.

A request path is percent-decoded before it is logged (``/x%0A127.0.0.1 "GET /admin" 200`` holds a real newline),
and any value a message quotes (a fire key, an error text, a file name) may come from outside. Every record of a
``weavz_flow`` logger has its message, arguments substituted, rewritten at creation with C0 and C1 control
characters, DEL, the Unicode line and paragraph separators and the bidirectional overrides shown as escapes
(``\\n``, ``\\x1b``, ``\\u2028``), whatever handler later writes it: serve's uvicorn handler, the scheduler's,
or an embedding application's. :func:`install` runs once, when the ``weavz_flow`` package is imported; it wraps
the current log record factory and leaves records of other loggers alone. A traceback attached with ``exc_info``
is formatted by the handler and keeps its lines.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_ROOT = "weavz_flow"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """``text`` with every control character shown as an escape; a text without one is returned as is."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(record: logging.LogRecord) -> None:
    """Substitute the record's arguments into its message and escape the result, in place."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: left for the handler to report, as logging does without us
        return
    record.msg = escape_controls(message)
    record.args = None


def _is_ours(name: str) -> bool:
    return name == _ROOT or name.startswith(_ROOT + ".")


def install() -> None:
    """Make every ``weavz_flow`` record one line from now on (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_weavz_flow_one_line", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _is_ours(record.name):
            one_line(record)
        return record

    factory._weavz_flow_one_line = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
