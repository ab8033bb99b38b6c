"""Notion: every catalog action executed through the engine (alias -> connection -> the Notion stub), asserting what
Notion received and what the action returned; pagination, a Notion error, a refused token, custom_api_call."""

from __future__ import annotations

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import native_engine
from tests.integrations.provider_suite import (
    REFUSED_TOKEN,
    AliasedEngine,
    assert_provider_failure,
    provider_fixtures,
    refused_token_failure,
)
from tests.stubs.notion import NOTION_TOKEN, NotionStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.notion import NOTION_VERSION
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(NotionStub, "notion", NOTION_TOKEN, "/v1")


@pytest.fixture
def notion(provider_engine: AliasedEngine, stub: NotionStub) -> AliasedEngine:
    return provider_engine


def sent(stub: NotionStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests]


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["notion"].actions) == set(sdk_catalog.integration("notion").actions)


def test_create_database_item_writes_typed_property_values(notion: AliasedEngine, stub: NotionStub) -> None:
    out = notion.run("create_database_item", {
        "database_id": "db-tasks",
        "databaseFields": {"Name": "Release notes", "Status": "Doing", "Tags": "docs, urgent", "Count": 3,
                           "Done": False, "Due": "2026-12-24", "Link": "https://example.com"},
        "content": "Draft **now**",
    })
    assert sent(stub) == [("GET", "/v1/databases/db-tasks"), ("POST", "/v1/pages")]
    req = stub.last
    assert req.bearer == NOTION_TOKEN and req.headers["notion-version"] == NOTION_VERSION
    assert req.json["parent"] == {"database_id": "db-tasks"}
    assert req.json["properties"] == {
        "Name": {"title": [{"type": "text", "text": {"content": "Release notes"}}]},
        "Status": {"select": {"name": "Doing"}},
        "Tags": {"multi_select": [{"name": "docs"}, {"name": "urgent"}]},
        "Count": {"number": 3},
        "Done": {"checkbox": False},
        "Due": {"date": {"start": "2026-12-24"}},
        "Link": {"url": "https://example.com"},
    }
    assert req.json["children"] == [{"object": "block", "type": "paragraph", "paragraph": {"rich_text": [
        {"type": "text", "text": {"content": "Draft "}},
        {"type": "text", "text": {"content": "now"}, "annotations": {"bold": True}}]}}]
    assert out["id"] in stub.pages and out["parent"] == {"type": "database_id", "database_id": "db-tasks"}
    assert out["properties"]["Status"]["select"] == {"name": "Doing"}


def test_an_unknown_property_is_refused_before_anything_is_written(notion: AliasedEngine, stub: NotionStub) -> None:
    error = notion.error("create_database_item", {"database_id": "db-tasks", "databaseFields": {"Owner": "me"}})
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert "Owner" in error.message and "Name" in error.message
    assert sent(stub) == [("GET", "/v1/databases/db-tasks")]


def test_update_database_item_patches_the_page_properties(notion: AliasedEngine, stub: NotionStub) -> None:
    out = notion.run("update_database_item", {"database_id": "db-tasks", "database_item_id": "page-task-1",
                                              "databaseFields": {"Status": "Done", "Notes": "all good"}})
    assert sent(stub) == [("GET", "/v1/databases/db-tasks"), ("PATCH", "/v1/pages/page-task-1")]
    assert stub.last.json == {"properties": {"Status": {"select": {"name": "Done"}}, "Notes": {
        "rich_text": [{"type": "text", "text": {"content": "all good"}}]}}}
    assert out["properties"]["Status"]["select"]["name"] == "Done"


def test_find_database_item_filters_and_follows_the_cursor(notion: AliasedEngine, stub: NotionStub) -> None:
    stub.page_size = 1
    everything = notion.run("notion-find-database-item", {"database_id": "db-tasks", "filterDatabaseFields": {}})
    queries = [r for r in stub.requests if r.path == "/v1/databases/db-tasks/query"]
    assert [q.json for q in queries] == [{"page_size": 100}, {"page_size": 100, "start_cursor": "cursor-1"}]
    assert [p["id"] for p in everything["results"]] == ["page-task-1", "page-task-2"]

    found = notion.run("notion-find-database-item", {"database_id": "db-tasks",
                                                     "filterDatabaseFields": {"Status": "Done", "Name": "Ship"}})
    assert stub.last.json["filter"] == {"and": [
        {"property": "Status", "select": {"equals": "Done"}}, {"property": "Name", "title": {"equals": "Ship"}}]}
    assert found["found"] is True and [p["id"] for p in found["results"]] == ["page-task-2"]

    none = notion.run("notion-find-database-item", {"database_id": "db-tasks",
                                                    "filterDatabaseFields": {"Done": True}})
    assert stub.last.json["filter"] == {"property": "Done", "checkbox": {"equals": True}}
    assert none == {"found": False, "results": []}


