"""Airtable: every catalog action executed through the engine (alias -> connection -> the Airtable stub), asserting
what Airtable received and what the action returned; pagination, an Airtable error, a refused token, custom_api_call."""

from __future__ import annotations

import httpx
import pytest

from tests.integrations.context import context
from tests.integrations.provider_suite import (
    REFUSED_TOKEN,
    AliasedEngine,
    assert_provider_failure,
    provider_fixtures,
    refused_token_failure,
)
from tests.stubs.airtable import AIRTABLE_TOKEN, AirtableStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import airtable as airtable_module
from weavz_flow.integrations.airtable import AIRTABLE
from weavz_flow.integrations.options import collect
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(AirtableStub, "airtable", AIRTABLE_TOKEN, "/v0")


@pytest.fixture
def airtable(provider_engine: AliasedEngine, stub: AirtableStub) -> AliasedEngine:
    return provider_engine


def sent(stub: AirtableStub) -> list[tuple[str, str]]:
    return [(r.method, r.raw_path.split("?")[0]) for r in stub.requests]


TASKS = {"base": "appTeam", "table": "Tasks"}


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["airtable"].actions) == set(sdk_catalog.integration("airtable").actions)


def test_create_record_posts_the_fields(airtable: AliasedEngine, stub: AirtableStub) -> None:
    out = airtable.run("create_record", {**TASKS, "fields": {"Name": "Plan", "Status": "Doing"}})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/v0/appTeam/Tasks")
    assert req.bearer == AIRTABLE_TOKEN and req.headers["content-type"] == "application/json"
    assert req.json == {"fields": {"Name": "Plan", "Status": "Doing"}}
    assert out["id"].startswith("recNew") and out["fields"] == {"Name": "Plan", "Status": "Doing"}
    # JSON text (a rendered template) is the same object; a table name is percent-encoded in the path.
    stub.bases["appTeam"]["tables"][0]["name"] = "My Tasks"
    airtable.run("create_record", {"base": "appTeam", "table": "My Tasks", "fields": '{"Name": "Text"}'})
    assert stub.last.raw_path == "/v0/appTeam/My%20Tasks" and stub.last.json == {"fields": {"Name": "Text"}}


