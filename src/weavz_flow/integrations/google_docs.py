"""Google Docs (https://developers.google.com/docs/api/reference/rest): read, create and edit documents over Docs
API v1 with the connection's Google OAuth token.

Endpoints (https://developers.google.com/docs/api/reference/rest/v1/documents/...): ``get`` ``GET
/documents/{documentId}``; ``create`` ``POST /documents`` (only ``title`` is used; there is no parent folder);
``batchUpdate`` ``POST /documents/{documentId}:batchUpdate`` with ``{requests: [...]}``, applied atomically, answering
``{documentId, replies, writeControl}``. ``insertText`` takes ``text`` and either ``location: {index}`` (1 is the
start of the body) or ``endOfSegmentLocation: {}``, the end of the body (``request#InsertTextRequest``). A document
is a Drive file of mimeType ``application/vnd.google-apps.document``
(https://developers.google.com/drive/api/guides/mime-types): a document in a folder is created by Drive's
``POST https://www.googleapis.com/drive/v3/files`` with ``parents``
(https://developers.google.com/drive/api/reference/rest/v3/files/create), then read from Docs, so both ways answer
the Document.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.google_api import DRIVE_BASE_URL, google_profile, google_url
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, json_value, spec_actions, wire
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderRequest

DOCS = google_profile("google-docs", "Google Docs", "https://docs.googleapis.com/v1", DRIVE_BASE_URL)
DOCUMENT_MIME = "application/vnd.google-apps.document"

GET_DOCUMENT = HttpSpec("GET", "/documents/{documentId}")
BATCH_UPDATE = HttpSpec("POST", "/documents/{documentId}:batchUpdate", body=wire("requests"))


def create_document(ctx: ActionContext, values: dict[str, Any]) -> Any:
    if not values.get("folderId"):
        return call(ctx, DOCS, ProviderRequest("POST", "/documents", json={"title": values["title"]},
                                               has_json=True)).body
    metadata = {"name": values["title"], "mimeType": DOCUMENT_MIME, "parents": [values["folderId"]]}
    created = call(ctx, DOCS, ProviderRequest("POST", google_url(ctx, DOCS, f"{DRIVE_BASE_URL}/files"),
                                              query={"fields": "id", "supportsAllDrives": True},
                                              json=metadata, has_json=True)).body
    return call_spec(ctx, DOCS, GET_DOCUMENT, {"documentId": created["id"]})


def batch_update(ctx: ActionContext, values: dict[str, Any]) -> Any:
    requests = json_value(values["requests"])
    if isinstance(requests, dict):
        requests = requests.get("requests", [requests])  # a whole batchUpdate body, or a single request
    if not isinstance(requests, list) or not requests or not all(isinstance(r, dict) for r in requests):
        raise invalid_input(ctx, "requests", "must be a non-empty array of Docs API request objects")
    return call_spec(ctx, DOCS, BATCH_UPDATE, {**values, "requests": requests})


def insert_text(ctx: ActionContext, values: dict[str, Any]) -> Any:
    index = values.get("index")
    if index is not None and not (isinstance(index, int) and index >= 1):
        raise invalid_input(ctx, "index", "must be a whole number from 1 (the start of the document)")
    where = {"location": {"index": index}} if index is not None else {"endOfSegmentLocation": {}}
    return call_spec(ctx, DOCS, BATCH_UPDATE, {**values, "requests": [{"insertText": {"text": values["text"],
                                                                                      **where}}]})


ACTIONS = spec_actions(DOCS, {
    "get_document": GET_DOCUMENT,
    "create_document": create_document,
    "batch_update": batch_update,
    "insert_text": insert_text,
})
ACTIONS["custom_api_call"] = plain_custom_api_call(DOCS)

INTEGRATION = NativeIntegration(
    name="google-docs",
    display_name="Google Docs",
    description="Read and create Google Docs documents, insert text and apply batch updates.",
    actions=ACTIONS,
    auth_types=("OAUTH2",),
    default_base_url=DOCS.default_base_url,
)
