"""Gmail: every catalog action executed through the engine (alias -> connection -> the Gmail stub), asserting what
Gmail (or the People API) received and what the action returned; page tokens, a Gmail error, a refused token,
custom_api_call. The messages written are read back from the stub as RFC 2822."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.google_suite import (
    assert_google_failure,
    assert_refused_token,
    google_fixtures,
    refreshed_call,
)
from tests.integrations.provider_suite import AliasedEngine
from tests.stubs.base import running
from tests.stubs.gmail import ATTACHMENT, GmailStub, b64url, parse
from tests.stubs.google import GOOGLE_TOKEN
from tests.stubs.oauth2 import OAuth2Stub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

PREFIX = "/gmail/v1/users/me"
provider_server, provider_engine, stub, google = google_fixtures(GmailStub, "gmail", PREFIX)


def raw_of(stub: GmailStub) -> Any:
    body = stub.last.json
    raw = (body.get("message") or body)["raw"]
    return parse(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["gmail"].actions) == set(sdk_catalog.integration("gmail").actions)


# --- messages ------------------------------------------------------------------------------------------------


def test_list_messages_by_labels_page_by_page(google: AliasedEngine, stub: GmailStub) -> None:
    first = google.run("list_messages", {"labelIds": ["INBOX"], "maxResults": 1})
    req = stub.last
    assert (req.method, req.path, req.bearer) == ("GET", "/gmail/v1/users/me/messages", GOOGLE_TOKEN)
    assert req.query_string == "maxResults=1&labelIds=INBOX"
    assert first == {"messages": [{"id": "msg-lunch", "threadId": "thr-lunch"}], "nextPageToken": "1",
                     "resultSizeEstimate": 2}
    last = google.run("list_messages", {"labelIds": ["INBOX", "Label_receipts"], "pageToken": "0",
                                        "query": "invoice"})
    assert stub.last.query_all("labelIds") == ["INBOX", "Label_receipts"] and stub.last.query["q"] == "invoice"
    assert [m["id"] for m in last["messages"]] == ["msg-invoice"] and last["nextPageToken"] is None


def test_get_message_in_a_format(google: AliasedEngine, stub: GmailStub) -> None:
    out = google.run("get_message", {"messageId": "msg-lunch", "format": "metadata"})
    assert (stub.last.path, stub.last.query) == ("/gmail/v1/users/me/messages/msg-lunch", {"format": "metadata"})
    assert {"name": "Subject", "value": "Lunch?"} in out["payload"]["headers"]
    assert out["labelIds"] == ["INBOX", "UNREAD"]


def test_send_email_builds_the_mime_message(google: AliasedEngine, stub: GmailStub) -> None:
    out = google.run("send_email", {
        "to": "bob@example.com, carol@example.com", "cc": "dan@example.com", "bcc": "eve@example.com",
        "from": "support@example.com", "subject": "Hello", "body": "<b>Hi</b>", "isHtml": True,
        "attachments": [{"filename": "notes.txt", "data": base64.b64encode(b"line 1").decode()},
                        "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()]})
    assert (stub.last.method, stub.last.path) == ("POST", "/gmail/v1/users/me/messages/send")
    mail = raw_of(stub)
    assert (mail["To"], mail["Cc"], mail["Bcc"], mail["From"], mail["Subject"]) == (
        "bob@example.com, carol@example.com", "dan@example.com", "eve@example.com", "support@example.com", "Hello")
    assert mail.get_body(preferencelist=("html",)).get_content().strip() == "<b>Hi</b>"
    files = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()]
    assert files == [("notes.txt", "text/plain", "line 1"), ("attachment-2", "image/png", b"\x89PNG")]
    assert out["labelIds"] == ["SENT"] and out["id"] in stub.messages


def test_an_attachment_given_as_a_url_is_refused(google: AliasedEngine, stub: GmailStub) -> None:
    error = google.error("send_email", {"to": "bob@example.com", "subject": "s", "body": "b",
                                        "attachments": ["https://example.com/a.pdf"]})
    assert error.code == ErrorCode.VALIDATION_ERROR and "attachments" in error.message and stub.requests == []


def test_reply_to_email_joins_the_thread(google: AliasedEngine, stub: GmailStub) -> None:
    out = google.run("reply_to_email", {"messageId": "msg-lunch", "body": "Yes!"})
    read, send = stub.requests
    assert (read.method, read.path, read.query["format"]) == ("GET", "/gmail/v1/users/me/messages/msg-lunch",
                                                              "metadata")
    assert read.query_all("metadataHeaders") == ["Subject", "From", "Reply-To", "To", "Message-ID", "References"]
    assert send.json["threadId"] == "thr-lunch" and out["threadId"] == "thr-lunch"
    mail = raw_of(stub)
    assert (mail["To"], mail["Subject"]) == ("Bob <bob@example.com>", "Re: Lunch?")
    assert (mail["In-Reply-To"], mail["References"]) == ("<lunch@example.com>", "<lunch@example.com>")
    assert mail.get_content().strip() == "Yes!"


def test_forward_email_quotes_the_original(google: AliasedEngine, stub: GmailStub) -> None:
    google.run("forward_email", {"messageId": "msg-lunch", "to": "carol@example.com", "additionalMessage": "FYI"})
    read = stub.requests[0]
    assert (read.path, read.query) == ("/gmail/v1/users/me/messages/msg-lunch", {"format": "raw"})
    mail = raw_of(stub)
    assert (mail["To"], mail["Subject"]) == ("carol@example.com", "Fwd: Lunch?")
    text = mail.get_content()
    assert text.startswith("FYI\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>")
    assert "Subject: Lunch?" in text and "Noon at the usual place?" in text


@pytest.mark.parametrize("action,input,body", [
    ("modify_labels", {"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]},
     {"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}),
    ("add_label", {"labelIds": ["Label_receipts"]}, {"addLabelIds": ["Label_receipts"]}),
    ("remove_label", {"labelIds": ["UNREAD"]}, {"removeLabelIds": ["UNREAD"]}),
])
def test_label_changes_on_a_message(google: AliasedEngine, stub: GmailStub, action: str, input: dict[str, Any],
                                    body: dict[str, Any]) -> None:
    out = google.run(action, {"messageId": "msg-lunch", **input})
    req = stub.last
    assert (req.method, req.path, req.json) == ("POST", "/gmail/v1/users/me/messages/msg-lunch/modify", body)
    assert out["labelIds"] == stub.messages["msg-lunch"]["labelIds"]
    assert not set(body.get("addLabelIds", [])) - set(out["labelIds"])
    assert not set(body.get("removeLabelIds", [])) & set(out["labelIds"])


def test_batch_modify_and_batch_delete(google: AliasedEngine, stub: GmailStub) -> None:
    ids = ["msg-lunch", "msg-invoice"]
    out = google.run("batch_modify_messages", {"messageIds": ids, "addLabelIds": ["STARRED"]})
    assert (stub.last.path, stub.last.json) == ("/gmail/v1/users/me/messages/batchModify",
                                                {"ids": ids, "addLabelIds": ["STARRED"]})
    assert out == {"messageIds": ids, "modified": True} and "STARRED" in stub.messages["msg-invoice"]["labelIds"]
    refused = google.error("batch_delete_messages", {"messageIds": ids, "confirmPermanentDelete": False})
    assert refused.code == ErrorCode.VALIDATION_ERROR and stub.last.path.endswith("batchModify")
    gone = google.run("batch_delete_messages", {"messageIds": ids, "confirmPermanentDelete": True})
    assert (stub.last.path, stub.last.json) == ("/gmail/v1/users/me/messages/batchDelete", {"ids": ids})
    assert gone == {"messageIds": ids, "deleted": True} and "msg-lunch" not in stub.messages


def test_trash_untrash_and_delete_a_message(google: AliasedEngine, stub: GmailStub) -> None:
    assert "TRASH" in google.run("trash_message", {"messageId": "msg-lunch"})["labelIds"]
    assert (stub.last.method, stub.last.path, stub.last.body) == ("POST", "/gmail/v1/users/me/messages/msg-lunch/trash",
                                                                  b"")
    assert "TRASH" not in google.run("untrash_message", {"messageId": "msg-lunch"})["labelIds"]
    assert stub.last.path.endswith("/msg-lunch/untrash")
    out = google.run("delete_message", {"messageId": "msg-lunch", "confirmPermanentDelete": True})
    assert (stub.last.method, stub.last.path) == ("DELETE", "/gmail/v1/users/me/messages/msg-lunch")
    assert out == {"messageId": "msg-lunch", "deleted": True} and "msg-lunch" not in stub.messages


def test_get_attachment(google: AliasedEngine, stub: GmailStub) -> None:
    out = google.run("get_attachment", {"messageId": "msg-invoice", "attachmentId": "att-invoice"})
    assert stub.last.path == "/gmail/v1/users/me/messages/msg-invoice/attachments/att-invoice"
    assert out == {"attachmentId": "att-invoice", "size": len(ATTACHMENT), "data": b64url(ATTACHMENT)}


# --- threads -------------------------------------------------------------------------------------------------


def test_list_and_get_threads(google: AliasedEngine, stub: GmailStub) -> None:
    first = google.run("list_threads", {"query": "is:unread", "maxResults": 5})
    assert (stub.last.path, stub.last.query) == ("/gmail/v1/users/me/threads", {"q": "is:unread", "maxResults": "5"})
    assert [t["id"] for t in first["threads"]] == ["thr-lunch"] and first["nextPageToken"] is None
    thread = google.run("get_thread", {"threadId": "thr-lunch", "format": "minimal"})
    assert (stub.last.path, stub.last.query) == ("/gmail/v1/users/me/threads/thr-lunch", {"format": "minimal"})
    assert [m["id"] for m in thread["messages"]] == ["msg-lunch"]


def test_thread_labels_trash_and_delete(google: AliasedEngine, stub: GmailStub) -> None:
    out = google.run("modify_thread_labels", {"threadId": "thr-lunch", "removeLabelIds": ["UNREAD"]})
    assert (stub.last.path, stub.last.json) == ("/gmail/v1/users/me/threads/thr-lunch/modify",
                                                {"removeLabelIds": ["UNREAD"]})
    assert out["messages"][0]["labelIds"] == ["INBOX"]
    assert "TRASH" in google.run("trash_thread", {"threadId": "thr-lunch"})["messages"][0]["labelIds"]
    assert stub.last.path.endswith("/threads/thr-lunch/trash")
    assert google.run("untrash_thread", {"threadId": "thr-lunch"})["messages"][0]["labelIds"] == ["INBOX"]
    gone = google.run("delete_thread", {"threadId": "thr-lunch", "confirmPermanentDelete": True})
    assert (stub.last.method, stub.last.path) == ("DELETE", "/gmail/v1/users/me/threads/thr-lunch")
    assert gone == {"threadId": "thr-lunch", "deleted": True} and "msg-lunch" not in stub.messages


# --- labels --------------------------------------------------------------------------------------------------


def test_labels_list_create_get_patch_update_delete(google: AliasedEngine, stub: GmailStub) -> None:
    listed = google.run("list_labels", {})
    assert stub.last.path == "/gmail/v1/users/me/labels" and "Label_receipts" in [x["id"] for x in listed["labels"]]
    created = google.run("create_label", {"name": "Travel", "labelListVisibility": "labelShow",
                                          "textColor": "#ffffff", "backgroundColor": "#4285f4"})
    assert (stub.last.method, stub.last.json) == ("POST", {
        "name": "Travel", "labelListVisibility": "labelShow", "color": {"textColor": "#ffffff",
                                                                       "backgroundColor": "#4285f4"}})
    label = created["id"]
    assert google.run("get_label", {"labelId": label})["name"] == "Travel"
    assert stub.last.path == f"/gmail/v1/users/me/labels/{label}"
    patched = google.run("patch_label", {"labelId": label, "messageListVisibility": "hide"})
    assert (stub.last.method, stub.last.json) == ("PATCH", {"messageListVisibility": "hide"})
    assert patched["name"] == "Travel" and patched["messageListVisibility"] == "hide"
    updated = google.run("update_label", {"labelId": label, "body": '{"name": "Trips"}'})
    assert (stub.last.method, stub.last.json) == ("PUT", {"id": label, "name": "Trips"})
    assert updated == {"id": label, "name": "Trips"}
    gone = google.run("delete_label", {"labelId": label, "confirmPermanentDelete": True})
    assert (stub.last.method, stub.last.path) == ("DELETE", f"/gmail/v1/users/me/labels/{label}")
    assert gone == {"labelId": label, "deleted": True} and label not in stub.labels


# --- drafts --------------------------------------------------------------------------------------------------


def test_drafts_create_list_get_update_send_delete(google: AliasedEngine, stub: GmailStub) -> None:
    draft = google.run("create_draft", {"to": "bob@example.com", "subject": "Plan", "body": "v1"})
    assert (stub.last.method, stub.last.path) == ("POST", "/gmail/v1/users/me/drafts")
    assert raw_of(stub)["Subject"] == "Plan" and draft["message"]["labelIds"] == ["DRAFT"]
    listed = google.run("list_drafts", {"maxResults": 1})
    assert stub.last.query == {"maxResults": "1"} and listed["nextPageToken"] == "1"
    assert [d["id"] for d in listed["drafts"]] == ["draft-1"]
    got = google.run("get_draft", {"draftId": draft["id"], "format": "raw"})
    assert stub.last.query == {"format": "raw"} and got["message"]["raw"]
    updated = google.run("update_draft", {"draftId": draft["id"], "to": "bob@example.com", "subject": "Plan v2",
                                          "body": "v2"})
    assert (stub.last.method, stub.last.path, stub.last.json["id"]) == (
        "PUT", f"/gmail/v1/users/me/drafts/{draft['id']}", draft["id"])
    assert raw_of(stub)["Subject"] == "Plan v2" and updated["id"] == draft["id"]
    sent = google.run("send_draft", {"draftId": draft["id"]})
    assert (stub.last.path, stub.last.json) == ("/gmail/v1/users/me/drafts/send", {"id": draft["id"]})
    assert sent["labelIds"] == ["SENT"]
    gone = google.run("delete_draft", {"draftId": "draft-1", "confirmPermanentDelete": True})
    assert (stub.last.method, stub.last.path) == ("DELETE", "/gmail/v1/users/me/drafts/draft-1")
    assert gone == {"draftId": "draft-1", "deleted": True} and stub.drafts == {}


# --- profile, history, send-as, people -----------------------------------------------------------------------


def test_profile_history_and_send_as(google: AliasedEngine, stub: GmailStub) -> None:
    profile = google.run("get_profile", {})
    assert stub.last.path == "/gmail/v1/users/me/profile" and profile["emailAddress"] == "ada@example.com"
    history = google.run("list_history", {"startHistoryId": "101", "historyTypes": ["messagesAdded"],
                                          "maxResults": 1})
    assert stub.last.query_string == "startHistoryId=101&historyTypes=messagesAdded&maxResults=1"
    assert [h["id"] for h in history["history"]] == ["102"] and history["nextPageToken"] == "1"
    assert history["historyId"] == profile["historyId"]
    aliases = google.run("list_send_as_aliases", {})
    assert stub.last.path == "/gmail/v1/users/me/settings/sendAs" and len(aliases["sendAs"]) == 2
    alias = google.run("get_send_as_alias", {"sendAsEmail": "support@example.com"})
    assert stub.last.raw_path == "/gmail/v1/users/me/settings/sendAs/support%40example.com"
    assert alias["displayName"] == "Support"


def test_contacts_from_the_people_api_page_by_page(google: AliasedEngine, stub: GmailStub) -> None:
    first = google.run("get_contacts", {"pageSize": 1, "sortOrder": "FIRST_NAME_ASCENDING"})
    req = stub.last
    assert (req.path, req.bearer) == ("/v1/people/me/connections", GOOGLE_TOKEN)
    assert req.query == {"personFields": "names,emailAddresses,phoneNumbers", "pageSize": "1",
                         "sortOrder": "FIRST_NAME_ASCENDING"}
    assert [p["resourceName"] for p in first["connections"]] == ["people/c1"] and first["nextPageToken"] == "1"
    last = google.run("get_contacts", {"pageToken": "1", "personFields": "names"})
    assert stub.last.query == {"personFields": "names", "pageToken": "1"} and last["nextPageToken"] is None


def test_get_people_one_person_or_other_contacts_and_search(google: AliasedEngine, stub: GmailStub) -> None:
    person = google.run("get_people", {"resourceName": "people/c2", "personFields": "names"})
    assert (stub.last.path, stub.last.query) == ("/v1/people/c2", {"personFields": "names"})
    assert person["names"][0]["displayName"] == "Carol"
    assert google.run("get_people", {})["resourceName"] == "people/me"
    others = google.run("get_people", {"otherContacts": True, "pageSize": 10})
    assert (stub.last.path, stub.last.query) == ("/v1/otherContacts", {
        "readMask": "names,emailAddresses,phoneNumbers", "pageSize": "10"})
    assert others["otherContacts"][0]["resourceName"] == "otherContacts/c9" and others["nextPageToken"] is None
    found = google.run("search_people", {"query": "car", "pageSize": 5})
    assert (stub.last.path, stub.last.query) == ("/v1/people:searchContacts", {
        "query": "car", "pageSize": "5", "readMask": "names,emailAddresses,phoneNumbers"})
    assert [r["person"]["resourceName"] for r in found["results"]] == ["people/c2"]
    assert google.run("search_people", {"query": "zed"}) == {"results": []}


# --- failures and custom_api_call ----------------------------------------------------------------------------


def test_a_gmail_error_names_its_status_and_code(google: AliasedEngine, stub: GmailStub) -> None:
    error = google.error("list_history", {"startHistoryId": "not-a-number"})
    assert_google_failure(error, 400, "INVALID_ARGUMENT", "Invalid startHistoryId")
    missing = google.error("get_message", {"messageId": "msg-gone"})
    assert_google_failure(missing, 404, "NOT_FOUND", "Requested entity was not found.")


def test_a_refused_token_is_an_auth_failure_without_the_token(google: AliasedEngine, stub: GmailStub) -> None:
    assert_refused_token(google, stub, PREFIX, "get_profile", {})


def test_custom_api_call_reaches_gmail_and_people(google: AliasedEngine, stub: GmailStub) -> None:
    out = google.run("custom_api_call", {"url": "/labels/Label_receipts", "method": "GET"})
    assert (stub.last.path, stub.last.bearer) == ("/gmail/v1/users/me/labels/Label_receipts", GOOGLE_TOKEN)
    assert out["body"]["name"] == "Receipts"
    people = google.run("custom_api_call", {"url": f"{stub.url}/v1/people/c1?personFields=names", "method": "GET"})
    assert people["body"]["resourceName"] == "people/c1"
    stub.requests.clear()
    refused = google.error("custom_api_call", {"url": "https://mail.example/gmail/v1/users/me/profile",
                                               "method": "GET"})
    assert refused.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


@pytest.fixture(scope="module")
def gmail_oauth2() -> Iterator[OAuth2Stub]:
    with running(OAuth2Stub(GmailStub(), PREFIX)) as oauth2:
        yield oauth2


def test_an_expired_access_token_is_refreshed_before_sending(store: Store, sdk_catalog: Catalog,
                                                             gmail_oauth2: OAuth2Stub) -> None:
    gmail_oauth2.reset()
    out = refreshed_call(store, sdk_catalog, gmail_oauth2, "gmail", "send_email",
                         {"to": "bob@example.com", "subject": "Refreshed", "body": "hi"})
    [sent] = gmail_oauth2.api_requests()
    assert sent.path == "/gmail/v1/users/me/messages/send" and out["labelIds"] == ["SENT"]