def test_fields_that_are_not_an_object_are_refused_before_sending(airtable: AliasedEngine,
                                                                   stub: AirtableStub) -> None:
    error = airtable.error("create_record", {**TASKS, "fields": "[1, 2]"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "fields" in error.message
    assert stub.requests == []


def test_get_update_and_delete_a_record(airtable: AliasedEngine, stub: AirtableStub) -> None:
    got = airtable.run("get_record", {**TASKS, "record_id": "recTask2"})
    assert sent(stub) == [("GET", "/v0/appTeam/Tasks/recTask2")]
    assert got == {"id": "recTask2", "createdTime": "2026-12-01T10:00:00.000Z",
                   "fields": {"Name": "Ship", "Status": "Done"}}

    updated = airtable.run("update_record", {**TASKS, "record_id": "recTask2", "fields": {"Status": "Doing"}})
    assert (stub.last.method, stub.last.path, stub.last.json) == ("PATCH", "/v0/appTeam/Tasks/recTask2",
                                                                  {"fields": {"Status": "Doing"}})
    assert updated["fields"] == {"Name": "Ship", "Status": "Doing"}

    deleted = airtable.run("delete_record", {**TASKS, "record_id": "recTask2"})
    assert (stub.last.method, stub.last.path, stub.last.body) == ("DELETE", "/v0/appTeam/Tasks/recTask2", b"")
    assert deleted == {"id": "recTask2", "deleted": True}
    assert [r["id"] for r in stub.records["tblTasks"]] == ["recTask1", "recTask3"]


def test_list_records_follows_the_offset_with_view_sort_and_formula(airtable: AliasedEngine,
                                                                    stub: AirtableStub) -> None:
    stub.page_size = 1
    out = airtable.run("list_records", {**TASKS, "sort": [{"field": "Name", "direction": "desc"}]})
    assert [r.query for r in stub.requests] == [
        {"pageSize": "100", "sort[0][field]": "Name", "sort[0][direction]": "desc"},
        {"pageSize": "100", "sort[0][field]": "Name", "sort[0][direction]": "desc", "offset": "itr/1"},
        {"pageSize": "100", "sort[0][field]": "Name", "sort[0][direction]": "desc", "offset": "itr/2"},
    ]
    assert [r["fields"]["Name"] for r in out["records"]] == ["Write docs", "Ship", "Review"]

    stub.requests.clear()
    limited = airtable.run("list_records", {**TASKS, "view": "Grid view", "filter_by_formula": "{Status}='Doing'",
                                            "max_records": 1})
    assert stub.last.query == {"view": "Grid view", "filterByFormula": "{Status}='Doing'", "maxRecords": "1",
                               "pageSize": "100"}
    assert len(stub.requests) == 1 and [r["id"] for r in limited["records"]] == ["recTask1"]

    done = airtable.run("list_records", {**TASKS, "view": "Done"})
    assert [r["id"] for r in done["records"]] == ["recTask2"]


def test_find_record_by_formula(airtable: AliasedEngine, stub: AirtableStub) -> None:
    found = airtable.run("find_record", {**TASKS, "filter_by_formula": '{Name}="Review"',
                                         "sort": '[{"field": "Name"}]'})
    assert stub.last.query["filterByFormula"] == '{Name}="Review"'
    assert stub.last.query["sort[0][direction]"] == "asc"
    assert found["found"] is True and [r["id"] for r in found["records"]] == ["recTask3"]
    assert airtable.run("find_record", {**TASKS, "filter_by_formula": "{Name}='Nobody'"}) == {
        "found": False, "records": []}


def test_a_bad_sort_is_refused_before_sending(airtable: AliasedEngine, stub: AirtableStub) -> None:
    error = airtable.error("list_records", {**TASKS, "sort": [{"field": "Name", "direction": "up"}]})
    assert error.code == ErrorCode.VALIDATION_ERROR and "sort" in error.message
    assert stub.requests == []


def test_tables_are_read_found_and_created(airtable: AliasedEngine, stub: AirtableStub) -> None:
    schema = airtable.run("get_base_schema", {"base": "appTeam"})
    assert sent(stub) == [("GET", "/v0/meta/bases/appTeam/tables")]
    assert [t["id"] for t in schema["tables"]] == ["tblTasks"]

    stub.requests.clear()
    table = airtable.run("get_table_schema", {"base": "appTeam", "table": "tblTasks"})
    assert sent(stub) == [("GET", "/v0/meta/bases/appTeam/tables")]
    assert table["name"] == "Tasks" and [f["name"] for f in table["fields"]] == ["Name", "Status", "Files"]
    assert airtable.run("get_table_schema", {"base": "appTeam", "table": "Tasks"})["id"] == "tblTasks"
    missing = airtable.error("get_table_schema", {"base": "appTeam", "table": "Nope"})
    assert missing.code == ErrorCode.ACTION_FAILED and "Tasks" in missing.details["providerMessage"]

    stub.requests.clear()
    found = airtable.run("find_table", {"base": "appTeam", "table_name": "task"})
    assert sent(stub) == [("GET", "/v0/meta/bases/appTeam/tables")]
    assert found["found"] is True and found["table"]["id"] == "tblTasks"
    assert airtable.run("find_table", {"base": "appTeam", "table_name": "Ideas"}) == {
        "found": False, "table": None, "tables": []}

    created = airtable.run("create_table", {"base": "appTeam", "name": "Notes", "fields": [
        {"name": "Title", "type": "singleLineText"}, {"name": "Body", "type": "multilineText"}]})
    assert (stub.last.method, stub.last.path) == ("POST", "/v0/meta/bases/appTeam/tables")
    assert stub.last.json == {"name": "Notes", "fields": [{"name": "Title", "type": "singleLineText"},
                                                          {"name": "Body", "type": "multilineText"}]}
    assert created["name"] == "Notes" and created["primaryFieldId"] == created["fields"][0]["id"]


def test_bases_are_found_across_pages_and_created(airtable: AliasedEngine, stub: AirtableStub) -> None:
    stub.base_page_size = 1
    found = airtable.run("find_base", {"name": "plan"})
    assert [r.query for r in stub.requests] == [{}, {"offset": "itr/1"}]
    assert found == {"found": True, "bases": [{"id": "appOther", "name": "Marketing Plan",
                                               "permissionLevel": "edit"}]}
    assert airtable.run("find_base", {"name": "Sales"}) == {"found": False, "bases": []}

    tables = [{"name": "People", "fields": [{"name": "Name", "type": "singleLineText"}]}]
    created = airtable.run("create_base", {"workspace_id": "wspTeam", "name": "Hiring", "tables": tables})
    assert (stub.last.method, stub.last.path) == ("POST", "/v0/meta/bases")
    assert stub.last.json == {"name": "Hiring", "workspaceId": "wspTeam", "tables": tables}
    assert created["id"] in stub.bases and created["tables"][0]["name"] == "People"

    default = airtable.run("create_base", {"workspace_id": "wspTeam", "name": "Empty"})
    assert stub.last.json["tables"] == [{"name": "Table 1", "fields": [{"name": "Name", "type": "singleLineText"}]}]
    assert default["tables"][0]["name"] == "Table 1"


def test_add_comment(airtable: AliasedEngine, stub: AirtableStub) -> None:
    out = airtable.run("add_comment", {**TASKS, "record_id": "recTask1", "text": "Looks good"})
    assert (stub.last.method, stub.last.path, stub.last.json) == ("POST", "/v0/appTeam/Tasks/recTask1/comments",
                                                                  {"text": "Looks good"})
    assert out["text"] == "Looks good" and out["id"].startswith("com") and out["author"]["id"] == "usrStub"


def test_upload_attachment_keeps_the_attachments_the_cell_holds(airtable: AliasedEngine,
                                                                  stub: AirtableStub) -> None:
    out = airtable.run("upload_attachment", {**TASKS, "record_id": "recTask1", "field_name": "Files",
                                             "url": "https://files.example.test/reports/q4.pdf?sig=1"})
    assert sent(stub) == [("GET", "/v0/appTeam/Tasks/recTask1"), ("PATCH", "/v0/appTeam/Tasks/recTask1")]
    assert stub.last.json == {"fields": {"Files": [
        {"id": "attOld"}, {"url": "https://files.example.test/reports/q4.pdf?sig=1", "filename": "q4.pdf"}]}}
    assert [a["filename"] for a in out["fields"]["Files"]] == ["old.pdf", "q4.pdf"]

    stub.requests.clear()
    airtable.run("upload_attachment", {**TASKS, "record_id": "recTask2", "field_name": "fldFiles",
                                       "url": "https://files.example.test/a.png"})
    assert stub.requests[0].query == {"returnFieldsByFieldId": "true"}
    assert stub.last.json == {"fields": {"fldFiles": [{"url": "https://files.example.test/a.png",
                                                       "filename": "a.png"}]}}


def test_an_airtable_error_names_its_type_and_message(airtable: AliasedEngine, stub: AirtableStub) -> None:
    error = airtable.error("create_record", {**TASKS, "fields": {"Owner": "me"}})
    details = assert_provider_failure(error, 422, 'Unknown field name: "Owner"', AIRTABLE_TOKEN)
    assert details["providerError"] == "UNKNOWN_FIELD_NAME" and details["provider"] == "airtable"

    missing = airtable.error("get_record", {**TASKS, "record_id": "recNope"})
    assert assert_provider_failure(missing, 404, "NOT_FOUND")["providerError"] == "NOT_FOUND"

    formula = airtable.error("find_record", {**TASKS, "filter_by_formula": "LEN({Name}) > 3"})
    assert assert_provider_failure(formula, 422, "formula")["providerError"] == "INVALID_FILTER_BY_FORMULA"


def test_a_rate_limit_is_retried_then_answered(airtable: AliasedEngine, stub: AirtableStub) -> None:
    stub.fail_next(429, retry_after=0)
    out = airtable.run("get_record", {**TASKS, "record_id": "recTask1"})
    assert out["id"] == "recTask1" and len(stub.requests) == 2
    # A wait past the retry bound fails at once, saying how long Airtable asked for.
    stub.fail_next(429, n=5, retry_after=120)
    error = airtable.error("get_record", {**TASKS, "record_id": "recTask1"})
    details = assert_provider_failure(error, 429, "rate limited", AIRTABLE_TOKEN)
    assert details["retryAfter"] == 120.0 and details["providerError"] == "RATE_LIMIT_REACHED"
    # Without Retry-After, the wait is the 30 s Airtable documents.
    assert AIRTABLE.reset_delay({}) == 30.0


def test_a_refused_token_is_an_auth_failure_without_the_token(airtable: AliasedEngine, stub: AirtableStub) -> None:
    details = refused_token_failure(airtable, stub.url + "/v0", "get_base_schema", {"base": "appTeam"},
                                    "Authentication required")
    assert details["providerError"] == "AUTHENTICATION_REQUIRED"
    assert stub.last.bearer == REFUSED_TOKEN


def test_custom_api_call_sends_the_plain_shape(airtable: AliasedEngine, stub: AirtableStub) -> None:
    out = airtable.run("custom_api_call", {"method": "PATCH", "url": "/appTeam/Tasks/recTask3",
                                           "body": '{"fields": {"Status": "Done"}}',
                                           "query_params": {"returnFieldsByFieldId": False}})
    req = stub.last
    assert (req.method, req.path, req.query) == ("PATCH", "/v0/appTeam/Tasks/recTask3",
                                                 {"returnFieldsByFieldId": "false"})
    assert req.bearer == AIRTABLE_TOKEN and req.json == {"fields": {"Status": "Done"}}
    assert out["status"] == 200 and out["body"]["fields"]["Status"] == "Done"

    absolute = airtable.run("custom_api_call", {"method": "GET", "url": f"{stub.url}/v0/meta/bases"})
    assert [b["id"] for b in absolute["body"]["bases"]] == ["appTeam", "appOther"]

    stub.requests.clear()
    refused = airtable.error("custom_api_call", {"method": "GET", "url": "https://evil.example/v0/meta/bases"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


def test_base_and_table_options_list_what_the_token_reaches(http: httpx.Client, stub: AirtableStub) -> None:
    ctx = context(http, "airtable", "create_record", base_url=stub.url + "/v0", token=AIRTABLE_TOKEN)
    stub.base_page_size = 1
    bases = collect(airtable_module.BASES, ctx, {}, None)
    assert [(o.label, o.value) for o in bases.options] == [("Team Tracker", "appTeam"), ("Marketing Plan", "appOther")]
    assert [r.query for r in stub.requests] == [{}, {"offset": "itr/1"}] and bases.complete
    tables = collect(airtable_module.TABLES, ctx, {"base": "appTeam"}, None)
    assert [(o.label, o.value) for o in tables.options] == [("Tasks", "tblTasks")]
    assert stub.last.path == "/v0/meta/bases/appTeam/tables" and stub.last.bearer == AIRTABLE_TOKEN
    with pytest.raises(ApiError) as missing:
        collect(airtable_module.TABLES, ctx, {}, None)
    assert missing.value.code == ErrorCode.VALIDATION_ERROR