def test_create_page_under_a_page_with_title_and_markdown(notion: AliasedEngine, stub: NotionStub) -> None:
    out = notion.run("createPage", {"pageId": "page-home", "title": "Plan", "content": "# Goals\n\n- one\n- two"})
    assert sent(stub) == [("POST", "/v1/pages")]
    body = stub.last.json
    assert body["parent"] == {"page_id": "page-home"}
    assert body["properties"] == {"title": {"title": [{"type": "text", "text": {"content": "Plan"}}]}}
    assert [b["type"] for b in body["children"]] == ["heading_1", "bulleted_list_item", "bulleted_list_item"]
    assert out["parent"] == {"type": "page_id", "page_id": "page-home"}
    assert [b["type"] for b in stub.blocks[out["id"]]] == ["heading_1", "bulleted_list_item", "bulleted_list_item"]


def test_append_to_page_sends_at_most_100_blocks_a_request(notion: AliasedEngine, stub: NotionStub) -> None:
    content = "\n\n".join(f"paragraph {i}" for i in range(150))
    out = notion.run("append_to_page", {"pageId": "page-home", "content": content})
    assert sent(stub) == [("PATCH", "/v1/blocks/page-home/children")] * 2
    assert [len(r.json["children"]) for r in stub.requests] == [100, 50]
    assert len(out["results"]) == 150
    assert stub.blocks["page-home"][-1]["paragraph"]["rich_text"][0]["text"]["content"] == "paragraph 149"


def test_get_block_children_pages_nests_and_renders_markdown(notion: AliasedEngine, stub: NotionStub) -> None:
    stub.page_size = 1
    out = notion.run("getPageOrBlockChildren", {"parentId": "page-home", "markdown": True, "dynamic": {}})
    assert [(r.path, r.query) for r in stub.requests] == [
        ("/v1/blocks/page-home/children", {"page_size": "100"}),
        ("/v1/blocks/page-home/children", {"page_size": "100", "start_cursor": "cursor-1"}),
        ("/v1/blocks/block-2/children", {"page_size": "100"}),
    ]
    assert [b["id"] for b in out["blocks"]] == ["block-1", "block-2"]
    assert out["blocks"][1]["children"][0]["id"] == "block-3"
    assert out["markdown"] == "Hello\nWorld\n  - nested"
    plain = notion.run("getPageOrBlockChildren", {"parentId": "page-home", "markdown": False, "dynamic": {}})
    assert plain["markdown"] is None and len(plain["blocks"]) == 2


def test_archive_and_restore_a_database_item(notion: AliasedEngine, stub: NotionStub) -> None:
    archived = notion.run("archive_database_item", {"database_id": "db-tasks", "database_item_id": "page-task-1"})
    assert (stub.last.method, stub.last.path, stub.last.json) == ("PATCH", "/v1/pages/page-task-1",
                                                                  {"archived": True})
    assert archived["archived"] is True
    restored = notion.run("restore_database_item", {"database_id": "db-tasks", "archived_item_id": "page-task-1"})
    assert stub.last.json == {"archived": False} and restored["archived"] is False


