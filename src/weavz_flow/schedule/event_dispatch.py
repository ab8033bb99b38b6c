"""The event half of a scheduler tick (issue 18): the deployed flows' ``on:`` entries become trigger sources, the due
sources are polled, and each new event becomes one fire.

Every tick, in order:

1. **register**: each enabled entry of each deployed flow is registered as its trigger source
   (:meth:`FlowTriggers.register`, idempotent; an entry whose object changed is re-registered and re-baselined), and
   the sources of entries no longer deployed are retired. A webhook's secret is read from this process's
   environment (or file) here, by its reference: the deployment never holds it. An entry that cannot be registered
   (its alias or connection is missing, its secret unset) is logged and tried again next tick.
2. **poll**: the due POLLING sources, each under its lease (several schedulers share the work, none polls one
   source twice at once).
3. **dispatch**: the stored events without a fire get one each (:mod:`weavz_flow.engine.event_fires`: claiming the
   event and inserting its fire is one transaction), handed to the dispatcher with their entry's ``overlap``.

A tick is safe from several processes at once, like the cron half: registration converges on the same rows, polling
is leased, and an event is claimed once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from weavz_flow.backends.flow_triggers import FlowSourceSpec, FlowTriggers
from weavz_flow.config.model.base import SecretRef, parse_duration
from weavz_flow.config.model.flow import Overlap
from weavz_flow.config.secret_values import resolve_secret
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.flow_triggers import WEBHOOK
from weavz_flow.runner.context import TriggeringEvent
from weavz_flow.schedule.log_text import one_line
from weavz_flow.schedule.model import Fire
from weavz_flow.schedule.sources import FlowSource, Triggered

log = logging.getLogger("weavz_flow.schedule")

WEBHOOK_INTEGRATION, WEBHOOK_TRIGGER = "http", "catch_webhook"  # what a flow's `webhook:` entry is a source of
ENTRY_GONE = "abandoned: the flow's 'on' entry that received this event is no longer deployed"
# How long a registration that changed nothing is trusted before it is made again (another process may have
# retired the source meanwhile, with a different deployment in view).
REREGISTER_AFTER_S = 60.0


@dataclass(frozen=True, slots=True)
class EventTick:
    """What the event half of one tick did."""

    fires: tuple[tuple[Fire, Overlap], ...] = ()
    polled: int = 0  # new events stored by this tick's polls
    failed: tuple[str, ...] = ()  # entries (flow/key) that could not be registered this tick


class EventDispatch:
    def __init__(self, triggers: FlowTriggers, source: FlowSource, *, root: Path | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.triggers = triggers
        self.source = source
        self.root = root or Path.cwd()  # where a webhook's `file:` secret reference is read from
        self.environ = environ
        self._overlaps: dict[str, Overlap] = {}  # source id -> its entry's overlap
        self._registered: dict[tuple[str, str], tuple[Mapping[str, Any], str, float]] = {}

    def tick(self, now: datetime) -> EventTick:
        deployed = self.source.triggers()
        failed = self._register(deployed)
        polled = self.triggers.poll_due(now)
        fires: list[tuple[Fire, Overlap]] = []
        pending = self.triggers.pending()
        if pending:
            digests = {flow: entry.digest for flow, entry in deployed.items()}
            for fire in self.triggers.dispatch(pending, digests):
                overlap = self.overlap(fire)
                if overlap is not None:
                    fires.append((fire, overlap))
        return EventTick(tuple(fires), polled, tuple(failed))

    def overlap(self, fire: Fire) -> Overlap | None:
        """The overlap of the entry whose event ``fire`` runs; None when that entry is not deployed any more."""
        event = self.triggers.event(fire.event_id) if fire.event_id is not None else None
        if event is None:
            return None
        if event.source_id not in self._overlaps:
            self._register(self.source.triggers())
        return self._overlaps.get(event.source_id)

    def event_of(self, fire: Fire) -> TriggeringEvent | None:
        """What the run of an event's fire reads as ``trigger``."""
        event = self.triggers.event(fire.event_id) if fire.event_id is not None else None
        if event is None:
            return None
        return TriggeringEvent(event.id, event.data, event.source_id, event.occurred_at or event.received_at,
                               event.integration_name, event.trigger_name)

    # -- registering --------------------------------------------------------------------------------------------

    def _register(self, deployed: Mapping[str, Triggered]) -> list[str]:
        keep: set[tuple[str, str]] = set()
        failed: list[str] = []
        overlaps: dict[str, Overlap] = {}
        for flow, entry in sorted(deployed.items()):
            for key, document in sorted(entry.triggers.items()):
                if not document.get("enabled", True):
                    continue
                keep.add((flow, key))  # one that fails to register keeps its old source until it registers
                try:
                    source_id = self._ensure(flow, key, entry.workspace, document)
                except WeavzFlowError as exc:
                    failed.append(f"{flow}/{key}")
                    log.error("flow %s: trigger %s could not be registered: %s", flow, key,
                              one_line(exc, ()))
                    continue
                overlaps[source_id] = Overlap(document.get("overlap", Overlap.ALLOW.value))
        self._overlaps = overlaps
        if self.triggers.retire(keep):
            log.info("trigger sources of entries no longer deployed were stopped")
        return failed

    def _ensure(self, flow: str, key: str, workspace: str, document: Mapping[str, Any]) -> str:
        known = self._registered.get((flow, key))
        if known is not None and known[0] == document and time.monotonic() - known[2] < REREGISTER_AFTER_S:
            return known[1]
        source_id = self.triggers.register(flow, key, self._spec(workspace, document))
        self._registered[(flow, key)] = (dict(document), source_id, time.monotonic())
        return source_id

    def _spec(self, workspace: str, document: Mapping[str, Any]) -> FlowSourceSpec:
        workspace_id = self.triggers.workspace_id(workspace)
        if document.get("kind") == WEBHOOK:
            secret = None
            trigger_input: dict[str, Any] = {"authType": "none"}
            if document.get("secret"):
                secret = resolve_secret(SecretRef.model_validate(document["secret"]), self.root, self.environ)
                trigger_input = {"authType": document.get("auth") or "hmac_sha256"}
            if document.get("signature_header"):
                trigger_input["signatureHeader"] = document["signature_header"]
            return FlowSourceSpec(workspace_id, WEBHOOK_INTEGRATION, WEBHOOK_TRIGGER, None, None, None,
                                  trigger_input, 0, webhook_path=document["path"], webhook_secret=secret)
        alias, _, trigger = str(document["uses"]).partition(".")
        every = parse_duration(document.get("every", "5m"))
        return FlowSourceSpec(workspace_id, str(document["integration"]), trigger, alias, None,
                              document.get("end_user"), dict(document.get("with") or {}),
                              max(1, int(every.total_seconds())))
