"""A provider call described as data: method, path template, query and body mappings, output selection.

Most actions are one :class:`HttpSpec`: ``spec_action`` turns (profile, name, spec) into a native action whose
input schema is the provider's SDK catalog entry.
Actions that need several calls or post-processing write a small handler that calls :func:`call_spec` per step.

Rendering rules: ``{field}`` in the path takes the input value percent-encoded (or through ``path_encoders``);
query and body entries map a wire name to an input field and are left out when the field is unset; ``encoders``
turn an input value into its wire form (comma lists, JSON given as a string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.native_action import Handler
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest, ProviderResponse

if TYPE_CHECKING:
    from weavz_flow.integrations.retry import RetryPolicy

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

Encoder = Callable[[Any], Any]


def wire(*same: str, **renamed: str) -> dict[str, str]:
    """A wire-name -> input-field map: ``wire("channel", ts="timestamp")``."""
    return {**{name: name for name in same}, **renamed}


@dataclass(frozen=True)
class HttpSpec:
    method: str
    path: str  # "/repos/{repository}/issues/{issue_number}"; placeholders name input fields
    query: Mapping[str, str] = field(default_factory=dict)  # wire name -> input field
    body: Mapping[str, str] | None = None  # wire name -> input field; None: no body
    encoders: Mapping[str, Encoder] = field(default_factory=dict)  # input field -> wire value
    path_encoders: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)  # input field -> path text
    constants: Mapping[str, Any] = field(default_factory=dict)  # fixed body entries
    output: Callable[[Any], Any] | None = None  # selects the action output from the response body

    def placeholders(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))

    def render(self, values: Mapping[str, Any]) -> ProviderRequest:
        def value(name: str) -> Any:
            raw = values.get(name)
            if raw is None:
                return None
            encoder = self.encoders.get(name)
            return encoder(raw) if encoder is not None else raw

        def segment(match: re.Match[str]) -> str:
            name = match.group(1)
            raw = values.get(name)
            if raw is None or raw == "":
                raise ApiError(ErrorCode.VALIDATION_ERROR, f"'{name}' is required",
                               details={"fields": [{"field": name, "message": "required"}]})
            encode = self.path_encoders.get(name)
            return encode(raw) if encode is not None else quote(str(raw), safe="")

        path = _PLACEHOLDER.sub(segment, self.path)
        query = {wire_name: value(src) for wire_name, src in self.query.items()}
        if self.body is None:
            return ProviderRequest(self.method, path, query={k: v for k, v in query.items() if v is not None})
        body = dict(self.constants)
        for wire_name, src in self.body.items():
            v = value(src)
            if v is not None:
                body[wire_name] = v
        return ProviderRequest(self.method, path, query={k: v for k, v in query.items() if v is not None},
                               json=body, has_json=True)

    def select(self, body: Any) -> Any:
        return self.output(body) if self.output is not None else body


def call(
    ctx: ActionContext,
    profile: ProviderProfile,
    request: ProviderRequest,
    *,
    policy: RetryPolicy | None = None,
    accept_status: Callable[[int], bool] | None = None,
) -> ProviderResponse:
    """Send through :mod:`provider_http`, imported here on first use: httpx costs ~120 ms to import, and loading the
    catalog (``validate``) never sends anything."""
    from weavz_flow.integrations import provider_http

    return provider_http.send(ctx, profile, request, policy=policy, accept_status=accept_status)


def call_spec(ctx: ActionContext, profile: ProviderProfile, spec: HttpSpec, values: Mapping[str, Any]) -> Any:
    return spec.select(call(ctx, profile, spec.render(values)).body)


def spec_action(profile: ProviderProfile, name: str, spec: HttpSpec) -> CatalogAction:
    """The action ``name`` of the provider's catalog entry, sent as ``spec``; its input schema is the catalog's."""

    def run(ctx: ActionContext, values: dict[str, Any]) -> Any:
        return call_spec(ctx, profile, spec, values)

    return CatalogAction(profile.name, name, run)


def spec_actions(profile: ProviderProfile, actions: Mapping[str, HttpSpec | Handler]) -> dict[str, CatalogAction]:
    """A provider's actions as one literal: each action name maps to its spec, or to a handler where one call is not
    enough (it sends with :func:`call_spec`)."""
    return {name: spec_action(profile, name, how) if isinstance(how, HttpSpec)
            else CatalogAction(profile.name, name, how) for name, how in actions.items()}


# Encoders shared by several providers.


def comma_list(value: Any) -> list[str]:
    """ "a, b" -> ["a", "b"]; a list passes through (the SDK types these as comma-separated strings)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def json_value(value: Any) -> Any:
    """JSON given as a string (a rendered template) is parsed; anything else passes through."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def pick(*path: str | int) -> Callable[[Any], Any]:
    """An output selector: ``pick("channel", "id")`` reads ``body["channel"]["id"]`` (None when missing)."""

    def select(body: Any) -> Any:
        current = body
        for key in path:
            if isinstance(key, int) and isinstance(current, list) and -len(current) <= key < len(current):
                current = current[key]
            elif isinstance(key, str) and isinstance(current, dict):
                current = current.get(key)
            else:
                return None
        return current

    return select
