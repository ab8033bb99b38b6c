"""Integrations whose one native action is ``custom_api_call``, built from ``custom_api_profiles.yaml``.

Each entry of the file is a provider as data (its format is at the top of the file): the base URL, whether a
connection may point it at a self-hosted instance, fixed headers, and where each connection type's credential goes.
The integration's catalog entry picks the executor (:mod:`custom_api_shapes`); an entry whose shape has no executor
is an error of the file, caught by its table test. ``custom_api_unsupported.yaml`` lists the integrations left out
and why.

Start-up cost: the registry needs only the names (:mod:`custom_api_names`); the file is parsed when the first of
these integrations is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from weavz_flow.integrations.custom_api_names import PROFILES_FILE, read_data_file
from weavz_flow.integrations.provider_auth import CONNECTION_TYPES, Placement, ProviderAuth

InputWhere = Literal["path", "header", "query"]
UNSUPPORTED_FILE = "custom_api_unsupported.yaml"
_KEYS = frozenset({"base_url", "self_hosted", "auth", "headers", "other_base_urls", "inputs", "source", "checked",
                   "note"})


@dataclass(frozen=True, slots=True)
class ApiProfile:
    name: str
    base_url: str | None  # None: only a connection's own base URL (self-hosted products without a cloud host)
    auth: ProviderAuth
    source: tuple[str, ...]  # the public pages the facts come from
    self_hosted: bool = False  # a connection may point the integration at its own instance (its base URL)
    headers: Mapping[str, str] = field(default_factory=dict)
    other_base_urls: tuple[str, ...] = ()
    # Input fields of the integration's own that go on the wire: field -> (where, name), where is path, header or
    # query (see custom_api_call.InputPlacement).
    inputs: Mapping[str, tuple[InputWhere, str]] = field(default_factory=dict)


@cache
def api_profiles() -> dict[str, ApiProfile]:
    import yaml  # here, not at the registry's import: listing the natives needs only their names

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load(read_data_file(PROFILES_FILE), Loader=loader)
    return {name: api_profile(name, entry) for name, entry in data.items()}


@cache
def unsupported() -> dict[str, str]:
    """Integrations with a catalog ``custom_api_call`` that is not run here -> why."""
    import yaml

    data: dict[str, str] = yaml.safe_load(read_data_file(UNSUPPORTED_FILE))
    return data


def api_profile(name: str, entry: Mapping[str, Any]) -> ApiProfile:
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"{PROFILES_FILE}: {name}: unknown keys {', '.join(sorted(unknown))}")
    source = entry.get("source")
    if not source:
        raise ValueError(f"{PROFILES_FILE}: {name}: no source")
    base_url = entry.get("base_url")
    self_hosted = bool(entry.get("self_hosted", False))
    if base_url is None and not self_hosted:
        raise ValueError(f"{PROFILES_FILE}: {name}: no base_url (and not self_hosted)")
    return ApiProfile(
        name=name,
        base_url=base_url,
        auth=_auth(name, entry.get("auth") or {}),
        source=(source,) if isinstance(source, str) else tuple(source),
        self_hosted=self_hosted,
        headers={str(k): str(v) for k, v in (entry.get("headers") or {}).items()},
        other_base_urls=tuple(entry.get("other_base_urls") or ()),
        inputs={str(k): _input(name, k, v) for k, v in (entry.get("inputs") or {}).items()},
    )


def _input(name: str, field_name: str, item: Any) -> tuple[InputWhere, str]:
    """``path``; ``{header: NAME}``; ``{query: NAME}``."""
    if item == "path":
        return ("path", "")
    if isinstance(item, Mapping) and set(item) == {"header"}:
        return ("header", str(item["header"]))
    if isinstance(item, Mapping) and set(item) == {"query"}:
        return ("query", str(item["query"]))
    raise ValueError(f"{PROFILES_FILE}: {name}: input {field_name}: {item!r} is not path, header or query")


def _auth(name: str, entry: Mapping[str, Any]) -> ProviderAuth:
    if not entry:
        raise ValueError(f"{PROFILES_FILE}: {name}: no auth")
    by_type: dict[str, tuple[Placement, ...]] = {}
    for kind, placements in entry.items():
        if kind not in CONNECTION_TYPES:
            raise ValueError(f"{PROFILES_FILE}: {name}: {kind} is not a connection type")
        items = placements if isinstance(placements, list) else [placements]
        by_type[kind] = tuple(placement(name, p) for p in items)
    return ProviderAuth(by_type)


def placement(name: str, item: Any) -> Placement:
    """``bearer``; ``{header: NAME, value: TEMPLATE}``; ``{query: NAME, value: TEMPLATE}``;
    ``{basic: USER, password: PASSWORD}`` (both templates; ``basic`` alone is the connection's user and password)."""
    if item == "bearer":
        return Placement("header")
    if item == "basic":
        return Placement("basic", value="{username}", password="{password}")
    if isinstance(item, Mapping):
        if set(item) == {"header", "value"}:
            return Placement("header", str(item["header"]), str(item["value"]))
        if set(item) == {"query", "value"}:
            return Placement("query", str(item["query"]), str(item["value"]))
        if "basic" in item and set(item) <= {"basic", "password"}:
            return Placement("basic", value=str(item["basic"]), password=str(item.get("password") or ""))
    raise ValueError(f"{PROFILES_FILE}: {name}: {item!r} is not an auth placement")
