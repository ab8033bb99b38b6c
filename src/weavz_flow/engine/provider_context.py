"""What a provider call gets: the :class:`ActionContext` of an action's run or of a trigger's baseline, poll or
inbound request. One definition, so that a trigger's provider requests carry the same redaction, retry policy,
persistence and deadline as an action's (DESIGN.md "One pipeline, many callers").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx

from weavz_flow.engine.action_logging import RedactingLogger
from weavz_flow.engine.redacting_state import RedactingStateStore
from weavz_flow.engine.state_store import SqlStateStore
from weavz_flow.integrations.base import ActionContext, Credentials, FileLinks
from weavz_flow.integrations.retry import NO_RETRY
from weavz_flow.redact import Redactor

action_log = logging.getLogger("weavz_flow.integrations")


def provider_context(
    *, integration: str, name: str, http: httpx.Client, credentials: Credentials | None, base_url: str | None,
    state: SqlStateStore, namespace: str, file_links: FileLinks | None, redact: Sequence[str] = (),
    timeout: float, deadline: float | None, idempotency_key: str | None = None, provider_retries: bool = True,
) -> tuple[ActionContext, list[str]]:
    """The context of one provider call of ``integration``'s action or trigger ``name``, and the secret strings its
    redactor masks (the credential's, then ``redact``: values the caller names as secret)."""
    secrets = [*(credentials.secret_strings() if credentials is not None else ()), *redact]
    redactor = Redactor(secrets)
    ctx = ActionContext(
        integration=integration,
        action=name,
        http=http,
        credentials=credentials,
        base_url=base_url,
        state=RedactingStateStore(state, redactor) if redact else state,
        namespace=namespace,
        file_links=file_links,
        redactor=redactor,
        logger=RedactingLogger(action_log, redactor),
        timeout=timeout,
        idempotency_key=idempotency_key,
        deadline=deadline,
        retry=None if provider_retries else NO_RETRY,
    )
    return ctx, secrets
