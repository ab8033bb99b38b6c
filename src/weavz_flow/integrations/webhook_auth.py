"""How an inbound webhook proves it comes from whoever holds the source's secret: the one check of
``http.catch_webhook`` and of a flow's ``webhook:`` (a flow webhook is a source of ``http.catch_webhook``).

Three modes (the trigger's ``authType``):

- ``none``: anyone holding the URL may post; the URL itself is the secret.
- ``header_secret``: the header ``signatureHeader`` (for this mode ``X-Webhook-Secret`` unless given) carries the
  secret itself.
- ``hmac_sha256`` (GitHub style, the default when a ``secret`` is given): the header ``signatureHeader`` (default
  ``X-Signature-256``) is ``sha256=`` and the lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the
  secret. This is the form GitHub sends in ``X-Hub-Signature-256`` ("Validating webhook deliveries",
  docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries), so a GitHub webhook is verified by
  naming that header.

Comparisons are constant-time (:func:`hmac.compare_digest`), so the time a refusal takes tells nothing about how
much of a guess was right. A refusal is 401 ``WEBHOOK_SIGNATURE_INVALID`` and names neither the expected value nor
the one received.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.trigger_base import InboundRequest
from weavz_flow.sensitive import Sensitive


class WebhookAuthType(StrEnum):
    NONE = "none"
    HEADER_SECRET = "header_secret"
    HMAC_SHA256 = "hmac_sha256"


DEFAULT_SIGNATURE_HEADER = "X-Signature-256"
DEFAULT_SECRET_HEADER = "X-Webhook-Secret"
SIGNATURE_PREFIX = "sha256="
# Headers that carry credentials of the request itself: never part of an event's data.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def hmac_sha256_signature(secret: str, body: bytes) -> str:
    """The ``sha256=<hex>`` value a sender puts in the signature header for ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class WebhookAuth:
    type: WebhookAuthType
    secret: Sensitive[str] | None
    header: str  # the header checked (lower case); unused for ``none``

    @classmethod
    def of_input(cls, input: Mapping[str, Any]) -> WebhookAuth:
        """The check a trigger input asks for (``authType``, ``secret``, ``signatureHeader``); VALIDATION_ERROR
        for a mode that is not one of the three or a secret mode without a secret."""
        secret = input.get("secret")
        if secret is not None and (not isinstance(secret, str) or not secret):
            raise _invalid("secret", "must be a non-empty string")
        raw_type = input.get("authType")
        if raw_type in (None, ""):
            auth_type = WebhookAuthType.HMAC_SHA256 if secret else WebhookAuthType.NONE
        else:
            try:
                auth_type = WebhookAuthType(str(raw_type).lower())
            except ValueError:
                raise _invalid("authType", f"must be one of {', '.join(t.value for t in WebhookAuthType)}") from None
        if auth_type is not WebhookAuthType.NONE and not secret:
            raise _invalid("secret", f"is required for authType {auth_type.value}")
        header = input.get("signatureHeader")
        if header is not None and (not isinstance(header, str) or not header.strip()):
            raise _invalid("signatureHeader", "must be a header name")
        default = DEFAULT_SECRET_HEADER if auth_type is WebhookAuthType.HEADER_SECRET else DEFAULT_SIGNATURE_HEADER
        return cls(type=auth_type, secret=Sensitive(secret) if secret else None,
                   header=(header or default).strip().lower())

    @property
    def hidden_headers(self) -> frozenset[str]:
        """Header names (lower case) kept out of the event: the request's credentials and this check's header."""
        if self.type is WebhookAuthType.NONE:
            return CREDENTIAL_HEADERS
        return CREDENTIAL_HEADERS | {self.header}

    def verify(self, request: InboundRequest) -> None:
        """Return when ``request`` passes; raise 401 WEBHOOK_SIGNATURE_INVALID when it does not."""
        if self.type is WebhookAuthType.NONE:
            return
        assert self.secret is not None  # of_input requires one for the other modes
        received = request.headers.get(self.header)
        if received is None:
            raise _refused(f"the {self.header} header is missing")
        secret = self.secret.reveal()
        expected = secret if self.type is WebhookAuthType.HEADER_SECRET else hmac_sha256_signature(secret,
                                                                                                   request.body)
        if not hmac.compare_digest(received.strip().encode("utf-8"), expected.encode("utf-8")):
            raise _refused(f"the {self.header} header does not match")


def _refused(reason: str) -> ApiError:
    return ApiError(ErrorCode.WEBHOOK_SIGNATURE_INVALID, f"Webhook refused: {reason}", details={"reason": reason})


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, f"Invalid input for http.catch_webhook: '{field}' {message}",
                    details={"integrationName": "http", "triggerName": "catch_webhook",
                             "fields": [{"field": field, "message": message}]})
