"""Catalog over a lazily built mapping: lookups decode only what they touch, overlays stay lazy."""

from __future__ import annotations

import pytest

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.lazy_entries import LazyEntries
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.errors import ApiError, ErrorCode


def make(name: str) -> IntegrationInfo:
    return IntegrationInfo(
        name=name, display_name=name.title(), actions={"ping": ActionInfo(integration=name, name="ping")}
    )


def lazy(*names: str) -> tuple[LazyEntries[IntegrationInfo], list[str]]:
    built: list[str] = []

    def build(name: str) -> IntegrationInfo:
        built.append(name)
        return make(name)

    return LazyEntries(names, build), built


def test_lookup_builds_only_what_it_touches() -> None:
    entries, built = lazy("slack", "github", "notion")
    catalog = Catalog(entries)
    assert len(catalog) == 3
    assert "github" in catalog
    assert list(catalog.names) == ["slack", "github", "notion"]
    assert built == []
    assert catalog.action("github", "ping").key == "github.ping"
    assert catalog.find("github") is catalog.integration("github")
    assert built == ["github"]
    assert catalog.find("jira") is None
    assert built == ["github"]


def test_unknown_names_suggest_without_building() -> None:
    entries, built = lazy("slack", "github", "notion")
    catalog = Catalog(entries)
    with pytest.raises(ApiError) as err:
        catalog.integration("slak")
    assert err.value.code is ErrorCode.INTEGRATION_NOT_FOUND
    assert err.value.status == 404
    assert "did you mean 'slack'?" in err.value.message
    assert err.value.details == {"integrationName": "slak", "suggestions": ["slack"]}
    assert built == []
    with pytest.raises(ApiError) as err:
        catalog.action("slack", "pong")
    assert err.value.code is ErrorCode.ACTION_NOT_FOUND
    assert "did you mean 'ping'?" in err.value.message


def test_overlay_replaces_adds_and_stays_lazy() -> None:
    entries, built = lazy("slack", "github")
    native_slack = IntegrationInfo(name="slack", display_name="Slack (native)", native=True)
    catalog = Catalog(entries).overlay([native_slack, make("kv-store")])
    assert built == []
    assert catalog.integration("slack") is native_slack
    assert catalog.integration("github").display_name == "Github"
    assert list(catalog.names) == ["slack", "github", "kv-store"]
    assert len(catalog) == 3
    assert built == ["github"]
    assert [i.name for i in catalog] == ["slack", "github", "kv-store"]


def test_plain_iterable_still_works() -> None:
    catalog = Catalog([make("a"), make("b")]).overlay([])
    assert [i.name for i in catalog] == ["a", "b"]


def test_lazy_entries_build_once() -> None:
    entries, built = lazy("a")
    assert entries["a"] is entries["a"]
    assert built == ["a"]
    assert entries.built_count == 1
    with pytest.raises(KeyError):
        entries["b"]
