"""Searching bytes for canary secrets in every form a copy of one may take.

A canary is found in a haystack when any of these occurs (case-insensitively unless said otherwise):

- any run of 12 consecutive characters of it: the canary itself, a case variant, a truncation;
- the same after decoding JSON escapes (``\\uXXXX``, ``\\/``, ``\\"``, ``\\\\``), up to three times over;
- its base64 or base64url encoding at any of the three byte alignments (case-sensitive), as an HTTP Basic header
  or a binary body would carry it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

RUN = 12
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([\"\\/bfnrt]))")
# A stretch of text without spaces or quotes, escapes included: an escaped copy sits inside one.
_ESCAPED_WORD = re.compile(r'(?:\\+u[0-9a-f]{4}|\\+[/"\\bfnrt]|[^\s"\\])+')


@dataclass(frozen=True, slots=True)
class Leak:
    where: str
    canary: str
    form: str

    def __str__(self) -> str:
        return f"{self.where}: the {self.canary} canary ({self.form})"


def _decoded(word: str) -> str:
    for _ in range(3):
        word = _ESCAPE.sub(_decode, word)
    return word


def _decode(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return chr(int(match.group(1), 16))
    return {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}.get(match.group(2), match.group(2))


def _base64_forms(value: str) -> list[str]:
    forms = []
    raw = value.encode("utf-8")
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            # Drop the quads the neighbouring bytes change: what stays is in any encoding of a text holding it.
            forms.append(encode(b"\0" * pad + raw).decode("ascii")[4:-4])
    return forms


class CanaryScan:
    def __init__(self, canaries: dict[str, str]) -> None:
        self.canaries = canaries
        self._runs = {name: {v.lower()[i:i + RUN] for i in range(len(v) - RUN + 1)} for name, v in canaries.items()}
        self._b64 = {name: _base64_forms(v) for name, v in canaries.items()}
        self.leaks: list[Leak] = []
        self.searched: list[str] = []

    def search(self, where: str, data: bytes | str) -> None:
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        self.searched.append(where)
        for name, canary in self.canaries.items():
            forms = self._forms(text, name, canary)
            if forms:
                self.leaks.append(Leak(where, name, ", ".join(forms)))

    def _forms(self, text: str, name: str, canary: str) -> list[str]:
        """Which forms of ``canary`` ``text`` holds, each told apart from the others."""
        forms = []
        lowered = text.lower()
        if canary in text:
            forms.append("verbatim")
        if canary.upper() in text or canary.lower() in text:
            forms.append("case variant")
        # Whole copies out of the way, a run of 12 left is a truncated (or otherwise cut) copy.
        if any(run in lowered.replace(canary.lower(), "#") for run in self._runs[name]):
            forms.append("truncated")
        escaped_words = [w.group(0) for w in _ESCAPED_WORD.finditer(lowered) if "\\" in w.group(0)]
        if any(run in _decoded(word) for word in escaped_words for run in self._runs[name]):
            forms.append("JSON-escaped")
        if any(form in text for form in self._b64[name]):
            forms.append("base64")
        return forms

    def search_files(self, root: Path, label: str) -> None:
        """Every file below ``root`` (SQLite files with their -wal and -shm, JSON state, locks, keys)."""
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            self.search(f"{label}/{path.relative_to(root)}", path.read_bytes())
