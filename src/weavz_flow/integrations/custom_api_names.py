"""The names of the integrations in ``custom_api_profiles.yaml``, read without parsing the file or importing the
profile types: the registry lists them on every start-up, and builds (parses) one only when it is looked up."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources

PROFILES_FILE = "custom_api_profiles.yaml"
_TOP_LEVEL_KEY = re.compile(r"^([a-z0-9][a-z0-9-]*):", re.MULTILINE)


def read_data_file(file: str) -> str:
    return resources.files(__package__).joinpath(file).read_text(encoding="utf-8")


@cache
def profile_names() -> tuple[str, ...]:
    """The file's integration names, by its top-level keys (a test checks they are exactly the parsed entries)."""
    return tuple(_TOP_LEVEL_KEY.findall(read_data_file(PROFILES_FILE)))


def profiles_hash() -> str:
    """Part of the natives' cache key: their entries are built from this file, which no source hash reads."""
    return hashlib.sha256(read_data_file(PROFILES_FILE).encode("utf-8")).hexdigest()
