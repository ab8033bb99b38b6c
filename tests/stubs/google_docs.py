"""A Google Docs API v1 stub: documents get, create and batchUpdate (insertText, replaceAllText), in memory; and
Drive's ``POST /drive/v3/files`` for a document created in a folder, as Drive makes one.

A document's body is kept as its text, which always ends with a newline; ``body.content`` shows it as a section
break (index 0) and one paragraph from index 1, as Docs numbers a body. ``insertText`` takes ``location.index``
(from 1, before the final newline) or ``endOfSegmentLocation`` (before the final newline); anything else in a batch
is a 400, and a batch is applied all or nothing. Seed data: ``doc-plan`` (Plan, "Goals\\n") and the Drive folder
``fold-reports``. ``stub.documents[id]["text"]`` is a document's text.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.google import GoogleStub, google_error, not_found

DOCUMENT_MIME = "application/vnd.google-apps.document"


class DocsStub(GoogleStub):
    name = "google-docs"

    def seed(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {"doc-plan": {"title": "Plan", "text": "Goals\n", "revision": 1}}
        self.folders = {"fold-reports"}
        self.parents: dict[str, str] = {}

    def handle(self, request: RecordedRequest) -> Response:
        path = request.path
        if path == "/drive/v3/files" and request.method == "POST":
            return self._drive_create(request)
        if path == "/v1/documents" and request.method == "POST":
            title = (request.json or {}).get("title") or "Untitled document"
            return JSONResponse(self.document(self._new(title)))
        doc_id, _, verb = path.removeprefix("/v1/documents/").partition(":")
        if not path.startswith("/v1/documents/") or doc_id not in self.documents:
            return not_found()
        if request.method == "GET" and not verb:
            return JSONResponse(self.document(doc_id))
        if request.method == "POST" and verb == "batchUpdate":
            return self._batch_update(doc_id, (request.json or {}).get("requests"))
        return not_found()

    def document(self, doc_id: str) -> dict[str, Any]:
        doc = self.documents[doc_id]
        text = doc["text"]
        content = [{"endIndex": 1, "sectionBreak": {}},
                   {"startIndex": 1, "endIndex": 1 + len(text), "paragraph": {"elements": [
                       {"startIndex": 1, "endIndex": 1 + len(text), "textRun": {"content": text}}]}}]
        return {"documentId": doc_id, "title": doc["title"], "body": {"content": content},
                "revisionId": f"rev-{doc['revision']}"}

    def _new(self, title: str) -> str:
        doc_id = f"doc-new-{len(self.documents)}"
        self.documents[doc_id] = {"title": title, "text": "\n", "revision": 1}
        return doc_id

    def _drive_create(self, request: RecordedRequest) -> Response:
        body = request.json or {}
        if body.get("mimeType") != DOCUMENT_MIME:
            return google_error(400, "This stub creates Google Docs documents only")
        parents = body.get("parents") or []
        if any(p not in self.folders for p in parents):
            return google_error(404, f"File not found: {parents[0]}.")
        doc_id = self._new(body.get("name") or "Untitled document")
        if parents:
            self.parents[doc_id] = parents[0]
        return JSONResponse({"id": doc_id})

    def _batch_update(self, doc_id: str, requests: Any) -> Response:
        if not isinstance(requests, list) or not requests:
            return google_error(400, "Invalid JSON payload: requests must be a non-empty list")
        text = self.documents[doc_id]["text"]
        replies: list[dict[str, Any]] = []
        for n, item in enumerate(requests):
            insert, replace = item.get("insertText"), item.get("replaceAllText")
            if isinstance(insert, dict) and isinstance(insert.get("text"), str):
                where = insert.get("location", {}).get("index") if "location" in insert else None
                if where is None and "endOfSegmentLocation" not in insert:
                    return google_error(400, f"Invalid requests[{n}].insertText: a location is required")
                index = len(text) if where is None else where
                if not 1 <= index <= len(text):
                    return google_error(400, f"Invalid requests[{n}].insertText: Index {index} must be less than "
                                             f"the end index of the referenced segment, {len(text) + 1}.")
                text = text[:index - 1] + insert["text"] + text[index - 1:]
                replies.append({})
            elif isinstance(replace, dict) and isinstance(replace.get("containsText"), dict):
                needle = replace["containsText"].get("text") or ""
                replies.append({"replaceAllText": {"occurrencesChanged": text.count(needle)}})
                text = text.replace(needle, str(replace.get("replaceText", "")))
            else:
                return google_error(400, f"Invalid requests[{n}]: this stub knows insertText and replaceAllText")
        doc = self.documents[doc_id]
        doc["text"], doc["revision"] = text, doc["revision"] + 1
        return JSONResponse({"documentId": doc_id, "replies": replies,
                             "writeControl": {"requiredRevisionId": f"rev-{doc['revision']}"}})