def test_comments_are_added_and_listed_across_pages(notion: AliasedEngine, stub: NotionStub) -> None:
    first = notion.run("add_comment", {"page_id": "page-home", "comment_text": "Looks good"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1/comments")
    assert stub.last.json == {"parent": {"page_id": "page-home"},
                              "rich_text": [{"type": "text", "text": {"content": "Looks good"}}]}
    assert first["discussion_id"] == "discussion-page-home"
    notion.run("add_comment", {"page_id": "page-home", "comment_text": "Second"})
    stub.requests.clear()
    stub.page_size = 1
    comments = notion.run("get_page_comments", {"page_id": "page-home"})
    assert [r.query for r in stub.requests] == [{"block_id": "page-home", "page_size": "100"},
                                                {"block_id": "page-home", "page_size": "100",
                                                 "start_cursor": "cursor-1"}]
    assert [c["rich_text"][0]["text"]["content"] for c in comments] == ["Looks good", "Second"]


def test_retrieve_database(notion: AliasedEngine, stub: NotionStub) -> None:
    out = notion.run("retrieve_database", {"database_id": "db-tasks"})
    assert sent(stub) == [("GET", "/v1/databases/db-tasks")]
    assert out["properties"]["Status"]["type"] == "select"


def test_find_page_by_part_or_all_of_its_title(notion: AliasedEngine, stub: NotionStub) -> None:
    partial = notion.run("find_page", {"title": "o"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1/search")
    assert stub.last.json == {"query": "o", "filter": {"property": "object", "value": "page"}, "page_size": 100}
    assert [p["id"] for p in partial["pages"]] == ["page-task-1", "page-home"]
    limited = notion.run("find_page", {"title": "o", "limit": 1})
    assert [p["id"] for p in limited["pages"]] == ["page-task-1"]
    exact = notion.run("find_page", {"title": "home", "exact_match": True})
    assert [p["id"] for p in exact["pages"]] == ["page-home"]
    assert notion.run("find_page", {"title": "hom", "exact_match": True}) == {"found": False, "pages": []}


def test_a_notion_error_names_its_status_code_and_message(notion: AliasedEngine, stub: NotionStub) -> None:
    error = notion.error("retrieve_database", {"database_id": "db-missing"})
    details = assert_provider_failure(error, 404, "Could not find database with ID: db-missing.", NOTION_TOKEN)
    assert details["providerError"] == "object_not_found" and details["provider"] == "notion"


def test_a_refused_token_is_an_auth_failure_without_the_token(notion: AliasedEngine, stub: NotionStub) -> None:
    details = refused_token_failure(notion, stub.url + "/v1", "retrieve_database", {"database_id": "db-tasks"},
                                    "API token is invalid.")
    assert details["providerError"] == "unauthorized"
    assert stub.last.bearer == REFUSED_TOKEN


def test_custom_api_call_joins_the_path_to_the_base_and_authenticates(notion: AliasedEngine,
                                                                      stub: NotionStub) -> None:
    out = notion.run("custom_api_call", {
        "url": {"url": "/databases/db-tasks/query"}, "method": "POST",
        "headers": {"Authorization": "Bearer not-mine", "X-Trace": "t1"}, "queryParams": {"filter_properties": "Name"},
        "body_type": "json", "body": {"data": {"page_size": 1}},
    })
    req = stub.last
    assert (req.method, req.path, req.query) == ("POST", "/v1/databases/db-tasks/query", {"filter_properties": "Name"})
    assert req.bearer == NOTION_TOKEN and req.headers["notion-version"] == NOTION_VERSION
    assert req.headers["x-trace"] == "t1" and req.json == {"page_size": 1}
    assert out["status"] == 200 and out["body"]["has_more"] is True

    absolute = notion.run("custom_api_call", {"url": {"url": f"{stub.url}/v1/databases/db-tasks"}, "method": "GET",
                                              "headers": {}, "queryParams": {}})
    assert absolute["body"]["id"] == "db-tasks"

    stub.requests.clear()
    refused = notion.error("custom_api_call", {"url": {"url": "https://evil.example/v1/users"}, "method": "GET",
                                               "headers": {}, "queryParams": {}})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED
    assert stub.requests == []

    failsafe = notion.run("custom_api_call", {"url": {"url": "/databases/nope"}, "method": "GET", "headers": {},
                                              "queryParams": {}, "failsafe": True})
    assert failsafe["status"] == 404 and failsafe["body"]["code"] == "object_not_found"


def test_an_alias_on_either_store_runs_notion(store: Store, sdk_catalog: Catalog, stub: NotionStub) -> None:
    with native_engine(store, sdk_catalog, "notion") as engine:
        engine.alias("notion", "docs", engine.connection("notion", "docs", NOTION_TOKEN, stub.url + "/v1"))
        out = engine.execute("notion", "retrieve_database", {"database_id": "db-tasks"}, integration_alias="docs")
    assert out["id"] == "db-tasks" and stub.last.bearer == NOTION_TOKEN
