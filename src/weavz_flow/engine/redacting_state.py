"""The state store a built-in action (kv-store, storage) gets when its call names values to redact.

Nothing a caller marked secret is at rest in clear, not even where a flow put it on purpose: what the action writes
(keys, values, paths, text file content) is redacted first, so kv-store and storage keep ``[REDACTED]`` in its place.
A flow that needs the secret later reads it from its own ``secrets``. Reads, deletes and list removals name keys and
values the same way, so they find what was written. Binary file content (not UTF-8) is stored as given.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from weavz_flow.integrations.base import StateStore, StoredFile, StoredValue
from weavz_flow.redact import Redactor

_Result = TypeVar("_Result")


class RedactingStateStore:
    __slots__ = ("_inner", "_redactor")

    def __init__(self, inner: StateStore, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor

    def kv_get(self, namespace: str, key: str) -> tuple[bool, Any]:
        return self._inner.kv_get(namespace, self._redactor.text(key))

    def kv_put(self, namespace: str, key: str, value: Any) -> None:
        self._inner.kv_put(namespace, self._redactor.text(key), self._redactor.data(value))

    def kv_delete(self, namespace: str, key: str) -> bool:
        return self._inner.kv_delete(namespace, self._redactor.text(key))

    def kv_add_to_list(self, namespace: str, key: str, value: Any) -> list[Any]:
        return self._inner.kv_add_to_list(namespace, self._redactor.text(key), self._redactor.data(value))

    def kv_remove_from_list(self, namespace: str, key: str, value: Any) -> list[Any]:
        return self._inner.kv_remove_from_list(namespace, self._redactor.text(key), self._redactor.data(value))

    def kv_list(self, namespace: str, prefix: str, limit: int) -> list[StoredValue]:
        return self._inner.kv_list(namespace, self._redactor.text(prefix), limit)

    def kv_update(
        self, namespace: str, key: str, change: Callable[[Any], tuple[Any, _Result]], *, field: str = "value"
    ) -> _Result:
        def redacted(current: Any) -> tuple[Any, _Result]:
            updated, result = change(current)
            return self._redactor.data(updated), result

        return self._inner.kv_update(namespace, self._redactor.text(key), redacted, field=field)

    def file_write(self, namespace: str, path: str, content: bytes, content_type: str | None) -> StoredFile:
        with contextlib.suppress(UnicodeDecodeError):  # binary content: no text to find a secret in
            content = self._redactor.text(content.decode("utf-8")).encode("utf-8")
        return self._inner.file_write(namespace, self._redactor.text(path), content, content_type)

    def file_read(self, namespace: str, path: str) -> StoredFile | None:
        return self._inner.file_read(namespace, self._redactor.text(path))

    def file_list(self, namespace: str, prefix: str) -> list[StoredFile]:
        return self._inner.file_list(namespace, self._redactor.text(prefix))

    def file_delete(self, namespace: str, path: str) -> bool:
        return self._inner.file_delete(namespace, self._redactor.text(path))
