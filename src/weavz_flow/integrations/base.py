"""The contract between the engine and a native integration.

A native integration is data: a name, the connection types it accepts, a default provider base URL and a map of
actions. An action is its catalog entry (``info``; for the SDK's integrations, the SDK catalog's, see
:mod:`~weavz_flow.integrations.catalog_action`) plus a ``run(ctx, input)`` that the engine calls with the merged input,
already checked against that entry, and an :class:`ActionContext` holding everything the action may use
(credentials, an HTTP client, persistence).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from weavz_flow.catalog.model import ActionInfo, AuthForm, IntegrationInfo
from weavz_flow.integrations.retry import RetryPolicy
from weavz_flow.redact import Redactor
from weavz_flow.sensitive import Sensitive

if TYPE_CHECKING:  # httpx is imported only by code that sends requests, to keep `validate` start-up small
    import httpx

    from weavz_flow.integrations.options import OptionMap
    from weavz_flow.integrations.trigger_base import NativeTrigger


@dataclass(frozen=True, slots=True)
class Credentials:
    """A decrypted connection credential. Secret parts are :class:`Sensitive`; nothing here prints them."""

    type: str  # SECRET_TEXT | BASIC_AUTH | CUSTOM_AUTH | OAUTH2 | PLATFORM_OAUTH2
    secret_text: Sensitive[str] | None = None
    username: str | None = None
    password: Sensitive[str] | None = None
    props: Sensitive[dict[str, Any]] | None = None
    access_token: Sensitive[str] | None = None
    refresh_token: Sensitive[str] | None = None
    token_type: str | None = None
    expires_at: str | None = None  # when an OAuth access token expires (ISO 8601 UTC); None: unknown or never

    def token(self) -> str | None:
        """The bearer token: an OAuth access token, else the secret text, else a ``token`` custom prop."""
        if self.access_token is not None:
            return self.access_token.reveal()
        if self.secret_text is not None:
            return self.secret_text.reveal()
        if self.props is not None:
            value = self.props.reveal().get("token") or self.props.reveal().get("accessToken")
            return str(value) if value is not None else None
        return None

    def secret_strings(self) -> list[str]:
        """Every secret string in this credential, for redaction."""
        out: list[str] = []
        for s in (self.secret_text, self.password, self.access_token, self.refresh_token):
            if s is not None:
                out.append(s.reveal())
        if self.props is not None:
            out.extend(str(v) for v in self.props.reveal().values() if isinstance(v, str | int) and str(v))
        return out


_Result = TypeVar("_Result")


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: str
    content: bytes
    content_type: str | None
    size: int
    updated_at: str  # ISO 8601

    def metadata(self) -> dict[str, Any]:
        """The file as ``storage`` shows it (``list_files``, ``write_file``, ``new_file`` events): no content."""
        return {"path": self.path, "size": self.size, "contentType": self.content_type, "updatedAt": self.updated_at}


@dataclass(frozen=True, slots=True)
class StoredValue:
    key: str
    value: Any
    updated_at: str  # ISO 8601, when it was last written


class StateStore(Protocol):
    """Durable state for the built-ins (kv-store, storage, the agent tools), namespaced by the alias's persistence
    scope.

    Implemented by the engine's store; every method is atomic on its own.
    """

    def kv_get(self, namespace: str, key: str) -> tuple[bool, Any]: ...

    def kv_put(self, namespace: str, key: str, value: Any) -> None: ...

    def kv_delete(self, namespace: str, key: str) -> bool: ...

    def kv_add_to_list(self, namespace: str, key: str, value: Any) -> list[Any]: ...

    def kv_remove_from_list(self, namespace: str, key: str, value: Any) -> list[Any]: ...

    def kv_list(self, namespace: str, prefix: str, limit: int) -> list[StoredValue]:
        """The values whose keys start with ``prefix`` (exactly, case included), in key order, at most ``limit``
        (``kv-store.key_changed`` watches them)."""
        ...

    def kv_update(
        self, namespace: str, key: str, change: Callable[[Any], tuple[Any, _Result]], *, field: str = "value"
    ) -> _Result:
        """Read, change and write one value atomically: ``change(current)`` (None when the key holds nothing) gives
        the new value (None removes the key) and a result, which is returned. A new value too large for the store
        is a VALIDATION_ERROR naming ``field``, and nothing is written."""
        ...

    def file_write(self, namespace: str, path: str, content: bytes, content_type: str | None) -> StoredFile: ...

    def file_read(self, namespace: str, path: str) -> StoredFile | None: ...

    def file_list(self, namespace: str, prefix: str) -> list[StoredFile]: ...

    def file_delete(self, namespace: str, path: str) -> bool: ...


@runtime_checkable
class FileLinks(Protocol):
    """Links that let whoever holds one download a stored file until they expire (``storage.get_download_url``)."""

    def link(self, namespace: str, path: str, expires_in_s: int) -> tuple[str, str]:
        """(the URL, its expiry as ISO 8601) of ``path`` in ``namespace``."""
        ...


@dataclass(slots=True)
class ActionContext:
    integration: str
    action: str
    http: httpx.Client  # shared, pooled; the action must not close it
    credentials: Credentials | None = None
    base_url: str | None = None  # provider base URL override (GitHub Enterprise, a test stub), else the default
    state: StateStore | None = None
    namespace: str = ""  # persistence namespace, e.g. "ws:<id>/end_user:<externalId>"
    file_links: FileLinks | None = None  # None: this engine hands out no download links
    redactor: Redactor = field(default_factory=Redactor)
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = field(
        default_factory=lambda: logging.getLogger("weavz_flow.integrations")
    )
    timeout: float = 30.0  # seconds per network operation of a provider request
    idempotency_key: str | None = None
    # time.monotonic() by which the action must be done with the provider (the engine's max execute duration);
    # provider_http starts no request or retry wait past it. None: no deadline.
    deadline: float | None = None
    # Overrides the provider's retry policy (bounds from settings; tests pass a recording ``sleep``).
    retry: RetryPolicy | None = None


@runtime_checkable
class NativeAction(Protocol):
    @property
    def info(self) -> ActionInfo: ...

    def run(self, ctx: ActionContext, input: dict[str, Any]) -> Any:
        """Execute with the final input (already merged and validated); raise ApiError(ACTION_FAILED) on failure."""
        ...


@dataclass(frozen=True)
class NativeIntegration:
    name: str
    display_name: str
    description: str
    actions: Mapping[str, NativeAction]
    auth_types: tuple[str, ...] = ()  # empty: the integration needs no connection
    default_base_url: str | None = None
    auth_form: AuthForm = field(default_factory=AuthForm)  # what the connect page asks for
    # Properties whose choices the provider lists (``properties/options``): action -> property -> source.
    options: OptionMap = field(default_factory=dict)
    # What can start a flow or a delivery (weavz_flow.integrations.trigger_base): trigger name -> trigger.
    triggers: Mapping[str, NativeTrigger] = field(default_factory=dict)

    def catalog_entry(self, catalog_twin: IntegrationInfo | None = None) -> IntegrationInfo:
        """This integration as the catalog shows it; over ``catalog_twin`` (the SDK's entry of the same name) its
        other actions stay listed, so they remain configurable and fail as NATIVE_ACTION_UNSUPPORTED, not as
        unknown."""
        actions = dict(catalog_twin.actions) if catalog_twin is not None else {}
        actions.update((name, action.info) for name, action in self.actions.items())
        return IntegrationInfo(
            name=self.name,
            display_name=self.display_name,
            description=self.description,
            auth_types=self.auth_types,
            auth_form=self.auth_form,
            native=True,
            actions=actions,
            native_actions=frozenset(self.actions),
            triggers={name: trigger.info for name, trigger in self.triggers.items()},
        )
