"""Redaction of secret values from text and data before it reaches a log, an error, a response or a record.

What counts as a copy of a secret, besides the secret itself:

- any case variant (``TOKEN``, ``token``): matching is case-insensitive;
- JSON-escaped forms: any subset of its characters written as ``\\uXXXX`` (surrogate pairs included), ``\\/``,
  ``\\"``, ``\\\\`` and the other JSON escapes, also escaped twice over (JSON inside a JSON string);
- for a secret of :data:`FRAGMENT_SECRET_LENGTH` (16) characters or more, any run of :data:`MIN_FRAGMENT` (12) or
  more consecutive characters of it (a prefix, a suffix or the middle), so that a provider's ``ghp_ABC...***``
  truncation is caught too. Shorter secrets are matched whole only: their fragments would hit ordinary text.

How it stays cheap on the execute path: each secret is compiled once (cached across Redactors) into needles, the
secret itself when short, else 6-character chunks at offsets 0, 6, 12... and one ending the secret; any 12-character
run of the secret holds one whole chunk. A text (for data, all its strings joined) is lower-cased once and searched
for the needles with ``str.find``; only a hit, or a backslash that may start an escape, costs more.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REDACTED = "[REDACTED]"

# Shorter strings are too likely to occur by chance in ordinary text (and redacting them would garble it).
_MIN_SECRET_LENGTH = 4
FRAGMENT_SECRET_LENGTH = 16
MIN_FRAGMENT = 12
_CHUNK = MIN_FRAGMENT // 2  # chunks at multiples of _CHUNK: every MIN_FRAGMENT-long run holds a whole one
_CACHED_SECRET_LENGTH = 512
_ESCAPE_ROUNDS = 3  # a value escaped more often than this is not a form anyone echoes by accident

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([\"\\/bfnrt]))")
_HIGH_SURROGATE = re.compile("[\ud800-\udbff]")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_JOIN = "\x00"  # between the strings of one data value: no secret run spans two of them

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One secret, lower-cased, with the needles that find it and the shortest run of it that counts."""

    secret: str
    min_run: int
    anchors: tuple[tuple[int, str], ...]  # (offset in the secret, needle)


def _compile_all(secrets: frozenset[str]) -> tuple[tuple[_Pattern, ...], tuple[str, ...]]:
    # Every execute builds a Redactor over the same few secrets: the compiled set is cached like each secret.
    if sum(map(len, secrets)) <= _CACHED_SECRET_LENGTH:
        return _compile_all_cached(secrets)
    return _compile_set(secrets)


@functools.lru_cache(maxsize=256)
def _compile_all_cached(secrets: frozenset[str]) -> tuple[tuple[_Pattern, ...], tuple[str, ...]]:
    return _compile_set(secrets)


def _compile_set(secrets: frozenset[str]) -> tuple[tuple[_Pattern, ...], tuple[str, ...]]:
    patterns = tuple(_compile(s) for s in sorted(secrets))
    return patterns, tuple({needle for p in patterns for _, needle in p.anchors})


def _compile(secret: str) -> _Pattern:
    # The cache is for the secrets every execute brings again; a long one (a PEM key, or a caller's outsized list)
    # is compiled each time rather than kept, so the cache stays small whatever callers send.
    return _compile_cached(secret) if len(secret) <= _CACHED_SECRET_LENGTH else _compile_pattern(secret)


@functools.lru_cache(maxsize=1024)
def _compile_cached(secret: str) -> _Pattern:
    return _compile_pattern(secret)


def _compile_pattern(secret: str) -> _Pattern:
    lowered = _lower(secret)
    if len(lowered) < FRAGMENT_SECRET_LENGTH:
        return _Pattern(lowered, len(lowered), ((0, lowered),))
    offsets = sorted({*range(0, len(lowered) - _CHUNK + 1, _CHUNK), len(lowered) - _CHUNK})
    return _Pattern(lowered, MIN_FRAGMENT, tuple((o, lowered[o:o + _CHUNK]) for o in offsets))


