"""agent-scratchpad through the engine (SQLite and PostgreSQL): pages, search, bounds and persistence scopes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import ActionCaller, native_engine
from tests.integrations.persistence_scopes import scoped_aliases
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations import agent_scratchpad
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.output_shapes import output_shape
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.size_limits import SizeLimits

NAME = agent_scratchpad.NAME


Scratchpad = ActionCaller


@pytest.fixture
def pad(store: Store, sdk_catalog: Catalog) -> Iterator[Scratchpad]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield Scratchpad(engine, NAME)


def test_every_catalog_action_is_native_with_the_catalog_schema(sdk_catalog: Catalog) -> None:
    native = NATIVE_INTEGRATIONS[NAME]
    sdk = sdk_catalog.integration(NAME)
    assert set(native.actions) == set(sdk.actions)
    for name, action in native.actions.items():
        assert isinstance(action, CatalogAction) and action.info == sdk.actions[name]
        assert output_shape(NAME, name) is not None


def test_write_read_and_overwrite(pad: Scratchpad) -> None:
    assert pad("write_page", pageName=" plan ", content="step one") == {"pageName": "plan", "size": 8,
                                                                          "created": True}
    assert pad("read_page", pageName="plan") == {"pageName": "plan", "content": "step one", "size": 8}
    assert pad("write_page", pageName="plan", content="fresh") == {"pageName": "plan", "size": 5, "created": False}
    assert pad("read_page", pageName="plan")["content"] == "fresh"


def test_append_puts_new_content_on_a_new_line(pad: Scratchpad) -> None:
    assert pad("append_page", pageName="log", content="first") == {"pageName": "log", "size": 5, "created": True}
    pad("append_page", pageName="log", content="second\n")
    pad("append_page", pageName="log", content="third")
    assert pad("read_page", pageName="log")["content"] == "first\nsecond\nthird"


def test_read_of_a_missing_page_fails(pad: Scratchpad) -> None:
    pad("write_page", pageName="Plan", content="x")
    error = pad.error("read_page", pageName="plan")  # names are exact
    assert error.code == ErrorCode.ACTION_FAILED
    assert error.details == {"reason": "not_found", "pageName": "plan"}


def test_list_pages_by_name(pad: Scratchpad) -> None:
    assert pad("list_pages") == {"pages": [], "count": 0}
    pad("write_page", pageName="b", content="bb")
    pad("write_page", pageName="a", content="a")
    assert pad("list_pages") == {"pages": [{"pageName": "a", "size": 1}, {"pageName": "b", "size": 2}],
                                 "count": 2}


def test_search_pages_ranks_name_matches_then_occurrences(pad: Scratchpad) -> None:
    pad("write_page", pageName="notes", content="The deploy failed. Retry the deploy after lunch.")
    pad("write_page", pageName="deploy checklist", content="1. tag\n2. build")
    pad("write_page", pageName="misc", content="one DEPLOY mention " + "x" * 200)
    pad("write_page", pageName="other", content="nothing here")
    out = pad("search_pages", query="Deploy")
    assert out["total"] == 3
    assert [(r["pageName"], r["matches"]) for r in out["results"]] == [
        ("deploy checklist", 0), ("notes", 2), ("misc", 1)]
    assert out["results"][0]["snippet"] == "1. tag 2. build"
    assert out["results"][1]["snippet"] == "The deploy failed. Retry the deploy after lunch."
    misc = out["results"][2]["snippet"]
    assert misc.startswith("one DEPLOY mention x") and misc.endswith("…")
    assert len(misc) <= len("deploy") + 2 * agent_scratchpad.SNIPPET_CONTEXT + 2
    assert pad("search_pages", query="absent") == {"results": [], "total": 0}


def test_search_results_are_bounded(pad: Scratchpad) -> None:
    for i in range(30):
        pad("write_page", pageName=f"page {i:02}", content="todo")
    out = pad("search_pages", query="todo")
    assert out["total"] == 30
    assert [r["pageName"] for r in out["results"]] == [f"page {i:02}" for i in range(agent_scratchpad.SEARCH_LIMIT)]


def test_delete_page_and_clear_all(pad: Scratchpad) -> None:
    pad("write_page", pageName="a", content="1")
    pad("write_page", pageName="b", content="2")
    assert pad("delete_page", pageName="a") == {"pageName": "a", "deleted": True}
    assert pad("delete_page", pageName="a") == {"pageName": "a", "deleted": False}
    assert pad("clear_all") == {"deleted": 1}
    assert pad("clear_all") == {"deleted": 0}
    assert pad("list_pages")["count"] == 0


@pytest.mark.parametrize(("action", "input", "field"), [
    ("write_page", {"pageName": "   ", "content": "x"}, "pageName"),
    ("write_page", {"pageName": "p" * 201, "content": "x"}, "pageName"),
    ("write_page", {"pageName": "p"}, "content"),
    ("append_page", {"content": "x"}, "pageName"),
    ("search_pages", {"query": ""}, "query"),
    ("search_pages", {"query": "q" * 1001}, "query"),
    ("read_page", {"pageName": ""}, "pageName"),
])
def test_bad_input_is_a_validation_error_naming_the_field(pad: Scratchpad, action: str, input: dict[str, Any],
                                                          field: str) -> None:
    error = pad.error(action, **input)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in error.details["fields"]] == [field]


def test_pages_are_bounded_by_the_store_limit(store: Store, sdk_catalog: Catalog) -> None:
    with native_engine(store, sdk_catalog, NAME, size_limits=SizeLimits.of(kv_value_bytes=2048)) as engine:
        pad = Scratchpad(engine, NAME)
        pad("write_page", pageName="a", content="small")
        error = pad.error("append_page", pageName="a", content="x" * 3000)
        assert error.code == ErrorCode.VALIDATION_ERROR
        assert error.details["fields"][0]["field"] == "content" and error.details["limit"] == 2048
        assert pad("read_page", pageName="a")["content"] == "small"


def test_pages_are_kept_per_persistence_scope(pad: Scratchpad) -> None:
    scopes = scoped_aliases(pad.engine, NAME)
    pad("write_page", {"integration_alias": "per_user", "end_user_id": "alice"}, pageName="p", content="alice")
    pad("write_page", {"integration_alias": "per_user", "end_user_id": "bob"}, pageName="p", content="bob")
    pad("write_page", {"integration_alias": "shared"}, pageName="p", content="workspace")
    pad("write_page", {"integration_alias": "tenant_a"}, pageName="p", content="tenant a")

    def read(**request: Any) -> str:
        return str(pad("read_page", request, pageName="p")["content"])

    assert read(integration_alias="per_user", end_user_id="alice") == "alice"
    assert read(integration_alias="per_user", end_user_id="bob") == "bob"
    assert read(integration_alias="shared", end_user_id="bob") == "workspace"
    assert read(integration_alias="tenant_a2") == "tenant a"
    assert pad("list_pages", {"integration_alias": "tenant_b"})["count"] == 0
    assert pad("list_pages", {"integration_alias": "per_user"})["count"] == 0  # no end user: anonymous
    assert pad("list_pages", {"integration_alias": "shared", "workspace_id": scopes.other_workspace})["count"] == 0
    pad("clear_all", {"integration_alias": "per_user", "end_user_id": "alice"})
    assert read(integration_alias="per_user", end_user_id="bob") == "bob"
