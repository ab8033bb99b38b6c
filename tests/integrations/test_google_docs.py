"""Google Docs: every catalog action executed through the engine (alias -> connection -> the Docs stub), asserting
what Docs (and Drive, for a document made in a folder) received and what the action returned; a Docs error, a
refused token, custom_api_call. Docs lists nothing, so it has no page tokens to follow."""

from __future__ import annotations

from tests.integrations.google_suite import assert_google_failure, assert_refused_token, google_fixtures
from tests.integrations.provider_suite import AliasedEngine
from tests.stubs.google import GOOGLE_TOKEN
from tests.stubs.google_docs import DocsStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

PREFIX = "/v1"
provider_server, provider_engine, stub, google = google_fixtures(DocsStub, "google-docs", PREFIX)


def sent(stub: DocsStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests]


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["google-docs"].actions) == set(sdk_catalog.integration("google-docs").actions)


def test_get_document(google: AliasedEngine, stub: DocsStub) -> None:
    out = google.run("get_document", {"documentId": "doc-plan"})
    assert sent(stub) == [("GET", "/v1/documents/doc-plan")] and stub.last.bearer == GOOGLE_TOKEN
    assert out["title"] == "Plan" and out["body"]["content"][1]["paragraph"]["elements"][0]["textRun"] == {
        "content": "Goals\n"}


def test_create_document_in_my_drive(google: AliasedEngine, stub: DocsStub) -> None:
    out = google.run("create_document", {"title": "Minutes"})
    assert sent(stub) == [("POST", "/v1/documents")] and stub.last.json == {"title": "Minutes"}
    assert out["title"] == "Minutes" and out["documentId"] in stub.documents


def test_create_document_in_a_folder_goes_through_drive(google: AliasedEngine, stub: DocsStub) -> None:
    out = google.run("create_document", {"title": "Q1 notes", "folderId": "fold-reports"})
    drive, read = stub.requests
    assert (drive.method, drive.path, drive.bearer) == ("POST", "/drive/v3/files", GOOGLE_TOKEN)
    assert drive.query == {"fields": "id", "supportsAllDrives": "true"}
    assert drive.json == {"name": "Q1 notes", "mimeType": "application/vnd.google-apps.document",
                          "parents": ["fold-reports"]}
    assert (read.method, read.path) == ("GET", f"/v1/documents/{out['documentId']}")
    assert out["title"] == "Q1 notes" and stub.parents[out["documentId"]] == "fold-reports"


def test_insert_text_at_an_index_or_at_the_end(google: AliasedEngine, stub: DocsStub) -> None:
    at = google.run("insert_text", {"documentId": "doc-plan", "text": "Plan: ", "index": 1})
    req = stub.last
    assert (req.method, req.path) == ("POST", "/v1/documents/doc-plan:batchUpdate")
    assert req.json == {"requests": [{"insertText": {"text": "Plan: ", "location": {"index": 1}}}]}
    assert at["documentId"] == "doc-plan" and at["replies"] == [{}]
    google.run("insert_text", {"documentId": "doc-plan", "text": " and more"})
    assert stub.last.json == {"requests": [{"insertText": {"text": " and more", "endOfSegmentLocation": {}}}]}
    assert stub.documents["doc-plan"]["text"] == "Plan: Goals and more\n"


def test_insert_text_before_the_start_is_refused(google: AliasedEngine, stub: DocsStub) -> None:
    error = google.error("insert_text", {"documentId": "doc-plan", "text": "x", "index": 0})
    assert error.code == ErrorCode.VALIDATION_ERROR and "index" in error.message and stub.requests == []


def test_batch_update_sends_the_requests_as_given(google: AliasedEngine, stub: DocsStub) -> None:
    requests = [{"replaceAllText": {"containsText": {"text": "Goals", "matchCase": True}, "replaceText": "Aims"}},
                {"insertText": {"text": "# ", "location": {"index": 1}}}]
    out = google.run("batch_update", {"documentId": "doc-plan", "requests": requests})
    assert stub.last.json == {"requests": requests}
    assert out["replies"] == [{"replaceAllText": {"occurrencesChanged": 1}}, {}]
    assert out["writeControl"] == {"requiredRevisionId": "rev-2"} and stub.documents["doc-plan"]["text"] == "# Aims\n"

    google.run("batch_update", {"documentId": "doc-plan", "requests": '{"requests": [{"insertText": {"text": "!", '
                                                                      '"endOfSegmentLocation": {}}}]}'})
    assert stub.last.json == {"requests": [{"insertText": {"text": "!", "endOfSegmentLocation": {}}}]}


def test_batch_update_without_requests_is_refused(google: AliasedEngine, stub: DocsStub) -> None:
    error = google.error("batch_update", {"documentId": "doc-plan", "requests": []})
    assert error.code == ErrorCode.VALIDATION_ERROR and stub.requests == []


def test_a_docs_error_names_its_status_and_code(google: AliasedEngine, stub: DocsStub) -> None:
    error = google.error("insert_text", {"documentId": "doc-plan", "text": "x", "index": 99})
    assert_google_failure(error, 400, "INVALID_ARGUMENT", "Index 99 must be less than the end index")
    missing = google.error("get_document", {"documentId": "doc-gone"})
    assert_google_failure(missing, 404, "NOT_FOUND", "Requested entity was not found.")


def test_a_refused_token_is_an_auth_failure_without_the_token(google: AliasedEngine, stub: DocsStub) -> None:
    assert_refused_token(google, stub, PREFIX, "get_document", {"documentId": "doc-plan"})


def test_custom_api_call_reaches_docs_and_drive_only(google: AliasedEngine, stub: DocsStub) -> None:
    out = google.run("custom_api_call", {"url": "/documents/doc-plan", "method": "GET"})
    assert (stub.last.path, stub.last.bearer) == ("/v1/documents/doc-plan", GOOGLE_TOKEN)
    assert out["status"] == 200 and out["body"]["title"] == "Plan"
    stub.requests.clear()
    refused = google.error("custom_api_call", {"url": "https://sheets.example/v4/spreadsheets", "method": "GET"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []
