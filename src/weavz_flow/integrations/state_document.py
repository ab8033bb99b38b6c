"""One JSON document per persistence namespace: the whole state of a built-in that is read and changed as a whole
(agent-memory's knowledge graph, agent-scratchpad's pages).

The document is one kv entry of the engine's state store, so each change is atomic (read, change and write under
the row's lock; see ``StateStore.kv_update``) and its size is bounded by the store's ``kv_value_bytes`` limit
(1 MiB by default; ``WEAVZ_FLOW_LIMIT_KV_VALUE_BYTES`` for ``serve``, ``backend.limits.kv_value_bytes`` in
``weavz-flow.yaml``). It lives in a namespace of its own, ``<integration>@<persistence namespace>``: every
persistence namespace starts with ``ws:``, so no kv-store key or storage file of any scope can name it, and the
built-ins of one scope never see one another's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.state_access import state_of

Document = dict[str, Any]
_Result = TypeVar("_Result")


@dataclass(frozen=True, slots=True)
class StateDocument:
    integration: str
    key: str
    empty: Callable[[], Document]

    def namespace(self, ctx: ActionContext) -> str:
        return f"{self.integration}@{ctx.namespace}"

    def read(self, ctx: ActionContext) -> Document:
        found, value = state_of(ctx).kv_get(self.namespace(ctx), self.key)
        return value if found and isinstance(value, dict) else self.empty()

    def update(
        self, ctx: ActionContext, change: Callable[[Document], tuple[Document | None, _Result]], *, field: str,
    ) -> _Result:
        """``change`` gets the document (a fresh empty one when none is stored) and returns the new document (None
        removes it) and the action's result; a document grown past the store's limit names ``field``."""
        def on_stored(current: Any) -> tuple[Document | None, _Result]:
            return change(current if isinstance(current, dict) else self.empty())

        return state_of(ctx).kv_update(self.namespace(ctx), self.key, on_stored, field=field)
