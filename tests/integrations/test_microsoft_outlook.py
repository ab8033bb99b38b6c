"""Microsoft Outlook: every catalog action executed through the engine (alias -> connection -> the Graph stub),
asserting what Graph received and what the action returned; next links followed, a Graph error, a refused token, an
expired OAuth token refreshed, custom_api_call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.google_suite import refreshed_call
from tests.integrations.microsoft_suite import assert_graph_failure, assert_refused_token
from tests.integrations.provider_suite import AliasedEngine, provider_fixtures
from tests.stubs.base import running
from tests.stubs.graph import GRAPH_TOKEN, PREFIX
from tests.stubs.oauth2 import OAuth2Stub
from tests.stubs.outlook import OutlookStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.oauth_providers import oauth_provider
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(OutlookStub, "microsoft-outlook", GRAPH_TOKEN, PREFIX)


@pytest.fixture
def outlook(provider_engine: AliasedEngine, stub: OutlookStub) -> AliasedEngine:
    return provider_engine


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["microsoft-outlook"].actions) == set(
        sdk_catalog.integration("microsoft-outlook").actions)


def test_list_messages_follows_next_links_until_top(outlook: AliasedEngine, stub: OutlookStub) -> None:
    stub.page_size = 1
    out = outlook.run("list_messages", {"top": 2, "select": "subject,isRead"})
    first, second = stub.requests
    assert (first.method, first.path, first.bearer) == ("GET", "/v1.0/me/mailFolders/inbox/messages", GRAPH_TOKEN)
    assert first.query == {"$top": "2", "$select": "subject,isRead"}
    assert second.query == {"$top": "2", "$select": "subject,isRead", "$skiptoken": "1"}
    assert [m["id"] for m in out["value"]] == ["msg-1", "msg-2"]
    assert out["value"][0] == {"id": "msg-1", "subject": "Welcome", "isRead": True}
    assert out["nextLink"] == (f"{stub.url}/v1.0/me/mailFolders/inbox/messages"
                               "?%24top=2&%24select=subject%2CisRead&%24skiptoken=2")


def test_list_messages_of_a_folder_with_a_filter_reads_every_page(outlook: AliasedEngine, stub: OutlookStub) -> None:
    stub.page_size = 1
    out = outlook.run("list_messages", {"folderId": "folder-inbox", "filter": "isRead eq false"})
    assert [r.path for r in stub.requests] == ["/v1.0/me/mailFolders/folder-inbox/messages"] * 2
    assert stub.requests[0].query == {"$filter": "isRead eq false"}
    assert [m["id"] for m in out["value"]] == ["msg-2", "msg-3"] and out["nextLink"] is None


def test_get_message(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("get_message", {"messageId": "msg-2", "select": "subject"})
    assert (stub.last.method, stub.last.path, stub.last.query) == ("GET", "/v1.0/me/messages/msg-2",
                                                                   {"$select": "subject"})
    assert out == {"id": "msg-2", "subject": "Invoice"}


def test_send_email_posts_a_message_to_send_mail(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("send_email", {"to": "bob@example.com, eve@example.com", "subject": "Hi", "body": "<b>x</b>",
                                     "contentType": "HTML", "cc": "cy@example.com", "bcc": "dee@example.com",
                                     "importance": "High"})
    req = stub.last
    assert (req.method, req.path, req.headers["content-type"]) == ("POST", "/v1.0/me/sendMail", "application/json")
    assert req.json == {"saveToSentItems": True, "message": {
        "subject": "Hi", "body": {"contentType": "html", "content": "<b>x</b>"},
        "toRecipients": [{"emailAddress": {"address": "bob@example.com"}},
                         {"emailAddress": {"address": "eve@example.com"}}],
        "ccRecipients": [{"emailAddress": {"address": "cy@example.com"}}],
        "bccRecipients": [{"emailAddress": {"address": "dee@example.com"}}],
        "importance": "high"}}
    assert out == {"sent": True, "subject": "Hi", "to": ["bob@example.com", "eve@example.com"]}
    assert stub.sent[0][0] == "send"


def test_a_content_type_graph_does_not_have_is_refused_before_sending(outlook: AliasedEngine,
                                                                      stub: OutlookStub) -> None:
    error = outlook.error("send_email", {"to": "bob@example.com", "subject": "Hi", "body": "x",
                                         "contentType": "markdown"})
    assert error.code == ErrorCode.VALIDATION_ERROR and "text, html" in error.message and stub.requests == []


def test_reply_to_email(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("reply_to_email", {"messageId": "msg-1", "comment": "Thanks!"})
    assert (stub.last.method, stub.last.path, stub.last.json) == ("POST", "/v1.0/me/messages/msg-1/reply",
                                                                  {"comment": "Thanks!"})
    assert out == {"replied": True, "messageId": "msg-1"}


def test_forward_email(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("forward_email", {"messageId": "msg-2", "to": "ops@example.com", "comment": "FYI"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1.0/me/messages/msg-2/forward")
    assert stub.last.json == {"comment": "FYI", "toRecipients": [{"emailAddress": {"address": "ops@example.com"}}]}
    assert out == {"forwarded": True, "messageId": "msg-2", "to": ["ops@example.com"]}


def test_list_folders(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("list_folders", {})
    assert (stub.last.method, stub.last.path, stub.last.query) == ("GET", "/v1.0/me/mailFolders", {})
    assert [f["displayName"] for f in out["value"]] == ["Inbox", "Archive", "Drafts"] and out["nextLink"] is None


def test_create_draft(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("create_draft", {"to": "bob@example.com", "subject": "Draft", "body": "later"})
    assert (stub.last.method, stub.last.path) == ("POST", "/v1.0/me/messages")
    assert stub.last.json == {"subject": "Draft", "body": {"contentType": "text", "content": "later"},
                              "toRecipients": [{"emailAddress": {"address": "bob@example.com"}}]}
    assert out["isDraft"] is True and out["parentFolderId"] == "folder-drafts" and out["id"] in stub.messages


def test_move_message(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("move_message", {"messageId": "msg-1", "destinationId": "archive"})
    assert (stub.last.method, stub.last.path, stub.last.json) == ("POST", "/v1.0/me/messages/msg-1/move",
                                                                  {"destinationId": "archive"})
    assert out["id"] == "msg-1-moved" and out["parentFolderId"] == "folder-archive"


def test_a_graph_error_names_its_status_code_and_request_id(outlook: AliasedEngine, stub: OutlookStub) -> None:
    error = outlook.error("get_message", {"messageId": "msg-missing"})
    assert_graph_failure(error, 404, "ErrorItemNotFound", "The specified object was not found in the store.")


def test_a_refused_token_is_an_auth_failure_without_the_token(outlook: AliasedEngine, stub: OutlookStub) -> None:
    assert_refused_token(outlook, stub, "list_folders", {})


def test_a_next_link_to_another_host_is_not_followed(outlook: AliasedEngine, stub: OutlookStub) -> None:
    stub.fail_next(200, body={"value": [{"id": "f"}], "@odata.nextLink": "https://evil.example/v1.0/me/mailFolders"})
    error = outlook.error("list_folders", {})
    assert error.code == ErrorCode.ACTION_FAILED and error.details["host"] == "evil.example"
    assert len(stub.requests) == 1


def test_a_next_link_on_graphs_own_host_goes_to_the_connections_host(outlook: AliasedEngine,
                                                                     stub: OutlookStub) -> None:
    stub.page_size = 2
    stub.fail_next(200, body={"value": [{"id": "folder-inbox"}, {"id": "folder-archive"}],
                              "@odata.nextLink": "https://graph.microsoft.com/v1.0/me/mailFolders?$top=2&$skiptoken=2"})
    out = outlook.run("list_folders", {})
    assert stub.last.path == "/v1.0/me/mailFolders" and stub.last.query == {"$top": "2", "$skiptoken": "2"}
    assert [f["id"] for f in out["value"]] == ["folder-inbox", "folder-archive", "folder-drafts"]


def test_the_four_share_one_microsoft_oauth2_profile() -> None:
    names = ("microsoft-outlook", "microsoft-teams", "microsoft-excel-365", "microsoft-onedrive")
    providers = [oauth_provider(name) for name in names]
    assert {(p.authorize_url, p.token_url) for p in providers if p} == {
        ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
         "https://login.microsoftonline.com/common/oauth2/v2.0/token")}
    assert all(p is not None and "offline_access" in p.scopes for p in providers)
    assert {"Mail.Send", "Mail.ReadWrite"} <= set(providers[0].scopes)  # type: ignore[union-attr]


def test_custom_api_call_joins_the_path_and_stays_on_graph(outlook: AliasedEngine, stub: OutlookStub) -> None:
    out = outlook.run("custom_api_call", {"url": "/me/messages/msg-3", "method": "GET",
                                          "headers": {"Authorization": "Bearer not-mine", "Prefer": "x"}})
    req = stub.last
    assert (req.method, req.path, req.bearer, req.headers["prefer"]) == ("GET", "/v1.0/me/messages/msg-3",
                                                                         GRAPH_TOKEN, "x")
    assert out["status"] == 200 and out["body"]["subject"] == "Lunch?"
    stub.requests.clear()
    refused = outlook.error("custom_api_call", {"url": "https://evil.example/v1.0/me", "method": "GET"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


@pytest.fixture(scope="module")
def outlook_oauth2() -> Iterator[OAuth2Stub]:
    with running(OAuth2Stub(OutlookStub(), PREFIX)) as oauth2:
        yield oauth2


def test_an_expired_access_token_is_refreshed_before_listing(store: Store, sdk_catalog: Catalog,
                                                             outlook_oauth2: OAuth2Stub) -> None:
    outlook_oauth2.reset()
    out = refreshed_call(store, sdk_catalog, outlook_oauth2, "microsoft-outlook", "list_messages", {})
    assert [m["id"] for m in out["value"]] == ["msg-1", "msg-2", "msg-3"]
    assert outlook_oauth2.api_requests()[0].path == "/v1.0/me/mailFolders/inbox/messages"
