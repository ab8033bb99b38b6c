"""Trigger sources as a backend reports them (``weavz-flow triggers``): the wire record of ``GET /api/v1/triggers``
with the slug of its workspace, the name a project uses; and what a replay answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from weavz_flow.wire.triggers import TriggerSourceView


@dataclass(frozen=True, slots=True)
class TriggerSourceItem:
    source: TriggerSourceView  # as the API lists it: no callback headers, no signing secret
    workspace: str  # the workspace's slug; its id when the backend cannot name it

    def document(self) -> dict[str, Any]:
        """The source as JSON (camelCase, as the API answers it) with the workspace's slug added."""
        return {**self.source.model_dump(mode="json", exclude_none=True), "workspaceSlug": self.workspace}


def items_of(sources: Iterable[TriggerSourceView], slug_of: Callable[[str], str | None]) -> list[TriggerSourceItem]:
    return [TriggerSourceItem(s, slug_of(s.workspace_id) or s.workspace_id) for s in sources]


def split_trigger(ref: str) -> tuple[str, str]:
    """``INTEGRATION.TRIGGER`` as (integration, trigger); ValueError for another shape. Integration names hold no
    dot, trigger names may not either, so the first dot splits."""
    integration, dot, trigger = ref.partition(".")
    if not dot or not integration or not trigger:
        raise ValueError(f"expected INTEGRATION.TRIGGER (say http.catch_webhook), got {ref!r}")
    return integration, trigger
