"""Trigger sources (issue 18; weavz-api.md §1.11, §2.10): enable, list, poll, receive, deliver, replay.

A source is enabled through the API (its events go to a callback URL, :mod:`weavz_flow.engine.trigger_delivery`) or
registered by a deployed flow (:meth:`TriggerService.ensure_flow_source`; its events start runs, through
:meth:`~TriggerService.undispatched_flow_events` and :meth:`~TriggerService.mark_dispatched`). Either way it is
resolved with the execute pipeline's steps (:mod:`weavz_flow.engine.trigger_resolution`) and its events are stored
once per event id, in order (:mod:`weavz_flow.engine.trigger_events`).

POLLING sources are baselined when enabled (nothing that exists fires) and polled under a lease when due
(:mod:`weavz_flow.engine.trigger_polling`); a flow's source is baselined by its first poll. WEBHOOK sources receive
at ``/api/v1/webhooks/{token}``: the token is the source id and a keyed digest of it (the engine key,
:meth:`CredentialCipher.keyed_digest`), so nothing secret is stored and ``GET /triggers`` can show ``webhookUrl``;
a flow's ``webhook:`` receives at ``/api/v1/webhooks/flows/{path}``. ``simulate``: the source stores the trigger's
sample event once, at enable, and never asks the provider.

Secrets: the callback headers, the signing secret and a webhook's secret (a flow's, or the ``secret`` input of an
API source) are stored encrypted; the signing secret is shown once, in the enable answer. Provider errors are
recorded redacted of the credential.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import json
import os
import secrets
import socket
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.execute import redacted_error
from weavz_flow.engine.oauth_refresh import TokenRefresher
from weavz_flow.engine.provider_context import provider_context
from weavz_flow.engine.services.connections import ConnectionService
from weavz_flow.engine.services.scope import conflict_as, page_bounds
from weavz_flow.engine.stamps import new_id, plus, utc_now
from weavz_flow.engine.state_store import SqlStateStore
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.engine.trigger_delivery import TriggerDeliverer, replay_delivery
from weavz_flow.engine.trigger_events import (
    CALLBACK,
    FLOW,
    StoredEvent,
    event_page,
    get_event,
    lock_source,
    mark_dispatched,
    store_events,
    undispatched,
)
from weavz_flow.engine.trigger_polling import POLLING, PollOutcome, TriggerPoller
from weavz_flow.engine.trigger_resolution import Located, Selectors, locate, resolve_source, trigger_entry
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.engine.webhook_send import sendable
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, FileLinks
from weavz_flow.integrations.trigger_base import InboundRequest, PollingTrigger, TriggerEvent, WebhookTrigger
from weavz_flow.public_url import DEFAULT_PUBLIC_URL, PUBLIC_URL_ENV
from weavz_flow.redact import Redactor
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.triggers import DeliveryView, EnableTriggerRequest, TriggerEventView, TriggerSourceView

__all__ = ["FlowSourceSpec", "StoredEvent", "TriggerService"]

_s = t.trigger_sources
_e = t.trigger_events

WEBHOOK = "WEBHOOK"
SAMPLE_EVENT_ID = "sample"  # the event key of a simulated source's one event
_TOKEN_PURPOSE = "trigger-webhook"
_SPEC_PURPOSE = "trigger-flow-spec"
_ERROR_MAX = 1000
DEFAULT_POLLING_MINUTES = 5
# A trigger's input that is a shared secret (http.catch_webhook's, and a flow webhook's): never stored in ``input``,
# but encrypted in ``webhook_secret`` and put back only for the call that checks a request with it.
SECRET_INPUT = "secret"


@dataclass(frozen=True)
class FlowSourceSpec:
    """What a flow's ``on:`` entry resolves to. A ``webhook:`` entry is a source of ``http.catch_webhook`` with its
    ``webhook_path`` (and ``webhook_secret``, handed to the trigger's verification as its ``secret`` input)."""

    workspace_id: str
    integration_name: str
    trigger_name: str
    integration_alias: str | None
    connection_external_id: str | None
    end_user_id: str | None
    input: dict[str, Any]
    polling_interval_s: int  # POLLING
    webhook_path: str | None = None
    webhook_secret: Sensitive[str] | None = None


def default_owner() -> str:
    """Who holds a lease: this process, recognizable in the table (host and pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class TriggerService:
    def __init__(
        self, store: Store, cipher: CredentialCipher, source: CatalogSource, connections: ConnectionService,
        tokens: TokenRefresher, state: SqlStateStore, http: httpx.Client, *, settings: TriggerSettings,
        action_timeout_s: float, max_execute_s: float, file_links: FileLinks | None = None,
        public_url: str | None = None,
    ) -> None:
        self._store = store
        self._cipher = cipher
        self._source = source
        self._connections = connections
        self._tokens = tokens
        self._state = state
        self._http = http
        self._settings = settings
        self._action_timeout_s = action_timeout_s
        self._max_execute_s = max_execute_s
        self._file_links = file_links
        self._public_url = public_url
        self._poller = TriggerPoller(store, self._poll_source, lease_s=settings.poll_lease_s)
        self._deliverer = TriggerDeliverer(store, cipher, http, settings)

    # -- the API's sources --------------------------------------------------------------------------------------------

    def enable(self, caller: Caller, req: EnableTriggerRequest) -> TriggerSourceView:
        """Resolve, check, baseline (POLLING) and store a callback source; 201's ``triggerSource`` (with the signing
        secret, shown this once)."""
        if not sendable(req.callback_url):
            raise ApiError(ErrorCode.VALIDATION_ERROR, "callbackUrl must be an http(s) URL of a plain host and port",
                           details={"fields": [{"field": "callbackUrl", "message": "not an http(s) URL"}]})
        selectors = Selectors(
            workspace_id=req.workspace_id, integration_name=req.integration_name, trigger_name=req.trigger_name,
            workspace_integration_id=req.workspace_integration_id, integration_alias=req.integration_alias,
            connection_external_id=req.connection_external_id, end_user_id=req.end_user_id)
        with self._store.read() as conn:
            resolved = resolve_source(conn, self._source, self._connections, caller, selectors, req.input,
                                      req.partial_ids)
        located = resolved.located
        interval_s = self._interval(located.info.type, req.polling_interval_minutes)
        now = utc_now()
        cursor: dict[str, Any] | None = None
        if located.info.type == POLLING and not req.simulate:
            cursor = self._baseline(located, caller.org_id, resolved.merged.values)  # raises: nothing is stored
        signing_secret = "whsec_" + secrets.token_urlsafe(32)
        headers = {name: value.get_secret_value() for name, value in (req.callback_headers or {}).items()}
        stored_input, secret = _without_secret(resolved.merged.values)
        source_id = new_id()
        row = {
            "id": source_id, "org_id": caller.org_id, "workspace_id": req.workspace_id,
            "integration_name": located.integration.name, "trigger_name": located.info.name,
            "trigger_type": located.info.type, "workspace_integration_id": located.target.id,
            "connection_external_id": req.connection_external_id, "end_user_id": req.end_user_id,
            "input": stored_input, "partial_ids": list(resolved.merged.partial_ids),
            "webhook_secret": self._cipher.encrypt({"secret": secret}) if secret is not None else None,
            "target_kind": CALLBACK, "callback_url": req.callback_url,
            "callback_headers": self._cipher.encrypt({"headers": headers}) if headers else None,
            "callback_metadata": req.callback_metadata,
            "signing_secret": self._cipher.encrypt({"secret": signing_secret}),
            "polling_interval_s": interval_s, "simulate": req.simulate, "enabled": True,
            "next_poll_at": plus(now, interval_s) if cursor is not None and interval_s is not None else None,
            "cursor": cursor, "created_at": now, "updated_at": now,
        }
        with self._store.write() as conn:
            conn.execute(sa.insert(_s).values(row))
            if req.simulate:
                source = lock_source(conn, source_id)
                assert source is not None
                store_events(conn, source, [_sample(located)], now)
            stored = conn.execute(sa.select(_s).where(_s.c.id == source_id)).one()
        view = self._view(stored)
        return view.model_copy(update={"signing_secret": signing_secret})

    def disable(self, caller: Caller, source_id: str) -> None:
        with self._store.write() as conn:
            row = self._visible(conn, caller, source_id)
            conn.execute(sa.update(_s).where(_s.c.id == row.id).values(
                enabled=False, next_poll_at=None, lease_owner=None, lease_until=None, updated_at=utc_now()))

    def list(self, caller: Caller, workspace_id: str | None, limit: int | None,
             offset: int | None) -> tuple[list[TriggerSourceView], int]:
        """The organization's enabled sources (a scoped key: of its workspaces only), oldest first."""
        limit, offset = page_bounds(limit, offset)
        where = [_s.c.org_id == caller.org_id, _s.c.enabled.is_(True)]
        if workspace_id is not None:
            caller.check_workspace(workspace_id)
            where.append(_s.c.workspace_id == workspace_id)
        elif caller.workspace_ids is not None:
            where.append(_s.c.workspace_id.in_(sorted(caller.workspace_ids)))
        with self._store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(_s).where(*where)).scalar_one()
            rows = conn.execute(sa.select(_s).where(*where).order_by(_s.c.created_at, _s.c.id)
                                .limit(limit).offset(offset)).all()
        return [self._view(r) for r in rows], int(total)

    def events(self, caller: Caller, source_id: str, limit: int | None,
               offset: int | None) -> tuple[builtins.list[TriggerEventView], int]:
        """A source's events, newest first, with their deliveries (the delivery log of a callback source)."""
        limit, offset = page_bounds(limit, offset)
        with self._store.read() as conn:
            row = conn.execute(sa.select(_s).where(_s.c.id == source_id, _s.c.org_id == caller.org_id)).first()
            if row is None or not caller.may_access(row.workspace_id):
                raise _source_not_found(source_id)
            rows, total = event_page(conn, source_id, limit, offset)
        return [_event_view(r) for r in rows], total

    def sample(self, integration_name: str, trigger_name: str) -> dict[str, Any]:
        """The trigger's sample event data (``triggers/test``): 404 INTEGRATION_NOT_FOUND / TRIGGER_NOT_FOUND."""
        _, info, _ = trigger_entry(self._source.catalog(), self._source, integration_name, trigger_name)
        return dict(info.sample_data)

    def webhook_token(self, source_id: str) -> str:
        """The path token of a source's inbound webhook URL: its id and a keyed digest of it."""
        digest = self._cipher.keyed_digest(_TOKEN_PURPOSE, source_id.encode("utf-8"))
        mac = base64.urlsafe_b64encode(bytes.fromhex(digest)).decode("ascii").rstrip("=")
        return f"{source_id}.{mac}"

    def webhook_url(self, source_id: str) -> str:
        base = (self._public_url or os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")
        return f"{base}/api/v1/webhooks/{self.webhook_token(source_id)}"

    # -- flows' sources -----------------------------------------------------------------------------------------------

    def ensure_flow_source(self, org_id: str, flow: str, key: str, spec: FlowSourceSpec) -> str:
        """Register (idempotently) the source of one ``on:`` entry of a deployed flow; its id. The same spec again
        changes nothing; a changed one, or one retired before, is resolved again and re-baselined by its next poll
        (so a flow deployed again does not get the events of the time it was away)."""
        digest = self._spec_digest(spec)
        with self._store.write() as conn:
            existing = conn.execute(sa.select(_s).where(_s.c.flow_name == flow, _s.c.flow_key == key)).first()
            if existing is not None and existing.enabled and existing.spec_digest == digest:
                return str(existing.id)
            selectors = Selectors(
                workspace_id=spec.workspace_id, integration_name=spec.integration_name,
                trigger_name=spec.trigger_name, integration_alias=spec.integration_alias,
                connection_external_id=spec.connection_external_id, end_user_id=spec.end_user_id)
            resolved = resolve_source(conn, self._source, self._connections, Caller.system(org_id), selectors,
                                      spec.input, None)
            located = resolved.located
            stored_input, secret = _without_secret(resolved.merged.values)
            if spec.webhook_secret is not None:
                secret = spec.webhook_secret.reveal()
            now = utc_now()
            polling = located.info.type == POLLING
            values: dict[str, Any] = {
                "org_id": org_id, "workspace_id": spec.workspace_id, "integration_name": located.integration.name,
                "trigger_name": located.info.name, "trigger_type": located.info.type,
                "workspace_integration_id": located.target.id,
                "connection_external_id": spec.connection_external_id, "end_user_id": spec.end_user_id,
                "input": stored_input, "partial_ids": list(resolved.merged.partial_ids),
                "target_kind": FLOW, "spec_digest": digest, "webhook_path": spec.webhook_path,
                "webhook_secret": self._cipher.encrypt({"secret": secret}) if secret is not None else None,
                "polling_interval_s": spec.polling_interval_s if polling else None,
                # A flow's source is baselined by its first poll, due at once: no provider call under this lock.
                "next_poll_at": now if polling else None, "cursor": None, "lease_owner": None, "lease_until": None,
                "enabled": True, "simulate": False, "last_error": None, "updated_at": now,
            }
            with conflict_as(ErrorCode.WEBHOOK_PATH_TAKEN, f"Webhook path '{spec.webhook_path}' is another flow's",
                             {"webhookPath": spec.webhook_path}):
                if existing is None:
                    source_id = new_id()
                    conn.execute(sa.insert(_s).values(id=source_id, flow_name=flow, flow_key=key, created_at=now,
                                                      **values))
                    return source_id
                conn.execute(sa.update(_s).where(_s.c.id == existing.id).values(values))
            return str(existing.id)

    def retire_flow_sources(self, flow: str | None, keep: Collection[tuple[str, str]]) -> int:
        """Disable the flow sources (of ``flow``, or of every flow) whose ``(flow, key)`` is not in ``keep``; how many.
        A retired webhook gives up its path, which another flow may then take."""
        kept = set(keep)
        with self._store.write() as conn:
            where = [_s.c.target_kind == FLOW, _s.c.enabled.is_(True)]
            if flow is not None:
                where.append(_s.c.flow_name == flow)
            rows = conn.execute(sa.select(_s.c.id, _s.c.flow_name, _s.c.flow_key).where(*where)).all()
            gone = [r.id for r in rows if (r.flow_name, r.flow_key) not in kept]
            if gone:
                conn.execute(sa.update(_s).where(_s.c.id.in_(gone)).values(
                    enabled=False, next_poll_at=None, lease_owner=None, lease_until=None, webhook_path=None,
                    updated_at=utc_now()))
        return len(gone)

    def undispatched_flow_events(self, limit: int = 100) -> builtins.list[StoredEvent]:
        with self._store.read() as conn:
            return undispatched(conn, limit)

    def mark_dispatched(self, event_ids: Collection[str]) -> None:
        with self._store.write() as conn:
            mark_dispatched(conn, event_ids, utc_now())

    def get_event(self, event_id: str) -> StoredEvent | None:
        with self._store.read() as conn:
            return get_event(conn, event_id)

    def replay(self, caller: Caller, event_id: str) -> None:
        """Hand an event on again: a callback source's is delivered again, a flow's dispatched again."""
        with self._store.write() as conn:
            event = get_event(conn, event_id)
            if event is None:
                raise _event_not_found(event_id)
            source = conn.execute(sa.select(_s).where(_s.c.id == event.source_id)).one()
            if source.org_id != caller.org_id or not caller.may_access(source.workspace_id):
                raise _event_not_found(event_id)
            if source.target_kind == FLOW:
                conn.execute(sa.update(_e).where(_e.c.id == event_id).values(dispatched_at=None))
            else:
                replay_delivery(conn, event_id, utc_now())

    # -- polling, receiving, delivering -------------------------------------------------------------------------------

    def poll_due(self, now: datetime | None = None, *, limit: int = 20, owner: str | None = None) -> int:
        """Poll each due POLLING source once (at most ``limit``); how many new events were stored."""
        return self._poller.poll_due(now or datetime.now(UTC), limit=limit, owner=owner or default_owner())

    def ingest(self, token: str, request: InboundRequest) -> builtins.list[StoredEvent]:
        """An inbound request to an API source's webhook URL: its new events (401 from the trigger: nothing)."""
        source_id, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(self.webhook_token(source_id), token):
            raise _source_not_found("webhook")
        with self._store.read() as conn:
            row = conn.execute(sa.select(_s).where(_s.c.id == source_id, _s.c.enabled.is_(True),
                                                   _s.c.trigger_type == WEBHOOK)).first()
        if row is None:
            raise _source_not_found("webhook")
        return self._receive(row, self._input_of(row), request)

    def ingest_flow_webhook(self, path: str, request: InboundRequest) -> builtins.list[StoredEvent]:
        """An inbound request to a flow's ``webhook:`` path; its secret goes to the trigger's verification."""
        with self._store.read() as conn:
            row = conn.execute(sa.select(_s).where(_s.c.webhook_path == path, _s.c.enabled.is_(True),
                                                   _s.c.target_kind == FLOW)).first()
        if row is None:
            raise _source_not_found(path)
        trigger_input = self._input_of(row)
        if row.webhook_secret is not None:
            trigger_input.setdefault("authType", "hmac_sha256")
        return self._receive(row, trigger_input, request)

    def deliver_due(self, now: datetime | None = None, *, limit: int = 50) -> int:
        """Attempt the due callback deliveries (at most ``limit``), in order per source; how many attempts."""
        return self._deliverer.deliver_due(now or datetime.now(UTC), limit=limit)

    # -- internals ----------------------------------------------------------------------------------------------------

    def _interval(self, trigger_type: str, minutes: int | None) -> int | None:
        if trigger_type != POLLING:
            return None
        if minutes is None:  # Weavz's default of five minutes, or this server's minimum if that is longer
            return int(max(DEFAULT_POLLING_MINUTES * 60, self._settings.min_polling_interval_s))
        seconds = minutes * 60
        if seconds < self._settings.min_polling_interval_s:
            raise ApiError(ErrorCode.POLLING_INTERVAL_TOO_SHORT,
                           f"pollingIntervalMinutes must be at least {self._settings.min_polling_interval_s / 60:g} "
                           "on this server", details={"pollingIntervalMinutes": minutes,
                                                      "minimumSeconds": self._settings.min_polling_interval_s})
        return seconds

    def _context(self, located: Located, org_id: str, trigger_input: dict[str, Any] | None = None) -> ActionContext:
        """The provider context; a secret input of ``trigger_input`` is redacted like the credential."""
        credentials = self._tokens.fresh(org_id, located.connection, located.credentials)
        secret = (trigger_input or {}).get(SECRET_INPUT)
        ctx, _ = provider_context(
            integration=located.integration.name, name=located.info.name, http=self._http, credentials=credentials,
            base_url=located.base_url, state=self._state, namespace=located.namespace, file_links=self._file_links,
            redact=[str(secret)] if secret else (), timeout=self._action_timeout_s,
            deadline=time.monotonic() + self._max_execute_s)
        return ctx

    def _baseline(self, located: Located, org_id: str, trigger_input: dict[str, Any]) -> dict[str, Any]:
        native = located.native
        if not isinstance(native, PollingTrigger):
            raise ApiError(ErrorCode.INTERNAL_ERROR, f"{located.info.key} is not a polling trigger", status=500)
        ctx = self._context(located, org_id)
        try:
            return native.baseline(ctx, dict(trigger_input))
        except ApiError as exc:
            raise redacted_error(exc, ctx.redactor) from None

    def _poll_source(self, row: AnyRow) -> PollOutcome:
        """One poll of a claimed source (the poller's :data:`PollRun`); never raises for the provider's failures."""
        try:
            with self._store.read() as conn:
                located = locate(conn, self._source, self._connections, row.org_id, _selectors(row))
        except ApiError as exc:  # the connection or alias is gone: the source stops until enabled again
            return PollOutcome(error=_bounded(exc.message), stop=True)
        native = located.native
        if not isinstance(native, PollingTrigger):
            return PollOutcome(error=f"{located.info.key} is not a polling trigger", stop=True)
        redactor = Redactor()
        trigger_input = self._input_of(row)
        try:
            ctx = self._context(located, row.org_id, trigger_input)
            redactor = ctx.redactor
            if row.cursor is None:  # a flow's source, registered without a provider call: baseline first
                return PollOutcome(cursor=native.baseline(ctx, trigger_input))
            result = native.poll(ctx, trigger_input, dict(row.cursor))
        except ApiError as exc:
            return PollOutcome(error=_bounded(redactor.text(f"{exc.code}: {exc.message}")))
        except Exception as exc:  # a trigger bug or an untranslated library error: recorded, the next poll retries
            return PollOutcome(error=_bounded(redactor.text(f"{type(exc).__name__}: {exc}")))
        return PollOutcome(events=list(result.events), cursor=result.cursor)

    def _receive(self, row: AnyRow, trigger_input: dict[str, Any],
                 request: InboundRequest) -> builtins.list[StoredEvent]:
        with self._store.read() as conn:
            located = locate(conn, self._source, self._connections, row.org_id, _selectors(row))
        native = located.native
        if not isinstance(native, WebhookTrigger):
            raise _source_not_found("webhook")
        ctx = self._context(located, row.org_id, trigger_input)
        try:
            events = native.accept(ctx, trigger_input, request)  # a refusal raises: nothing is stored
        except ApiError as exc:
            raise redacted_error(exc, ctx.redactor) from None
        with self._store.write() as conn:
            source = lock_source(conn, row.id)
            if source is None or not source.enabled:
                raise _source_not_found("webhook")
            return store_events(conn, source, events, utc_now())

    def _input_of(self, row: AnyRow) -> dict[str, Any]:
        """The trigger's input: the stored one with its secret back in (decrypted for this call only)."""
        trigger_input = dict(row.input)
        if row.webhook_secret is not None:
            trigger_input[SECRET_INPUT] = self._cipher.decrypt(row.webhook_secret)["secret"]
        return trigger_input

    def _visible(self, conn: sa.Connection, caller: Caller, source_id: str) -> AnyRow:
        row = conn.execute(sa.select(_s).where(_s.c.id == source_id, _s.c.org_id == caller.org_id,
                                               _s.c.enabled.is_(True))).first()
        if row is None or not caller.may_access(row.workspace_id):
            raise _source_not_found(source_id)
        return row

    def _view(self, row: AnyRow) -> TriggerSourceView:
        return TriggerSourceView(
            id=row.id, org_id=row.org_id, workspace_id=row.workspace_id, trigger_type=row.trigger_type,
            integration_name=row.integration_name, trigger_name=row.trigger_name,
            webhook_url=self.webhook_url(row.id) if row.trigger_type == WEBHOOK and row.target_kind == CALLBACK
            else None,
            callback_url=row.callback_url, callback_metadata=row.callback_metadata, simulate=row.simulate,
            enabled=row.enabled,
            polling_interval_minutes=row.polling_interval_s / 60 if row.polling_interval_s else None,
            workspace_integration_id=row.workspace_integration_id,
            connection_external_id=row.connection_external_id, end_user_id=row.end_user_id,
            partial_ids=list(row.partial_ids or []), flow_name=row.flow_name, last_error=row.last_error,
            next_poll_at=row.next_poll_at, created_at=row.created_at, updated_at=row.updated_at)

    def _spec_digest(self, spec: FlowSourceSpec) -> str:
        """A keyed digest of the spec (its webhook secret included, never in clear): equal digests, same spec."""
        parts = {
            "workspaceId": spec.workspace_id, "integration": spec.integration_name, "trigger": spec.trigger_name,
            "alias": spec.integration_alias, "connection": spec.connection_external_id, "endUser": spec.end_user_id,
            "input": spec.input, "every": spec.polling_interval_s, "path": spec.webhook_path,
            "secret": (hashlib.sha256(spec.webhook_secret.reveal().encode("utf-8")).hexdigest()
                       if spec.webhook_secret is not None else None),
        }
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
        return self._cipher.keyed_digest(_SPEC_PURPOSE, text.encode("utf-8"))


def _selectors(row: AnyRow) -> Selectors:
    return Selectors(workspace_id=row.workspace_id, integration_name=row.integration_name,
                     trigger_name=row.trigger_name, workspace_integration_id=row.workspace_integration_id,
                     connection_external_id=row.connection_external_id, end_user_id=row.end_user_id)


def _event_view(row: AnyRow) -> TriggerEventView:
    delivery = None
    if row.status is not None:
        delivery = DeliveryView(status=row.status, attempts=row.attempts, last_status_code=row.last_status,
                                last_error=row.last_error, next_attempt_at=row.next_attempt_at,
                                delivered_at=row.delivered_at, log=list(row.log or []))
    return TriggerEventView(id=row.id, trigger_source_id=row.source_id, event_key=row.event_key, seq=row.seq,
                            data=row.data, occurred_at=row.occurred_at, received_at=row.received_at,
                            dispatched_at=row.dispatched_at, delivery=delivery)


def _without_secret(values: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The input to store in clear, and its secret (kept encrypted apart)."""
    kept = dict(values)
    secret = kept.pop(SECRET_INPUT, None)
    return kept, (str(secret) if secret is not None else None)


def _sample(located: Located) -> TriggerEvent:
    return TriggerEvent(id=SAMPLE_EVENT_ID, data=dict(located.info.sample_data))


def _bounded(text: str) -> str:
    return text if len(text) <= _ERROR_MAX else text[:_ERROR_MAX - 1] + "…"


def _source_not_found(ident: str) -> ApiError:
    return ApiError(ErrorCode.TRIGGER_SOURCE_NOT_FOUND, f"Trigger source '{ident}' not found", details={"id": ident})


def _event_not_found(event_id: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"Trigger event '{event_id}' not found", details={"id": event_id})