def _lower(text: str) -> str:
    """A case fold that keeps every character at its index (``str.lower`` may turn one character into two) and
    gives a letter's two cases one form (the micro sign, upper-cased, lower-cases to Greek mu, not to itself)."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold, text))


@functools.lru_cache(maxsize=4096)
def _fold(c: str) -> str:
    for folded in (c.upper().lower(), c.lower()):
        if len(folded) == 1:
            return folded
    return c


class Redactor:
    """Replaces each known secret, and each copy of it in the forms above, wherever it occurs, in text or nested
    JSON-like data."""

    __slots__ = ("_needles", "_patterns")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._patterns, self._needles = _compile_all(
            frozenset(s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LENGTH))

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def text(self, value: str) -> str:
        if not self._patterns:
            return value
        spans = self._spans(value)
        return _replaced(value, spans) if spans else value

    def data(self, value: Any) -> Any:
        if not self._patterns:
            return value
        if isinstance(value, str):
            return self.text(value)
        strings: list[str] = []
        _collect(value, strings)
        # One search over all the strings finds every plain copy (a span never crosses the separator); only strings
        # that may hold an escaped copy are looked at one by one.
        joined = _JOIN.join(strings)
        lowered = _lower(joined)
        if not any(n in lowered for n in self._needles) and ("\\" not in joined or not self._escaped_copy(lowered)):
            return value  # the common case, settled by a few str.find calls
        starts = list(itertools.accumulate((len(s) + len(_JOIN) for s in strings[:-1]), initial=0))
        found: dict[int, list[Span]] = {}
        for start, end in self._find(lowered):
            index = bisect.bisect_right(starts, start) - 1
            found.setdefault(index, []).append((start - starts[index], end - starts[index]))
        escaped: set[int] = set()
        if "\\" in joined and self._escaped_copy(lowered):
            escaped = {i for i, s in enumerate(strings) if "\\" in s}
        if not found and not escaped:
            return value
        return _Rebuild(self, found, escaped).value(value)

    # -- internals ------------------------------------------------------------------------------------------------

    def _spans(self, value: str) -> list[Span]:
        """Where ``value`` holds a secret in any of its forms (spans may overlap)."""
        lowered = _lower(value)
        spans = self._find(lowered)
        if "\\" in value and self._escaped_copy(lowered):
            text, origin = lowered, [(i, i + 1) for i in range(len(lowered))]
            for _ in range(_ESCAPE_ROUNDS):
                text, origin = _unescape(text, origin)
                spans.extend((origin[a][0], origin[b - 1][1]) for a, b in self._find(text))
                if "\\" not in text:
                    break
        return spans

    def _escaped_copy(self, lowered: str) -> bool:
        """A cheap first look: does a needle show once the escapes are decoded (without keeping positions)?"""
        decoded = lowered
        for _ in range(_ESCAPE_ROUNDS):
            decoded = _ESCAPE.sub(_decode_one, decoded)
            if _HIGH_SURROGATE.search(decoded):  # join escaped surrogate pairs into the characters they stand for
                decoded = decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
            if any(n in decoded for n in self._needles):
                return True
            if "\\" not in decoded:
                return False
        return False

    def _find(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for pattern in self._patterns:
            found: list[Span] = []  # this pattern's spans: a needle inside one of them finds it again
            for offset, needle in pattern.anchors:
                at = text.find(needle)
                while at != -1:
                    if not any(start <= at and at + len(needle) <= end for start, end in found):
                        span = _extend(text, at, pattern, offset, len(needle))
                        if span is not None:
                            found.append(span)
                    at = text.find(needle, at + 1)
            spans.extend(found)
        return spans


def _extend(text: str, at: int, pattern: _Pattern, offset: int, length: int) -> Span | None:
    """The run of ``pattern.secret`` around a needle found at ``at`` (the needle being the secret's ``offset``)."""
    secret = pattern.secret
    if at >= offset and text.startswith(secret, at - offset):  # the whole secret: the common case, in C
        return at - offset, at - offset + len(secret)
    start, s = at, offset
    while start > 0 and s > 0 and text[start - 1] == secret[s - 1]:
        start, s = start - 1, s - 1
    end, e = at + length, offset + length
    while end < len(text) and e < len(secret) and text[end] == secret[e]:
        end, e = end + 1, e + 1
    return (start, end) if end - start >= pattern.min_run else None


def _replaced(value: str, spans: list[Span]) -> str:
    out: list[str] = []
    at = 0
    for start, end in _merged(spans):
        out.append(value[at:start])
        out.append(REDACTED)
        at = end
    out.append(value[at:])
    return "".join(out)


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _decode_one(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return _lower(chr(int(match.group(1), 16)))
    return _SIMPLE_ESCAPES[match.group(2)]


def _unescape(text: str, origin: list[Span]) -> tuple[str, list[Span]]:
    """``text`` with its JSON escapes decoded (and lower-cased), and for each of its characters the span of the
    original value it came from."""
    chars: list[str] = []
    spans: list[Span] = []
    at = 0
    for match in _ESCAPE.finditer(text):
        chars.extend(text[at:match.start()])
        spans.extend(origin[at:match.start()])
        chars.append(_decode_one(match))
        spans.append((origin[match.start()][0], origin[match.end() - 1][1]))
        at = match.end()
    chars.extend(text[at:])
    spans.extend(origin[at:])
    return _joined_surrogates(chars, spans)


def _joined_surrogates(chars: list[str], spans: list[Span]) -> tuple[str, list[Span]]:
    # A character outside the BMP is escaped as two \\u surrogates; a secret holds it as one character.
    text = "".join(chars)
    if not _HIGH_SURROGATE.search(text):
        return text, spans
    out_chars: list[str] = []
    out_spans: list[Span] = []
    i = 0
    while i < len(chars):
        c = chars[i]
        if "\ud800" <= c <= "\udbff" and i + 1 < len(chars) and "\udc00" <= chars[i + 1] <= "\udfff":
            code = 0x10000 + ((ord(c) - 0xD800) << 10) + (ord(chars[i + 1]) - 0xDC00)
            out_chars.append(_lower(chr(code)))
            out_spans.append((spans[i][0], spans[i + 1][1]))
            i += 2
            continue
        out_chars.append(c)
        out_spans.append(spans[i])
        i += 1
    return "".join(out_chars), out_spans


class _Rebuild:
    """A copy of a data value with its strings (by their index in :func:`_collect` order) redacted: at the spans
    ``found`` for them, or looked at whole when they are ``escaped`` candidates."""

    __slots__ = ("_escaped", "_found", "_index", "_redactor")

    def __init__(self, redactor: Redactor, found: dict[int, list[Span]], escaped: set[int]) -> None:
        self._redactor = redactor
        self._found = found
        self._escaped = escaped
        self._index = -1

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._string(value)
        if isinstance(value, dict):
            return {(self._string(k) if isinstance(k, str) else k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def _string(self, value: str) -> str:
        self._index += 1
        if self._index in self._escaped:
            return self._redactor.text(value)
        spans = self._found.get(self._index)
        return _replaced(value, spans) if spans else value


def _collect(value: Any, into: list[str]) -> None:
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                into.append(k)
            _collect(v, into)
    elif isinstance(value, list | tuple):
        for v in value:
            _collect(v, into)
